/**
 * The runtime guard against a real PostgreSQL (PGlite on a 127.0.0.1 socket), node-postgres and
 * Kysely, calling the fixture app's own functions: their frames are the callers the guard finds.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRuntimeGuard, RuntimeViolationError, type RuntimeGuard } from '../../src/runtime/index.js';
import { RecordLineSchema } from '../../src/runtime/record.js';
import { listInvoices } from '../../fixtures/runtime-app/src/billing/invoices.js';
import { countInvoicesLegacy } from '../../fixtures/runtime-app/src/catalog/legacy.js';
import { bestSellers, invoiceCount, revenueByProduct } from '../../fixtures/runtime-app/src/catalog/products.js';
import { exportSource } from '../../fixtures/runtime-app/src/reporting/export.js';
import { purgeCheapInvoices } from '../../fixtures/runtime-app/src/shared/jobs.js';
import { poolConfig, startDatabase, type TestDatabase } from '../../fixtures/runtime-app/test/database.js';
import { REPO_ROOT } from '../helpers.js';

const root = path.join(REPO_ROOT, 'fixtures/runtime-app');
let database: TestDatabase;
const pools: pg.Pool[] = [];

beforeAll(async () => {
  database = await startDatabase();
  const seed = new pg.Pool(poolConfig(database));
  await seed.query("INSERT INTO catalog_products VALUES (1, 'GPU hour'); INSERT INTO billing_invoices VALUES (10, 1, 500), (11, 1, 50)");
  await seed.end();
}, 60_000);

afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.end();
});

afterAll(async () => {
  await database?.stop();
});

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'schema-guard-runtime-'));

async function guarded(options: Parameters<typeof createRuntimeGuard>[0] = {}): Promise<{ guard: RuntimeGuard; pool: pg.Pool }> {
  const guard = await createRuntimeGuard({ root, reportDir: tempDir(), ...options });
  const pool = guard.wrap(new pg.Pool(poolConfig(database)));
  pools.push(pool);
  return { guard, pool };
}

function recordLines(guard: RuntimeGuard) {
  const files = readdirSync(guard.reportDir);
  return files.flatMap((file) => readFileSync(path.join(guard.reportDir, file), 'utf8').trim().split('\n')).map((line) => RecordLineSchema.parse(JSON.parse(line)));
}

describe('record mode', () => {
  it('finds the cross-domain read of a table chosen at run time, at its caller, and lets the query run', async () => {
    const { guard, pool } = await guarded();
    expect(await exportSource(pool, 'revenue')).toBe(2);
    expect(guard.findings()).toMatchObject([
      { ruleId: 'cross-domain-query', file: 'src/reporting/export.ts', line: 16, domain: 'reporting', table: 'billing_invoices', operation: 'read', level: 'warning' },
    ]);
  });

  it('stays quiet for a domain reading its own tables, and for a read the map grants', async () => {
    const { guard, pool } = await guarded();
    await listInvoices(pool);
    await exportSource(pool, 'products');
    expect(guard.findings()).toEqual([]);
  });

  it('writes one file per process, named by its pid, with every line valid', async () => {
    const { guard, pool } = await guarded();
    await exportSource(pool, 'revenue');
    await exportSource(pool, 'revenue');
    const [file] = readdirSync(guard.reportDir);
    expect(file).toMatch(new RegExp(`^runtime-${process.pid}-[0-9a-f]{12}\\.jsonl$`));
    const lines = recordLines(guard);
    // Judged once per site and text: the second export adds nothing.
    expect(lines.map((line) => line.kind === 'observation' && `${line.file}:${line.line} ${line.accesses.map((a) => `${a.operation} ${a.table.name}`)}`)).toEqual([
      'src/reporting/export.ts:16 read billing_invoices',
      'src/reporting/export.ts:18 insert reporting_exports',
    ]);
    expect(lines[0]).toMatchObject({ findings: [{ ruleId: 'cross-domain-query', table: 'billing_invoices' }] });
    expect(guard.stats()).toMatchObject({ statements: 4, judged: 2 });
  });

  it('judges through a client checked out of the pool, with promises and with callbacks', async () => {
    const { guard, pool } = await guarded();
    const client = await pool.connect();
    try {
      await bestSellers(client);
    } finally {
      client.release();
    }
    await new Promise<void>((resolve, reject) =>
      pool.connect((error, checkedOut, release) => {
        if (error || !checkedOut) return reject(error);
        invoiceCount(checkedOut).then(() => (release(), resolve()), reject);
      }),
    );
    expect(guard.findings().map((finding) => `${finding.ruleId} ${finding.file}:${finding.line} ${finding.suppressed ?? ''}`)).toEqual([
      'cross-domain-query src/catalog/products.ts:15 ',
      'cross-domain-query src/catalog/products.ts:34 the storefront badge reads the count until billing publishes it',
    ]);
  });

  it('judges what Kysely sends over the wrapped pool, at the Kysely call', async () => {
    const { guard, pool } = await guarded();
    const kysely = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    expect(await revenueByProduct(kysely, 1)).toBe(550);
    expect(guard.findings()).toMatchObject([{ ruleId: 'cross-domain-query', file: 'src/catalog/products.ts', line: 27, table: 'billing_invoices' }]);
  });

  it('counts a statement no repository file sent as unattributed, and judges nothing of it', async () => {
    const { guard, pool } = await guarded();
    // This test file lies outside the fixture's root.
    await pool.query('SELECT count(*) FROM billing_invoices');
    expect(guard.findings()).toEqual([]);
    expect(recordLines(guard)).toMatchObject([{ kind: 'unattributed', tables: ['billing_invoices'] }]);
  });
});

describe('throw mode', () => {
  it('fails the offending query with the rule, the table and the caller, before it is sent', async () => {
    const { pool } = await guarded({ mode: 'throw' });
    const error = await exportSource(pool, 'revenue').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RuntimeViolationError);
    expect(error).toMatchObject({ ruleId: 'cross-domain-query', table: 'billing_invoices', caller: 'src/reporting/export.ts:16:29' });
    expect((error as Error).message).toMatch(/^schema-guard cross-domain-query on billing_invoices at src\/reporting\/export\.ts:16:29: reporting code reads billing_invoices/);
  });

  it('lets allowed and suppressed queries through', async () => {
    const { guard, pool } = await guarded({ mode: 'throw' });
    expect(await exportSource(pool, 'products')).toBe(1);
    expect(await invoiceCount(pool)).toBe(2);
    expect(guard.findings().map((finding) => finding.suppressed)).toEqual(['the storefront badge reads the count until billing publishes it']);
  });

  it('reports the violation to a callback when the query takes one', async () => {
    const { pool } = await guarded({ mode: 'throw' });
    const error = await new Promise((resolve) => countInvoicesLegacy(pool as never, resolve));
    expect(error).toMatchObject({ ruleId: 'cross-domain-query', caller: 'src/catalog/legacy.ts:6:6' });
  });

  it('applies the map\'s exceptions as check does', async () => {
    const map = path.join(tempDir(), 'map.yaml');
    const exception = `
exceptions:
  - id: reporting-reads-invoices
    reason: Revenue exports read invoices until billing publishes a read model
    link: docs/runtime.md
    rules: [cross-domain-query]
    domains: [reporting]
    tables: [billing_invoices]
    operations: [read]
    expires: 2999-12-31
`;
    writeFileSync(map, readFileSync(path.join(root, 'ownership-map.yaml'), 'utf8') + exception);
    const { guard, pool } = await guarded({ mode: 'throw', map });
    expect(await exportSource(pool, 'revenue')).toBe(2);
    expect(guard.findings()).toEqual([]);
    expect(recordLines(guard)[0]).toMatchObject({ findings: [{ ruleId: 'cross-domain-query', waivedBy: 'reporting-reads-invoices' }] });
  });
});

describe('runAs', () => {
  it('counts a shared helper\'s statements as the domain that runs it', async () => {
    const { guard, pool } = await guarded({ mode: 'throw' });
    await guard.runAs('billing', () => purgeCheapInvoices(pool, 1));
    const error = await guard.runAs('catalog', () => purgeCheapInvoices(pool, 1)).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ ruleId: 'cross-domain-query', table: 'billing_invoices', caller: 'src/shared/db.ts:8:29' });
    expect((error as Error).message).toContain('catalog code deletes from billing_invoices');
  });

  it('refuses a domain the map does not have', async () => {
    const { guard } = await guarded();
    expect(() => guard.runAs('shipping', () => undefined)).toThrow(/"shipping" is not a domain of the map \(billing, catalog, reporting\)/);
  });
});

describe('when the guard itself has trouble', () => {
  it('passes a statement it cannot parse on to PostgreSQL unchanged, and records a note', async () => {
    const { guard, pool } = await guarded({ mode: 'throw' });
    const error = await exportSourceOf(pool, 'SELEC broken').catch((caught: unknown) => caught);
    // PostgreSQL's own error, not the guard's.
    expect(error).toMatchObject({ code: '42601' });
    expect(recordLines(guard).filter((line) => line.kind === 'note')).toMatchObject([{ message: expect.stringContaining('could not be analysed') }]);
  });

  it('keeps the application running when it cannot write its record', async () => {
    const blocker = path.join(tempDir(), 'a-file');
    writeFileSync(blocker, '');
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const { guard, pool } = await guarded({ reportDir: path.join(blocker, 'runtime') });
      expect(await exportSource(pool, 'revenue')).toBe(2);
      expect(guard.findings()).toHaveLength(1);
      expect(stderr.mock.calls.filter(([text]) => String(text).includes('cannot write the record'))).toHaveLength(1);
    } finally {
      stderr.mockRestore();
    }
  });
});

/** A statement of the test's choosing, sent through the fixture's shared helper. */
async function exportSourceOf(pool: pg.Pool, text: string) {
  const { runStatement } = await import('../../fixtures/runtime-app/src/shared/db.js');
  return runStatement(pool, text);
}
