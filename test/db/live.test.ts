/**
 * db check --database-url against a real PostgreSQL server: PGlite behind @electric-sql/pglite-socket
 * on 127.0.0.1, on a free port, started and stopped here. Findings sit at the map's entries; only
 * catalog queries run, in a read-only transaction.
 */
import { createServer } from 'node:net';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDbCheck } from '../../src/db/check.js';
import { main } from '../../src/cli/main.js';
import { writeRepo } from '../helpers.js';
import { brief, DB_TIMEOUT } from './helpers.js';

const MAP = `version: 1
domains:
  identity:
    name: Identity
    kind: platform
    folders: [src/identity/**]
    schemas: [identity]
  billing:
    name: Billing
    kind: platform
    folders: [src/billing/**]
    prefixes: [billing_]
dependencyChain:
  order: [identity, billing]
families:
  - id: people
    name: People
    tables: [identity.persons, identity.sessions]
    currentOwner: identity team
    targetOwner: identity
    guardRule: Identity owns who people are
  - id: invoices
    name: Invoices
    tables: [billing_invoices]
    currentOwner: billing team
    targetOwner: billing
    guardRule: Billing owns what people pay
tenancy:
  mode: row-level
  scoped:
    families: [invoices]
`;

const SCHEMA = `
CREATE SCHEMA identity;
CREATE TABLE identity.persons (person_id int PRIMARY KEY);
CREATE TABLE billing_invoices (invoice_id int PRIMARY KEY, person_id int REFERENCES identity.persons (person_id));
ALTER TABLE identity.persons ADD COLUMN billing_invoice_id int REFERENCES billing_invoices (invoice_id);
CREATE TABLE legacy_exports (id int);
COMMENT ON TABLE legacy_exports IS 'nightly export, owner unknown';
CREATE TABLE schema_migrations (version text);
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

describe('db check --database-url', () => {
  let db: PGlite;
  let server: PGLiteSocketServer;
  let url: string;
  const sent: string[] = [];

  beforeAll(async () => {
    db = await PGlite.create();
    await db.exec(SCHEMA);
    // Every statement the server receives, as the simple query protocol carries it.
    const raw = db.execProtocolRawStream.bind(db);
    db.execProtocolRawStream = (message, options) => {
      if (message[0] === 0x51) sent.push(Buffer.from(message.subarray(5, message.length - 1)).toString('utf8'));
      return raw(message, options);
    };
    const port = await freePort();
    server = new PGLiteSocketServer({ db, port, host: '127.0.0.1' });
    await server.start();
    url = `postgres://postgres:s3cret-pw@127.0.0.1:${port}/postgres`;
  }, DB_TIMEOUT);

  afterAll(async () => {
    await server?.stop();
    await db?.close();
  });

  it('reports what the live catalog holds against the map, each finding at its map entry', { timeout: DB_TIMEOUT }, async () => {
    const root = writeRepo({ 'ownership-map.yaml': MAP });
    const outcome = await runDbCheck({ root, mapFile: path.join(root, 'ownership-map.yaml'), databaseUrl: url });
    expect(brief(outcome.findings)).toEqual([
      // Nothing in the map owns legacy_exports: at the families section. schema_migrations is a migration tool's, and not reported.
      ['unmapped-table', 'ownership-map.yaml', 16, 3, 'legacy_exports'],
      // identity (earlier in the chain) holds a key into billing: at the referencing table's entry.
      ['dependency-direction', 'ownership-map.yaml', 18, 14, 'billing_invoices'],
      // identity.sessions, at its entry in the family's tables.
      ['stale-map-entry', 'ownership-map.yaml', 18, 32, 'identity.sessions'],
      // billing_invoices is tenant-scoped: no tenant_id, no row-level security.
      ['rls-missing', 'ownership-map.yaml', 24, 14, 'billing_invoices'],
      ['tenant-column-missing', 'ownership-map.yaml', 24, 14, 'billing_invoices'],
    ]);
    expect(outcome.findings[0]!.message).toContain('The database has table legacy_exports');
    expect(outcome.findings[0]!.message).toContain('Its comment: "nightly export, owner unknown"');
    expect(outcome.findings[1]!.message).toContain('identity.persons (identity) holds a foreign key (persons_billing_invoice_id_fkey) into billing_invoices (billing)');
    expect(outcome).toMatchObject({ source: 'database', filesApplied: 0 });
  });

  it('only reads the catalog, in a read-only transaction that it rolls back', { timeout: DB_TIMEOUT }, async () => {
    sent.length = 0;
    const root = writeRepo({ 'ownership-map.yaml': MAP });
    await runDbCheck({ root, mapFile: path.join(root, 'ownership-map.yaml'), databaseUrl: url });
    expect(sent[0]).toBe('BEGIN TRANSACTION READ ONLY');
    expect(sent.at(-1)).toBe('ROLLBACK');
    for (const sql of sent.slice(1, -1)) expect(sql.trim()).toMatch(/^(SET LOCAL search_path = pg_catalog, pg_temp|SELECT\b)/);
    expect(sent.join('\n')).not.toMatch(/\b(INSERT|UPDATE|DELETE|CREATE|ALTER|DROP)\b/i);
  });

  it('prints one line and exits 2 when the database cannot be reached, without the password', { timeout: DB_TIMEOUT }, async () => {
    const root = writeRepo({ 'ownership-map.yaml': MAP });
    const port = await freePort();
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['db', 'check', '--root', root, '--database-url', `postgres://app:hunter2@127.0.0.1:${port}/app`, '--timeout', '5'], {
      stdout: { write: (text: string) => out.push(text) },
      stderr: { write: (text: string) => err.push(text) },
    });
    expect(code).toBe(2);
    expect(out.join('')).toBe('');
    expect(err.join('')).toBe(`schema-guard: Cannot connect to the database at 127.0.0.1:${port}/app: connect ECONNREFUSED 127.0.0.1:${port}.\n`);
  });
});
