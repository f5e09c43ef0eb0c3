import { describe, expect, it } from 'vitest';
import type { ts } from 'ts-morph';
import { extractTypeScript } from '../../src/extract/typescript.js';
import { typescript } from '../../src/extract/typescript-compiler.js';

/** The SQL text of each site, and the file text at the offset each site's SQL maps back to. */
function sites(code: string) {
  return extractTypeScript('x.ts', code).sqlSites.map(({ variants: [sql], queryPosition, enclosingFunction }) => ({
    sql: sql!.text,
    queryPosition,
    fn: enclosingFunction,
    at: (needle: string) => code.slice(sql!.toFileOffset(sql!.text.indexOf(needle)), sql!.toFileOffset(sql!.text.indexOf(needle)) + needle.length),
  }));
}

describe('embedded SQL positions', () => {
  it('takes the first argument of query calls, in the enclosing function', () => {
    const [site] = sites(`async function load(id) { return pool.query('SELECT * FROM nodes WHERE id = $1', [id]); }`);
    expect(site).toMatchObject({ sql: 'SELECT * FROM nodes WHERE id = $1', queryPosition: true, fn: 'load' });
    expect(site!.at('nodes')).toBe('nodes');
  });

  it('reads { text } objects, execute, raw, $queryRawUnsafe and pg-promise methods', () => {
    const code = [
      `client.query({ text: 'SELECT 1 FROM a', values: [] });`,
      `conn.execute("DELETE FROM b");`,
      `knex.raw('SELECT * FROM c');`,
      `prisma.$queryRawUnsafe('SELECT * FROM d');`,
      `db.oneOrNone('SELECT * FROM e');`,
    ].join('\n');
    expect(sites(code).map((s) => s.sql)).toEqual(['SELECT 1 FROM a', 'DELETE FROM b', 'SELECT * FROM c', 'SELECT * FROM d', 'SELECT * FROM e']);
  });

  it('turns template holes into $9001… placeholders padded to the hole, so offsets stay exact and holes differ from the code\'s own $1', () => {
    const code = 'const rows = await sql`SELECT * FROM organizations WHERE id = ${orgId} AND x = ${yy} AND z = $1`;';
    const [site] = sites(code);
    expect(site!.sql).toBe('SELECT * FROM organizations WHERE id = $9001    AND x = $9002 AND z = $1');
    expect(site!.at('organizations')).toBe('organizations');
    expect(site!.at('AND x')).toBe('AND x');
  });

  it('recognises sql, SQL, Prisma.sql and $queryRaw tags, and not other tags', () => {
    const code = 'a = sql`SELECT 1 FROM t1`; b = SQL`SELECT 1 FROM t2`; c = Prisma.sql`SELECT 1 FROM t3`; d = prisma.$queryRaw`SELECT 1 FROM t4`; e = html`SELECT 1 FROM t5`;';
    expect(sites(code).map((s) => s.sql)).toEqual(['SELECT 1 FROM t1', 'SELECT 1 FROM t2', 'SELECT 1 FROM t3', 'SELECT 1 FROM t4', 'SELECT 1 FROM t5']);
    expect(sites(code).map((s) => s.queryPosition)).toEqual([true, true, true, true, false]);
  });

  it('follows const identifiers and + concatenation, locating each piece where it is written', () => {
    const code = [`const COLS = 'id, amount';`, `const Q = 'SELECT ' + COLS + ' FROM ledger_entries';`, `function f() { return pool.query(Q); }`].join('\n');
    const found = sites(code);
    expect(found).toHaveLength(1);
    expect(found[0]!.sql).toBe('SELECT id, amount FROM ledger_entries');
    expect(found[0]!.at('ledger_entries')).toBe('ledger_entries');
    expect(found[0]!.at('amount')).toBe('amount');
    expect(found[0]!.queryPosition).toBe(true);
  });

  it('reads string literals as their value, and keeps offsets across escapes', () => {
    const code = `pool.query('SELECT \\'a\\'\\n FROM nodes')`;
    const [site] = sites(code);
    expect(site!.sql).toBe("SELECT 'a'\n FROM nodes");
    expect(site!.at('nodes')).toBe('nodes');
  });

  it('offers statement-like strings outside query positions as candidates (parsing decides), and no other strings', () => {
    const code = `const INSERT_AUDIT = \`INSERT INTO platform_audit_logs (a) VALUES ($1)\`;\nlogger.error('update ledger_entries failed');\nconst label = 'a node';`;
    const found = sites(code);
    expect(found.map((s) => [s.sql.slice(0, 11), s.queryPosition])).toEqual([
      ['INSERT INTO', false],
      ['update ledg', false],
    ]);
  });

  it('names methods by class and arrow functions by their variable', () => {
    const code = `class Repo { async save() { await db.query('INSERT INTO t VALUES (1)'); } }\nconst remove = async () => db.query('DELETE FROM t');`;
    expect(sites(code).map((s) => s.fn)).toEqual(['Repo.save', 'remove']);
  });
});

