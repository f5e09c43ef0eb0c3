import { describe, expect, it } from 'vitest';
import { check } from './helpers.js';

describe('SQL fragments are not statements', () => {
  it('never reports sql`count(*)`, sql`meta->>\'k\'` or raw(\'COUNT(*)::integer AS n\') as parse errors', async () => {
    const findings = await check({
      'src/a/fragments.ts': [
        "import { sql } from 'kysely';",
        'export const n = sql`count(*)`;',
        "export const k = sql`meta->>'k'`;",
        "export const e = sql`EXCLUDED.amount`;",
        'export const c = (db: any) => db.raw(\'COUNT(*)::integer AS n\');',
        'export const a = sql`and x = ${1}`;',
      ].join('\n'),
    });
    expect(findings).toEqual([]);
  });

  it('reads the tables a fragment names: a subquery inside it', async () => {
    const findings = await check({ 'src/a/exists.ts': "import { sql } from 'kysely';\nexport const e = sql`exists (select 1 from tb where tb.id = ta.id)`;\n" });
    expect(findings).toEqual(['cross-domain-query src/a/exists.ts:2:44 tb']);
  });

  it('does not read one word passed to a method named query as SQL (a URL parameter)', async () => {
    expect(await check({ 'src/a/route.ts': "export const from = (c: any) => c.req.query('from') ?? c.req.query('where');\n" })).toEqual([]);
  });

  it('still reports a statement that does not parse in a query call', async () => {
    const findings = await check({ 'src/a/typo.ts': "export const t = (pool: any) => pool.query('SELEC id FROM tb');\n" });
    expect(findings).toEqual(['sql-parse-error src/a/typo.ts:1:45']);
  });
});

describe('SQL assembled from pieces', () => {
  it('folds a + chain of any length, keeping the verb and the table', async () => {
    const pieces = ["'UPDATE tb'", "' SET amount = 0'", ...Array.from({ length: 12 }, () => "''")].join(' + ');
    expect(await check({ 'src/a/chain.ts': `export const u = (pool: any) => pool.query(${pieces});\n` })).toEqual(['cross-domain-query src/a/chain.ts:1:52 tb']);
  });

  it('folds [ … ].join(" "), const pieces inside templates, and reads both branches of a conditional piece', async () => {
    const findings = await check({
      'src/a/joined.ts': "export const j = (pool: any) => pool.query(['SELECT *', 'FROM tb', 'WHERE id = $1'].join(' '), [1]);\n",
      'src/a/template.ts': "const T = 'tb';\nexport const t = (pool: any) => pool.query(`DELETE FROM ${T} WHERE id = $1`, [1]);\n",
      'src/a/branch.ts': "export const b = (pool: any, all: boolean) => pool.query(`SELECT * FROM ta ${all ? 'JOIN tb USING (id)' : ''}`);\n",
    });
    expect(findings).toEqual([
      'cross-domain-query src/a/branch.ts:1:90 tb',
      'cross-family-join src/a/branch.ts:1:90 tb',
      'cross-domain-query src/a/joined.ts:1:63 tb',
      'cross-domain-query src/a/template.ts:1:12 tb',
    ]);
  });

  it('reads { text }, { text: t } and { sql } objects in every spelling', async () => {
    const findings = await check({
      'src/a/objects.ts': [
        "const text = 'DELETE FROM tb';",
        'export const a = (pool: any) => pool.query({ text });',
        "export const b = (pool: any) => pool.query({ text: 'SELECT * FROM tb' });",
        "export const c = (conn: any) => conn.query({ sql: 'UPDATE tb SET x = 1' });",
      ].join('\n'),
    });
    expect(findings).toEqual(['cross-domain-query src/a/objects.ts:1:27 tb', 'cross-domain-query src/a/objects.ts:3:67 tb', 'cross-domain-query src/a/objects.ts:4:59 tb']);
  });

  it('quotes the code, not schema-guard\'s placeholder, when assembled SQL does not parse', async () => {
    const { runCheck } = await import('../../src/check.js');
    const { writeRepo } = await import('../helpers.js');
    const { writeFileSync } = await import('node:fs');
    const root = writeRepo({ 'src/a/bad.ts': 'export const bad = (pool: any, x: string) => pool.query(`SELECT * FROM ta WHERE ${x} ${x}`);\n' });
    writeFileSync(`${root}/ownership-map.yaml`, (await import('./helpers.js')).abMap());
    const result = await runCheck({ root, mapFile: `${root}/ownership-map.yaml` });
    const messages = result.findings.map((finding) => finding.message);
    expect(messages.join('\n')).not.toMatch(/"\$\d|"__/);
  });
});

describe('optional pieces chosen at run time', () => {
  it('reads a statement whose holes are optional clauses or extra columns, keeping the code\'s own $1 parameters', async () => {
    const findings = await check({
      'src/a/list.ts': [
        'export const list = (pool: any, extra: string, orderBy: string) => pool.query(`',
        '  SELECT id, name as "name"',
        '  ${extra}',
        '  FROM tb',
        '  WHERE ($1::text IS NULL OR name = $1)',
        '  ${orderBy}',
        '  LIMIT $2 OFFSET $3`, [null, 10, 0]);',
      ].join('\n'),
      'src/a/page.ts': 'export const page = (pool: any, n: number) => pool.query(`SELECT * FROM tb LIMIT $${n + 1}`);\n',
    });
    expect(findings).toEqual(['cross-domain-query src/a/list.ts:4:8 tb', 'cross-domain-query src/a/page.ts:1:73 tb']);
  });

  it('resolves a const by the scope it is declared in, and leaves a non-text const a hole where it is used', async () => {
    const findings = await check({
      'src/a/scoped.ts': [
        'export function one(pool: any) { const T = "ta"; return pool.query(`SELECT * FROM ${T}`); }',
        'export function two(pool: any) { const T = "tb"; return pool.query(`SELECT * FROM ${T}`); }',
        'export function three(pool: any, x: string) { const s = x.trim(); return pool.query(`SELECT * FROM ${s}.tb`); }',
      ].join('\n'),
    });
    expect(findings).toEqual(['cross-domain-query src/a/scoped.ts:2:45 tb', 'cross-domain-query src/a/scoped.ts:3:100 tb']);
  });
});

describe('Drizzle table objects inside sql templates', () => {
  it('reads sql`… from ${users}` as a statement on that table', async () => {
    const findings = await check({
      'src/schema.ts': "import { pgTable, integer } from 'drizzle-orm/pg-core'\nexport const tb = pgTable('tb', { id: integer('id') })\n",
      'src/a/raw.ts': "import { sql } from 'drizzle-orm'\nimport { tb } from '../schema.js'\nexport const raw = (db: any, id: number) => db.execute(sql`DELETE FROM ${tb} WHERE id = ${id}`)\n",
    });
    expect(findings).toEqual(['cross-domain-query src/a/raw.ts:3:72 tb']);
  });

  it('keeps a value that is no table a parameter', async () => {
    const findings = await check({
      'src/a/value.ts': "import { sql } from 'drizzle-orm'\nexport const v = (db: any, name: string) => db.execute(sql`SELECT * FROM ta WHERE name = ${name}`)\n",
    });
    expect(findings).toEqual([]);
  });
});
