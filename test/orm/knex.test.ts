import { describe, expect, it } from 'vitest';
import { accessesOf, statementsOf } from './helpers.js';

/** A repository with a shared knex instance; `code` goes into app.ts, which imports it as `db`. */
function repo(code: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'db.ts': `import knex from 'knex';\nexport const db = knex({ client: 'pg' });\n`,
    'app.ts': `import { db } from './db';\n${code}\n`,
    ...extra,
  };
}

const accesses = (code: string, extra?: Record<string, string>) => accessesOf(repo(code, extra), 'app.ts');

describe('knex: reads and writes', () => {
  const cases: Array<[string, string, string[]]> = [
    ['db(table) reads, at the name inside the quotes', `db('nodes').where({ id: 1 });`, ['knex read nodes 2:5']],
    ['an alias is not part of the name', `db('nodes as n').select('n.id');`, ['knex read nodes 2:5']],
    ['select … from', `db.select('id').from('nodes');`, ['knex read nodes 2:23']],
    ['first and pluck read', `db('nodes').first(); db('allocations').pluck('id');`, ['knex read nodes 2:5', 'knex read allocations 2:26']],
    ['db.table(…)', `db.table('nodes').count();`, ['knex read nodes 2:11']],
    ['insert', `db('nodes').insert({ id: 1 });`, ['knex insert nodes 2:5']],
    ['insert … into', `db.insert({ id: 1 }).into('nodes');`, ['knex insert nodes 2:28']],
    ['onConflict().merge() stays an insert, as ON CONFLICT DO UPDATE does', `db('nodes').insert({}).onConflict('id').merge();`, ['knex insert nodes 2:5']],
    ['upsert is an insert', `db('nodes').upsert({});`, ['knex insert nodes 2:5']],
    ['update', `db('nodes').where({ id: 1 }).update({ state: 'up' });`, ['knex update nodes 2:5']],
    ['del and delete', `db('nodes').del(); db('allocations').delete();`, ['knex delete nodes 2:5', 'knex delete allocations 2:24']],
    ['truncate', `db('nodes').truncate();`, ['knex truncate nodes 2:5']],
    ['joins read the joined table', `db('nodes').leftJoin('allocations', 'allocations.node_id', 'nodes.id').innerJoin('users as u', 'u.id', 'allocations.user_id');`, [
      'knex read nodes 2:5',
      'knex read allocations 2:23',
      'knex read users 2:83',
    ]],
    ['the written table of an update with a join is the main one', `db('nodes').join('allocations', 'a', 'b').update({});`, ['knex update nodes 2:5', 'knex read allocations 2:19']],
    ['a schema-qualified name', `db('billing.invoices').insert({});`, ['knex insert billing.invoices 2:5']],
    ['withSchema qualifies the main table', `db.withSchema('billing').from('invoices').del();`, ['knex delete billing.invoices 2:32']],
    ['{ alias: table } objects', `db({ n: 'nodes' }).select('n.id');`, ['knex read nodes 2:10']],
    ['a const string, at the argument', `const TABLE = 'nodes';\ndb(TABLE).del();`, ['knex delete nodes 3:4']],
    ['a property of a const object', `const TABLES = { nodes: 'nodes' } as const;\ndb(TABLES.nodes).select();`, ['knex read nodes 3:4']],
    ['a with() name is a CTE, not a table', `db.with('recent', (qb) => qb.select('id').from('orders')).select('*').from('recent');`, ['knex read orders 2:49']],
  ];
  it.each(cases)('%s', async (_name, code, expected) => {
    expect(await accesses(code)).toEqual(expected);
  });
});

describe('knex: schema builder and raw SQL', () => {
  it('reads createTable, alterTable, table, renameTable, dropTable and withSchema, one statement each', async () => {
    const code = [
      `async function up() {`,
      `  await db.schema.createTable('gpuaas_node_health_checks', (t) => { t.uuid('id'); }).createTableIfNotExists('b', () => {});`,
      `  await db.schema.withSchema('billing').alterTable('c', () => {});`,
      `  await db.schema.table('d', () => {}).renameTable('e', 'e2');`,
      `  await db.schema.dropTable('f').dropTableIfExists('g');`,
      `}`,
    ].join('\n');
    expect(await accesses(code)).toEqual([
      'knex create gpuaas_node_health_checks 3:32',
      'knex create b 3:110',
      'knex alter billing.c 4:53',
      'knex alter d 5:26',
      'knex alter e 5:53',
      'knex drop f 6:30',
      'knex drop g 6:53',
    ]);
    expect((await statementsOf(repo(code), 'app.ts')).length).toBe(7);
  });

  it('attributes knex.raw SQL to knex', async () => {
    expect(await accesses(`db.raw('SELECT id FROM nodes WHERE id = ?', [1]);`)).toEqual(['knex read nodes 2:24']);
  });

  it('leaves SQL sent through other clients to raw SQL', async () => {
    expect(await accesses(`declare const pool: { query(sql: string): void };\npool.query('SELECT id FROM nodes');`)).toEqual(['sql read nodes 3:28']);
  });
});

