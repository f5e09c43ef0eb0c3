/**
 * The embedded PostgreSQL's thread: PGlite (PostgreSQL compiled to WebAssembly, on an in-memory
 * file system) answering one request at a time from sandbox.ts. It runs in a worker so that the
 * main thread can stop a statement that never ends: PGlite honours no statement_timeout, and a
 * `COPY … FROM STDIN` waits for ever. After each statement it checks that the database still
 * answers, since some statements (`COPY … TO PROGRAM`) leave it returning nothing at all.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Extension, PGlite } from '@electric-sql/pglite';

export interface SandboxRequest {
  id: number;
  /** `exec`: run SQL text for its effect; `query`: one statement with parameters, for its rows. */
  kind: 'exec' | 'query';
  sql: string;
  params?: unknown[];
}

export interface SandboxError {
  message: string;
  code?: string;
  /** 1-based character position in the SQL text, when PostgreSQL gives one. */
  position?: number;
}

export type SandboxResponse =
  | { id: number; ok: true; rows: Record<string, unknown>[]; alive: boolean }
  | { id: number; ok: false; error: SandboxError; alive: boolean }
  | { id: 0; ready: true; template?: ArrayBuffer }
  | { id: 0; ready: false; error: SandboxError };

export interface SandboxSetup {
  /** Contrib modules of @electric-sql/pglite to load, by their module name (`uuid_ossp`). */
  extensions: string[];
  /** A data directory as initdb left it (dumped by an earlier worker): loaded instead of running initdb again. */
  template?: ArrayBuffer;
  /** Dump the fresh data directory, before any statement runs, and send it back as the template of later starts. */
  dumpTemplate?: boolean;
}

const port = parentPort!;

async function start(setup: SandboxSetup): Promise<{ db: PGlite; template?: ArrayBuffer }> {
  const { PGlite } = await import('@electric-sql/pglite');
  const extensions: Record<string, Extension> = {};
  for (const name of setup.extensions) {
    const module = (await import(`@electric-sql/pglite/contrib/${name}`)) as Record<string, Extension>;
    extensions[name] = module[name]!;
  }
  // No dataDir: the database lives in WebAssembly memory, and the host's file system is never mounted.
  const db = await PGlite.create({
    extensions,
    relaxedDurability: true,
    onStdout: () => true,
    onStderr: () => true,
    ...(setup.template ? { loadDataDir: new Blob([setup.template]) } : {}),
  });
  const template = setup.dumpTemplate ? await (await db.dumpDataDir('none')).arrayBuffer() : undefined;
  return { db, ...(template ? { template } : {}) };
}

function errorOf(error: unknown): SandboxError {
  const e = error as { message?: unknown; code?: unknown; position?: unknown };
  const position = Number(e.position);
  return {
    message: String(e.message ?? error),
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(Number.isInteger(position) && position > 0 ? { position } : {}),
  };
}

/**
 * A query of the tool's own, with PostgreSQL's catalog first and temporary objects last on the
 * search path: a migration's own `pg_class` view or `=` operator cannot stand in for the real ones.
 * SET LOCAL ends with the transaction, so the migrations' own search_path stays as they set it.
 */
async function catalogQuery(db: PGlite, sql: string, params: unknown[] | undefined): Promise<Record<string, unknown>[]> {
  return db.transaction(async (tx) => {
    await tx.exec('SET LOCAL search_path = pg_catalog, pg_temp');
    return (await tx.query<Record<string, unknown>>(sql, params)).rows;
  });
}

/** True when the database still answers a query with its rows. */
async function alive(db: PGlite): Promise<boolean> {
  try {
    const result = await db.query<{ alive: number }>('SELECT 1 AS alive');
    return result.rows.length === 1 && result.rows[0]!.alive === 1;
  } catch {
    return false;
  }
}

start(workerData as SandboxSetup).then(
  ({ db, template }) => {
    port.postMessage({ id: 0, ready: true, ...(template ? { template } : {}) } satisfies SandboxResponse, template ? [template] : []);
    // Requests come one at a time: the main thread waits for each answer before it sends the next.
    port.on('message', async (request: SandboxRequest) => {
      let response: SandboxResponse;
      try {
        const rows = request.kind === 'query' ? await catalogQuery(db, request.sql, request.params) : (await db.exec(request.sql), []);
        response = { id: request.id, ok: true, rows, alive: await alive(db) };
      } catch (error) {
        response = { id: request.id, ok: false, error: errorOf(error), alive: await alive(db) };
      }
      port.postMessage(response);
    });
  },
  (error) => port.postMessage({ id: 0, ready: false, error: errorOf(error) } satisfies SandboxResponse),
);
