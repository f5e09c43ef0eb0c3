/**
 * Reads the catalog of a live PostgreSQL through node-postgres, for `db check --database-url`:
 * one connection, one READ ONLY transaction that is rolled back, catalog queries only. Nothing is
 * written: PostgreSQL itself refuses every write in a read-only transaction.
 */
import { UsageError } from '../errors.js';
import { readCatalog, type CatalogFacts } from './catalog.js';

export interface LiveOptions {
  /** To connect, and for each query. */
  timeoutMs: number;
}

export async function readLiveCatalog(url: string, options: LiveOptions): Promise<CatalogFacts> {
  const where = describeUrl(url);
  if (!/^postgres(?:ql)?:\/\//i.test(url)) throw new UsageError('--database-url: expected a postgres:// or postgresql:// URL (postgres://user:password@host:port/database).');
  const { default: pg } = await import('pg');
  let client: InstanceType<typeof pg.Client>;
  try {
    client = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: options.timeoutMs,
      statement_timeout: options.timeoutMs,
      query_timeout: options.timeoutMs,
      application_name: 'schema-guard db check',
    });
  } catch (error) {
    throw new UsageError(`--database-url ${where}: ${redact((error as Error).message, url)}.`);
  }
  // An error event after connecting (the server going away) must not end the process: the query fails instead.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw new UsageError(`Cannot connect to the database at ${where}: ${redact(errorText(error), url)}.`);
  }
  try {
    await client.query('BEGIN TRANSACTION READ ONLY');
    // The catalog first on the search path, and temporary objects last: no schema of the database's can stand in for pg_class.
    await client.query('SET LOCAL search_path = pg_catalog, pg_temp');
    return await readCatalog(async (sql) => (await client.query(sql)).rows);
  } catch (error) {
    throw new UsageError(`Reading the catalog of the database at ${where} failed: ${redact(errorText(error), url)}.`);
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    await client.end().catch(() => {});
  }
}

/** host:port/database of a connection URL, never its user or password. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') return 'the given URL (expected postgres://…)';
    return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}${parsed.pathname && parsed.pathname !== '/' ? parsed.pathname : ''}`;
  } catch {
    return 'the given URL (expected postgres://user:password@host:port/database)';
  }
}

function errorText(error: unknown): string {
  const e = error as { message?: string; code?: string };
  const message = e.message || (e.code ? `error ${e.code}` : String(error));
  return message.replace(/\.$/, '');
}

/** The message without the URL's password, should a driver quote it. */
function redact(message: string, url: string): string {
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    // Not a URL: nothing to find in the message.
  }
  return password ? message.split(password).join('***') : message;
}