describe('knex: statements, subqueries and transactions', () => {
  it('keeps a join and a subquery in the statement of their query', async () => {
    const code = `db('a').join('b', 'b.id', 'a.b_id').whereIn('id', db('c').select('id')).del();\ndb('d').whereExists(function () { this.select('*').from('e'); });`;
    expect(await statementsOf(repo(code), 'app.ts')).toEqual([
      ['delete a', 'read b', 'read c'],
      ['read d', 'read e'],
    ]);
  });

  it('gives each query in a transaction callback its own statement, through the trx parameter', async () => {
    const code = `db.transaction(async (trx) => {\n  await trx('a').insert({});\n  await trx('b').insert({});\n});`;
    expect(await statementsOf(repo(code), 'app.ts')).toEqual([['insert a'], ['insert b']]);
  });

  it('follows a transaction started without a callback', async () => {
    expect(await accesses(`async function f() {\n  const trx = await db.transaction();\n  await trx('nodes').del();\n}`)).toEqual(['knex delete nodes 4:14']);
  });
});

describe('knex: where the instance comes from', () => {
  it('follows imports and re-exports across packages of the workspace', async () => {
    const files = {
      'package.json': '{ "name": "root" }',
      'packages/db/package.json': '{ "name": "@acme/db", "main": "index.ts" }',
      'packages/db/index.ts': `export { db as knexDb } from './src/client';\n`,
      'packages/db/src/client.ts': `import Knex from 'knex';\nexport const db = Knex({ client: 'pg' });\n`,
      'packages/app/src/a.ts': `import { knexDb } from '@acme/db';\nknexDb('nodes').del();\n`,
    };
    expect(await accessesOf(files, 'packages/app/src/a.ts')).toEqual(['knex delete nodes 2:9']);
  });

  it('reads require("knex")(config), typed parameters and class members', async () => {
    const files = {
      'a.ts': [
        `const db = require('knex')({ client: 'pg' });`,
        `db('a').del();`,
        `import type { Knex } from 'knex';`,
        `export async function f(trx: Knex.Transaction, k: Knex) { await trx('b').del(); await k('c').del(); }`,
        `export class Repo {`,
        `  constructor(private readonly conn: Knex) {}`,
        `  list() { return this.conn('d').select(); }`,
        `}`,
      ].join('\n'),
    };
    expect(await accessesOf(files, 'a.ts')).toEqual(['knex delete a 2:5', 'knex delete b 4:70', 'knex delete c 4:90', 'knex read d 7:30']);
  });

  it('takes an identifier named knex that nothing else explains for an instance', async () => {
    expect(await accessesOf({ 'a.ts': `export function f(knex) { return knex('nodes').select(); }\n` }, 'a.ts')).toEqual(['knex read nodes 1:40']);
  });
});

describe('knex: unresolved names', () => {
  it('counts a computed table name as unresolved, named as written', async () => {
    expect(await accesses(`export function f(kind: string, table: string) {\n  db(\`node_\${kind}\`).del();\n  db(table).select();\n}`)).toEqual([
      'knex delete ?`node_${kind}` 3:6',
      'knex read ?table 4:6',
    ]);
  });
});

describe('knex: not a query builder', () => {
  const quiet: Array<[string, string]> = [
    ['a Map', `const pending = new Map<string, number>();\npending.delete('nodes');`],
    ['a function named like an instance', `function table(name: string) { return name; }\ntable('nodes');`],
    ['a lodash update', `import { update } from 'lodash';\nupdate({}, 'nodes', () => 1);`],
    ['a React state setter', `declare function useState<T>(v: T): [T, (v: T) => void];\nconst [rows, update] = useState<string[]>([]);\nupdate(['nodes']);`],
    ['an array', `['nodes'].find((name) => name === 'nodes');`],
    ['an object with insert and update methods', `const store = { insert(x: string) { return x; }, update(x: string) { return x; } };\nstore.insert('nodes'); store.update('nodes');`],
  ];
  it.each(quiet)('%s', async (_name, code) => {
    expect(await accesses(code)).toEqual([]);
  });
});
