import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { loadOwnershipMap, parseOwnershipMap } from '../src/map/load.js';
import { OwnershipIndex } from '../src/map/resolve.js';
import { planStarterMap, renderStarterMap, starterDomains } from '../src/map/starter.js';
import type { FileFacts } from '../src/facts/types.js';
import { REPO_ROOT, runCli, writeRepo } from './helpers.js';

const BIN = path.join(REPO_ROOT, 'bin/schema-guard.js');
/** A command as a user types it in the project's folder. */
const run = (command: string, cwd: string) => execa('node', [BIN, ...command.split(' ').slice(1)], { reject: false, cwd, env: { NO_COLOR: '1' } });

/** An empty project with two folders of code and three migrations. */
const PROJECT = {
  'package.json': JSON.stringify({ name: 'shop', private: true }),
  'migrations/001_orders.sql': 'CREATE TABLE orders (id serial PRIMARY KEY, total int NOT NULL);\n',
  'migrations/002_invoices.sql': 'CREATE TABLE invoices (id serial PRIMARY KEY, order_id int REFERENCES orders (id));\n',
  'migrations/003_payments.sql': 'CREATE TABLE payments (id serial PRIMARY KEY, invoice_id int);\nCREATE TABLE "auditTrail" (id serial);\n',
  'src/orders/orders.ts': [
    "import { Pool } from 'pg';",
    'const pool = new Pool();',
    "export const place = (total: number) => pool.query('INSERT INTO orders (total) VALUES ($1)', [total]);",
  ].join('\n') + '\n',
  'src/billing/invoices.ts': [
    "import { Pool } from 'pg';",
    'const pool = new Pool();',
    'export async function bill(orderId: number) {',
    "  const { rows } = await pool.query('SELECT total FROM orders WHERE id = $1', [orderId]);",
    "  await pool.query('INSERT INTO invoices (order_id) VALUES ($1)', [orderId]);",
    "  await pool.query('INSERT INTO payments (invoice_id) VALUES ($1)', [1]);",
    '  return rows;',
    '}',
  ].join('\n') + '\n',
};