describe('imports', () => {
  it('collects static, export-from, require, import-equals and dynamic imports with type-only flags', () => {
    const code = [
      `import { a } from './a';`,
      `import type { B } from './b';`,
      `import { type C } from './c';`,
      `import { type D, e } from './d';`,
      `export { f } from './f';`,
      `export type { G } from './g';`,
      `const h = require('./h');`,
      `import i = require('./i');`,
      `const j = await import('./j');`,
      `import './side-effect';`,
    ].join('\n');
    const imports = extractTypeScript('x.ts', code).imports.map((i) => [i.specifier, i.kind, i.typeOnly]);
    expect(imports).toEqual([
      ['./a', 'import', false],
      ['./b', 'import', true],
      ['./c', 'import', true],
      ['./d', 'import', false],
      ['./f', 'export', false],
      ['./g', 'export', true],
      ['./h', 'require', false],
      ['./i', 'require', false],
      ['./j', 'dynamic-import', false],
      ['./side-effect', 'import', false],
    ]);
  });
});

describe('owner header', () => {
  it('reads // @owner from the leading comments only', () => {
    expect(extractTypeScript('x.ts', '// Billing routes\n// @owner platform-billing\nexport const x = 1;').ownerHeader?.domain).toBe('platform-billing');
    expect(extractTypeScript('x.ts', 'export const x = 1;\n// @owner platform-billing\n').ownerHeader).toBeUndefined();
  });
});

describe('broken TypeScript', () => {
  it('reports syntax errors and still extracts what it can', () => {
    const facts = extractTypeScript('x.ts', `pool.query('SELECT * FROM nodes');\nfunction (\n`);
    expect(facts.syntaxErrors.length).toBeGreaterThan(0);
    expect(facts.sqlSites).toHaveLength(1);
  });
});

describe('the parsed file it hands on', () => {
  it('has every node linked to its parent, as the passes after the walk expect', () => {
    const code = [
      `import type { Knex } from 'knex';`,
      `/** Loads things. */`,
      `@Entity() export class Repo<T extends { id: string }> { @Column() private x = 1; async load(this: Repo<T>, [a, ...b]: T[]) { return sql\`SELECT \${a} FROM t\`; } }`,
      `export default function* gen() { yield* [1, 2]; label: for (const k in {}) { if (k) continue label; else break label; } }`,
      `const f = async ({ a = 1, b: { c } }: any) => a ?? c?.d!.e ?? (await import('./m'));`,
      `namespace N { export enum E { A = 1 } declare const z: typeof import('./n'); }`,
      `type Q<T> = T extends (infer U)[] ? { [K in keyof U]?: U[K] } : never;`,
      `const broken = (;`,
    ].join('\n');
    const { source } = extractTypeScript('x.tsx', code);
    let checked = 0;
    const visit = (node: ts.Node): void => {
      typescript.forEachChild(node, (child) => {
        expect(child.parent).toBe(node);
        checked++;
        visit(child);
      });
    };
    visit(source);
    expect(checked).toBeGreaterThan(150);
  });
});
