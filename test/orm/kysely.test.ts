import { describe, expect, it } from 'vitest';
import { accessesOf, statementsOf } from './helpers.js';

/** A repository with a shared Kysely instance; `code` goes into app.ts, which imports it as `db`. */
function repo(code: string): Record<string, string> {
  return {
    'db.ts': `import { Kysely, PostgresDialect } from 'kysely';\nexport const db = new Kysely<any>({ dialect: new PostgresDialect({} as any) });\n`,
    'app.ts': `import { db } from './db';\n${code}\n`,
  };
}

const accesses = (code: string) => accessesOf(repo(code), 'app.ts');

describe('kysely: reads and writes', () => {
  const cases: Array<[string, string, string[]]> = [
    ['selectFrom', `db.selectFrom('nodes').selectAll().execute();`, ['kysely read nodes 2:16']],
    ['insertInto', `db.insertInto('nodes').values({}).execute();`, ['kysely insert nodes 2:16']],
    ['updateTable', `db.updateTable('nodes').set({ state: 'up' }).execute();`, ['kysely update nodes 2:17']],
    ['deleteFrom … using', `db.deleteFrom('nodes').using('allocations').execute();`, ['kysely delete nodes 2:16', 'kysely read allocations 2:31']],
    ['onConflict keeps an insert', `db.insertInto('nodes').values({}).onConflict((oc) => oc.column('id').doUpdateSet({})).execute();`, ['kysely insert nodes 2:16']],
    ['mergeInto takes the WHEN actions, as MERGE in SQL', `db.mergeInto('nodes as t').using('staged_nodes as s', 's.id', 't.id').whenMatched().thenUpdateSet({}).whenNotMatched().thenInsertValues({}).execute();`, [
      'kysely merge nodes 2:15',
      'kysely update nodes 2:15',
      'kysely insert nodes 2:15',
      'kysely read staged_nodes 2:35',
    ]],
    ['schema-qualified names and aliases', `db.selectFrom('billing.invoices as i').innerJoin('billing.invoice_lines as l', 'l.invoice_id', 'i.id').selectAll().execute();`, [
      'kysely read billing.invoices 2:16',
      'kysely read billing.invoice_lines 2:51',
    ]],
    ['every join reads', `db.selectFrom('a').leftJoin('b', 'b.id', 'a.id').rightJoin('c', 'c.id', 'a.id').fullJoin('d', 'd.id', 'a.id').crossJoin('e').selectAll();`, [
      'kysely read a 2:16',
      'kysely read b 2:30',
      'kysely read c 2:61',
      'kysely read d 2:91',
      'kysely read e 2:122',
    ]],
    ['several tables in one selectFrom', `db.selectFrom(['nodes', 'allocations']).selectAll();`, ['kysely read nodes 2:17', 'kysely read allocations 2:26']],
    ['withSchema qualifies the tables', `db.withSchema('billing').selectFrom('invoices').selectAll();`, ['kysely read billing.invoices 2:38']],
    ['a with() name is a CTE, not a table', `db.with('recent', (qb) => qb.selectFrom('orders').selectAll()).selectFrom('recent').selectAll();`, ['kysely read orders 2:42']],
    ['schema.createTable, alterTable, dropTable', `db.schema.createTable('a').execute(); db.schema.withSchema('s').alterTable('b').execute(); db.schema.dropTable('c').execute();`, [
      'kysely create a 2:24',
      'kysely alter s.b 2:77',
      'kysely drop c 2:113',
    ]],
  ];
  it.each(cases)('%s', async (_name, code, expected) => {
    expect(await accesses(code)).toEqual(expected);
  });

  it('attributes the sql tag imported from kysely to Kysely', async () => {
    const files = { 'a.ts': `import { sql } from 'kysely';\nexport const q = sql\`SELECT id FROM nodes\`;\n` };
    expect(await accessesOf(files, 'a.ts')).toEqual(['kysely read nodes 2:37']);
  });
});

describe('kysely: statements and callbacks', () => {
  it('puts subqueries built in callbacks into the statement of their query', async () => {
    const code = `db.selectFrom('nodes').select((eb) => [eb.selectFrom('allocations').select('id').as('a')]).where((eb) => eb.exists(eb.selectFrom('tasks').selectAll())).execute();`;
    expect(await statementsOf(repo(code), 'app.ts')).toEqual([['read nodes', 'read allocations', 'read tasks']]);
  });

  it('gives each query of a transaction its own statement, through trx', async () => {
    const code = `db.transaction().execute(async (trx) => {\n  await trx.insertInto('a').values({}).execute();\n  await trx.deleteFrom('b').execute();\n});`;
    expect(await statementsOf(repo(code), 'app.ts')).toEqual([['insert a'], ['delete b']]);
  });

  it('reads Transaction<DB> and Kysely<DB> typed parameters', async () => {
    const files = { 'a.ts': `import type { Kysely, Transaction } from 'kysely';\nexport async function f(trx: Transaction<any>, db: Kysely<any>) { await trx.deleteFrom('a').execute(); await db.selectFrom('b').selectAll().execute(); }\n` };
    expect(await accessesOf(files, 'a.ts')).toEqual(['kysely delete a 2:89', 'kysely read b 2:125']);
  });
});

describe('kysely: unresolved and quiet', () => {
  it('counts a table name passed in as unresolved', async () => {
    expect(await accesses(`export const count = (table: string) => db.selectFrom(table).select('id').execute();`)).toEqual(['kysely read ?table 2:55']);
  });

  it('stays quiet on selectFrom of something that is not Kysely', async () => {
    const code = `const fake = { selectFrom: (t: string) => t, deleteFrom: (t: string) => t };\nfake.selectFrom('nodes'); fake.deleteFrom('nodes');`;
    expect(await accesses(code)).toEqual([]);
  });
});