describe('the quick start: schema-guard init, then schema-guard check', () => {
  it('gives a useful first report on a new project in two commands', async () => {
    const project = writeRepo(PROJECT);
    const init = await run('schema-guard init', project);
    expect(init.stderr).toBe('');
    expect(init.exitCode).toBe(0);
    expect(init.stdout).toContain('Wrote ownership-map.yaml: 2 domains (billing, orders), 3 families holding 4 tables from 3 files that create them.');

    const map = loadOwnershipMap(path.join(project, 'ownership-map.yaml')).map;
    expect(Object.entries(map.domains).map(([id, domain]) => `${id} ${domain.folders.join(' ')}`)).toEqual(['billing src/billing/**', 'orders src/orders/**']);
    expect(map.families.map((family) => `${family.id} → ${family.targetOwner}: ${family.tables.join(', ')}`)).toEqual([
      'billing-tables → billing: invoices, payments',
      'orders-tables → orders: orders',
      'unassigned-tables → billing: auditTrail',
    ]);

    const check = await run('schema-guard check', project);
    expect(check.stderr).toBe('');
    expect(check.exitCode).toBe(0);
    // The one boundary the project crosses: billing reads the orders table.
    expect(check.stdout).toContain('src/billing/invoices.ts');
    expect(check.stdout).toMatch(/4:\d+\s+warning\s+cross-domain-query\s+billing code reads orders/);
    expect(check.stdout).toMatch(/1 finding \(0 errors, 1 warning, 0 notes\)/);
  });

  it('says in the map what to review, next to what it guessed', async () => {
    const project = writeRepo(PROJECT);
    expect((await runCli(['init', '--root', project, '--quiet'])).exitCode).toBe(0);
    const text = readFileSync(path.join(project, 'ownership-map.yaml'), 'utf8');
    expect(text).toContain('# Review it before you rely on it:');
    expect(text).toContain('# Created in migrations; owned by orders: its code writes these tables most.');
    expect(text).toContain('# Also used by billing (1 site): check reports these; add readers where a read is agreed.');
    expect(text).toContain('REVIEW: no code uses these tables yet; billing is only a placeholder owner.');
    // A quoted identifier is written as stored: the map reads upper-case names exactly.
    expect(text).toContain('      - auditTrail\n');
  });

  it('never overwrites a map', async () => {
    const project = writeRepo({ ...PROJECT, 'ownership-map.yaml': '# mine\n' });
    const result = await runCli(['init', '--root', project]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(
      `schema-guard: ${path.join(project, 'ownership-map.yaml')} already exists: init never overwrites a map. Check it with \`schema-guard map validate\`, or write a new one elsewhere with --map.\n`,
    );
    expect(readFileSync(path.join(project, 'ownership-map.yaml'), 'utf8')).toBe('# mine\n');
  });

  it('writes elsewhere with --map, and the missing-map error of check points to init', async () => {
    const project = writeRepo(PROJECT);
    const missing = await run('schema-guard check', project);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('run `schema-guard init` to write a starter map');
    const target = path.join(project, 'config/guard.yaml');
    expect((await runCli(['init', '--root', project, '--map', target, '--quiet'])).exitCode).toBe(2);
    writeFileSync(path.join(project, 'placeholder'), '');
    expect((await runCli(['init', '--root', project, '--map', path.join(project, 'guard.yaml'), '--quiet'])).exitCode).toBe(0);
    expect(loadOwnershipMap(path.join(project, 'guard.yaml')).map.families).toHaveLength(3);
  });

  it('takes a workspace: one domain per package, app or service, not the folder of migrations', async () => {
    const project = writeRepo({
      'package.json': JSON.stringify({ private: true, workspaces: ['packages/*', 'apps/*', 'libs/*'] }),
      'packages/catalog/src/items.ts': "export const list = (db: any) => db.query('SELECT * FROM items');\n",
      'packages/db/migrations/001.sql': 'CREATE TABLE items (id int);\nCREATE TABLE carts (id int);\n',
      'apps/web/src/cart.ts': "export const add = (db: any) => db.query('INSERT INTO carts (id) VALUES (1)');\n",
      'libs/util/index.ts': 'export const x = 1;\n',
    });
    expect((await runCli(['init', '--root', project, '--quiet'])).exitCode).toBe(0);
    const map = loadOwnershipMap(path.join(project, 'ownership-map.yaml')).map;
    expect(Object.keys(map.domains)).toEqual(['web', 'util', 'catalog']);
    expect(map.families.map((family) => `${family.targetOwner}: ${family.tables.join(', ')}`)).toEqual(['catalog: items', 'web: carts']);
  });
});

describe('docs/getting-started.md', () => {
  it('shows the map init really writes for its example project', async () => {
    // The example has no table that code leaves unused.
    const project = writeRepo({ ...PROJECT, 'migrations/003_payments.sql': 'CREATE TABLE payments (id serial PRIMARY KEY, invoice_id int);\n' });
    expect((await runCli(['init', '--root', project, '--quiet'])).exitCode).toBe(0);
    const doc = readFileSync(path.join(REPO_ROOT, 'docs/getting-started.md'), 'utf8');
    const shown = /<!-- init-example:start -->\n```yaml\n([\s\S]*?)```\n<!-- init-example:end -->/.exec(doc)?.[1];
    expect(shown).toBe(readFileSync(path.join(project, 'ownership-map.yaml'), 'utf8'));
  });
});

describe('starter domains', () => {
  it('are the workspace folders when there are any', () => {
    expect(starterDomains(['packages/a/x.ts', 'services/b/y.ts', 'src/c/z.ts'])).toEqual([
      { id: 'a', folder: 'packages/a' },
      { id: 'b', folder: 'services/b' },
    ]);
  });

  it('else the folders of src/, else the top-level folders with code (not tests, scripts or migrations)', () => {
    expect(starterDomains(['src/orders/a.ts', 'src/index.ts', 'scripts/x.ts']).map((d) => d.folder)).toEqual(['src/orders']);
    expect(starterDomains(['orders/a.ts', 'billing/b.ts', 'test/t.ts', 'migrations/1.sql', 'db/2.sql']).map((d) => d.folder)).toEqual(['billing', 'orders']);
  });

  it('tell apart folders of the same name, and make ids of any folder name', () => {
    expect(starterDomains(['packages/api/a.ts', 'services/api/b.ts', 'apps/My_App/c.ts', 'apps/2fa/d.ts']).map((d) => d.id)).toEqual(['d-2fa', 'my-app', 'api', 'services-api']);
  });

  it('cover the whole repository when code sits in no such folder', () => {
    expect(starterDomains(['index.ts', 'migrations/1.sql'])).toEqual([{ id: 'app', folder: '' }]);
    expect(starterDomains(['migrations/1.sql'])).toEqual([]);
  });
});

describe('the starter map of a hostile repository', () => {
  it('matches folder names literally and keeps names from ending a comment or a string', () => {
    const domains = starterDomains(['src/(auth)/login.ts', 'src/[id]/page.ts']);
    const facts = (file: string, name: string, operation: 'create' | 'insert'): FileFacts => ({
      file,
      language: file.endsWith('.sql') ? 'sql' : 'typescript',
      imports: [],
      accesses: [{ table: { name }, operation, statement: 0, line: 1, column: 1 }],
      sqlErrors: [],
      suppressions: [],
      notes: [],
    });
    const plan = planStarterMap(
      domains,
      [facts('db\nversion: 2/1.sql', 'odd\nname', 'create'), facts('src/(auth)/login.ts', 'odd\nname', 'insert')],
      (file) => (file.startsWith('src/(auth)/') ? 'auth' : undefined),
    );
    const text = renderStarterMap(plan);
    const { map } = parseOwnershipMap('ownership-map.yaml', text);
    expect(map.version).toBe(1);
    expect(map.families[0]!.tables).toEqual(['odd\nname']);
    const index = new OwnershipIndex(map);
    expect(index.domainOfFile('src/(auth)/login.ts')).toBe('auth');
    expect(index.domainOfFile('src/[id]/page.ts')).toBe('id');
    expect(index.ownerOfTable({ name: 'odd\nname' })?.domain).toBe('auth');
  });
});
