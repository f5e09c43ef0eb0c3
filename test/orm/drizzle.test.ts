import { describe, expect, it } from 'vitest';
import { accessesOf, statementsOf } from './helpers.js';

const SCHEMA = [
  `import { pgSchema, pgTable, text } from 'drizzle-orm/pg-core';`,
  `export const users = pgTable('users', { id: text('id') });`,
  `export const nodes = pgTable('nodes', { id: text('id'), userId: text('user_id') });`,
  `export const billing = pgSchema('billing');`,
  `export const invoices = billing.table('invoices', { id: text('id') });`,
].join('\n');

/** A workspace package with the tables, a db with the schema, and app.ts holding `code`. */
function repo(code: string): Record<string, string> {
  return {
    'package.json': '{ "name": "root" }',
    'tsconfig.json': '{ "compilerOptions": { "baseUrl": ".", "paths": { "@schema/*": ["packages/schema/src/*"] } } }',
    'packages/schema/package.json': '{ "name": "@acme/schema", "main": "index.ts" }',
    'packages/schema/index.ts': `export * from './src/tables';\nexport { users as accounts } from './src/tables';\n`,
    'packages/schema/src/tables.ts': SCHEMA + '\n',
    'app/db.ts': `import { drizzle } from 'drizzle-orm/node-postgres';\nimport * as schema from '@acme/schema';\nexport const db = drizzle(process.env.URL!, { schema });\n`,
    'app/app.ts': `import { db } from './db';\nimport { users, nodes, invoices } from '@acme/schema';\nimport { eq } from 'drizzle-orm';\n${code}\n`,
  };
}

const accesses = (code: string) => accessesOf(repo(code), 'app/app.ts');

describe('drizzle: reads and writes of table objects from another package', () => {
  const cases: Array<[string, string, string[]]> = [
    ['select … from', `db.select().from(users);`, ['drizzle read users 4:18']],
    ['insert', `db.insert(users).values({ id: '1' });`, ['drizzle insert users 4:11']],
    ['update', `db.update(users).set({ id: '2' });`, ['drizzle update users 4:11']],
    ['delete', `db.delete(users).where(eq(users.id, '1'));`, ['drizzle delete users 4:11']],
    ['joins read', `db.select().from(users).leftJoin(nodes, eq(nodes.userId, users.id)).innerJoin(invoices, eq(invoices.id, users.id));`, [
      'drizzle read users 4:18',
      'drizzle read nodes 4:34',
      'drizzle read billing.invoices 4:79',
    ]],
    ['pgSchema(…).table(…) is schema-qualified', `db.insert(invoices).values({ id: '1' });`, ['drizzle insert billing.invoices 4:11']],
    ['$count', `db.$count(nodes);`, ['drizzle read nodes 4:11']],
    ['onConflictDoUpdate stays an insert', `db.insert(users).values({ id: '1' }).onConflictDoUpdate({ target: users.id, set: { id: '1' } });`, ['drizzle insert users 4:11']],
    ['the relational API names tables as the schema exports them', `db.query.users.findMany(); db.query.accounts.findFirst();`, [
      'drizzle read users 4:10',
      'drizzle read users 4:37',
    ]],
    ['a relational name the schema does not export is unresolved', `db.query.ghosts.findMany();`, ['drizzle read ?ghosts 4:10']],
    ['raw SQL through drizzle-orm\'s sql tag', `import { sql } from 'drizzle-orm';\ndb.execute(sql\`DELETE FROM nodes\`);`, ['drizzle delete nodes 5:28']],
    ['a subquery is not a table', `const sq = db.select().from(users).as('sq');\ndb.select().from(sq);`, ['drizzle read users 4:29']],
  ];
  it.each(cases)('%s', async (_name, code, expected) => {
    expect(await accesses(code)).toEqual(expected);
  });

  it('keeps a join in the statement of its query, and a transaction\'s queries apart', async () => {
    const code = `db.select().from(users).innerJoin(nodes, eq(nodes.userId, users.id));\ndb.transaction(async (tx) => {\n  await tx.insert(users).values({ id: '1' });\n  await tx.delete(nodes);\n});`;
    expect(await statementsOf(repo(code), 'app/app.ts')).toEqual([['read users', 'read nodes'], ['insert users'], ['delete nodes']]);
  });
});

describe('drizzle: where table objects come from', () => {
  it('reads tables declared in the same file, pgSchema objects from another file, and alias()', async () => {
    const files = {
      'schemas.ts': `import { pgSchema } from 'drizzle-orm/pg-core';\nexport const audit = pgSchema('audit');\n`,
      'a.ts': [
        `import { drizzle } from 'drizzle-orm/postgres-js';`,
        `import { alias, pgTable, text } from 'drizzle-orm/pg-core';`,
        `import { audit } from './schemas';`,
        `const events = audit.table('events', { id: text('id') });`,
        `const orgs = pgTable('organizations', { id: text('id') });`,
        `const parent = alias(orgs, 'parent');`,
        `const db = drizzle('postgres://');`,
        `db.select().from(orgs).leftJoin(parent, undefined as any);`,
        `db.insert(events).values({ id: '1' });`,
      ].join('\n'),
    };
    expect(await accessesOf(files, 'a.ts')).toEqual(['drizzle read organizations 8:18', 'drizzle read organizations 8:33', 'drizzle insert audit.events 9:11']);
  });

  it('follows namespace imports and tsconfig path aliases', async () => {
    const code = `import * as s from '@acme/schema';\nimport { nodes as n } from '@schema/tables';\ndb.delete(s.invoices); db.update(n).set({});`;
    expect(await accesses(code)).toEqual(['drizzle delete billing.invoices 6:11', 'drizzle update nodes 6:34']);
  });

  it('recognises a db it cannot place by its Drizzle table argument', async () => {
    const code = `export function f(ctx: { db: any }) { return ctx.db.insert(users).values({ id: '1' }); }\nexport class Repo { constructor(private readonly db: any) {}\n  drop() { return this.db.delete(nodes); } }`;
    expect(await accesses(code)).toEqual(['drizzle insert users 4:60', 'drizzle delete nodes 6:34']);
  });

  it('reads a typed NodePgDatabase parameter', async () => {
    const files = {
      'a.ts': `import type { NodePgDatabase } from 'drizzle-orm/node-postgres';\nexport function f(db: NodePgDatabase, table: any) { return db.select().from(table); }\n`,
    };
    expect(await accessesOf(files, 'a.ts')).toEqual(['drizzle read ?table 2:77']);
  });
});

describe('drizzle: not a query builder', () => {
  const quiet: Array<[string, string]> = [
    ['a Map keyed by table objects', `const seen = new Map<unknown, number>();\nseen.delete(users);`],
    ['Array.from', `Array.from([users]);`],
    ['an unknown object without Drizzle tables', `export function f(store: { delete(k: string): void }) { store.delete('users'); }`],
  ];
  it.each(quiet)('%s', async (_name, code) => {
    expect(await accesses(code)).toEqual([]);
  });
});
