import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check.js';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeRepo } from '../helpers.js';
import { abMap, check } from './helpers.js';

const DB = [
  "import { Kysely } from 'kysely'",
  'export type DB = Kysely<{ ta: { id: number }; tb: { id: number } }>',
  'export class Database { constructor(public db: DB) {} }',
].join('\n');

/** The findings of a repository, with how each table access was recognised. */
async function evidence(files: Record<string, string>): Promise<string[]> {
  const root = writeRepo(files);
  writeFileSync(path.join(root, 'ownership-map.yaml'), abMap());
  const result = await runCheck({ root, mapFile: path.join(root, 'ownership-map.yaml') });
  return result.findings.map((finding) => `${finding.ruleId} ${finding.file}:${finding.line} ${finding.table} ${finding.operation} ${finding.resolvedBy}`);
}

describe('the query client, however the code reaches it', () => {
  it("reports the issue's two cases: a wrapper class's member and a type alias, across files", async () => {
    expect(
      await evidence({
        'src/db.ts': DB,
        'src/a/wrapper.ts': "import type { Database } from '../db.js'\nexport const viaWrapper = (d: Database) => d.db.selectFrom('tb').selectAll().execute()\n",
        'src/a/alias.ts': "import type { DB } from '../db.js'\nexport const viaAlias = (db: DB) => db.deleteFrom('tb').execute()\n",
      }),
    ).toEqual(['cross-domain-query src/a/alias.ts:2 tb delete type', 'cross-domain-query src/a/wrapper.ts:2 tb read type']);
  });

  it('follows a member inherited from a base class in another file, a getter, an interface and a function that returns the client', async () => {
    expect(
      await evidence({
        'src/db.ts': DB,
        'src/base.ts': "import { Kysely } from 'kysely'\nimport type { DB } from './db.js'\nexport abstract class BaseRepository { protected db: DB; constructor(db: DB) { this.db = db } }\n",
        'src/ctx.ts': "import type { DB } from './db.js'\nexport interface Ctx { db: DB }\nexport function getDb(): DB { return undefined as never }\n",
        'src/a/repo.ts': "import { BaseRepository } from '../base.js'\nexport class Repo extends BaseRepository { all() { return this.db.selectFrom('tb').selectAll().execute() } }\n",
        'src/a/getter.ts': "import type { DB } from '../db.js'\nexport class G { constructor(private readonly inner: DB) {} get db() { return this.inner } run() { return this.db.updateTable('tb').set({ id: 1 }).execute() } }\n",
        'src/a/ctx.ts': "import type { Ctx } from '../ctx.js'\nimport { getDb } from '../ctx.js'\nexport const a = (ctx: Ctx) => ctx.db.insertInto('tb').values({ id: 1 }).execute()\nexport const b = () => getDb().selectFrom('tb').selectAll().execute()\n",
      }),
    ).toEqual([
      'cross-domain-query src/a/ctx.ts:3 tb insert type',
      'cross-domain-query src/a/ctx.ts:4 tb read type',
      'cross-domain-query src/a/getter.ts:2 tb update type',
      'cross-domain-query src/a/repo.ts:2 tb read type',
    ]);
  });

  it('reads a unions of Knex types, renamed and namespace imports, and a transaction callback', async () => {
    expect(
      await evidence({
        'src/knex.ts': "import type { Knex } from 'knex'\nexport type Db = Knex | Knex.Transaction\n",
        'src/a/k.ts': "import type { Db } from '../knex.js'\nexport const k = (db: Db) => db('tb').where({ id: 1 }).del()\n",
        'src/a/renamed.ts': "import { Kysely as K } from 'kysely'\nexport const r = (db: K<any>) => db.selectFrom('tb').selectAll().execute()\n",
        'src/a/ns.ts': "import * as k from 'kysely'\nexport const n = (db: k.Kysely<any>) => db.transaction().execute(async (trx) => trx.deleteFrom('tb').execute())\n",
      }),
    ).toEqual(['cross-domain-query src/a/k.ts:2 tb delete type', 'cross-domain-query src/a/ns.ts:2 tb delete type', 'cross-domain-query src/a/renamed.ts:2 tb read type']);
  });

  it('still reports a Kysely call on a receiver nothing explains, by its shape, with that evidence', async () => {
    expect(await evidence({ 'src/a/shape.ts': "export const s = (repos: any) => repos.db.selectFrom('tb').selectAll().execute()\n" })).toEqual([
      'cross-domain-query src/a/shape.ts:1 tb read shape',
    ]);
  });

  it('stays quiet for a method named like a query on something that is no client', async () => {
    expect(await check({ 'src/a/other.ts': "export const list = new Map<string, string>()\nexport const x = (items: string[]) => items.filter((i) => i === 'tb')\n" })).toEqual([]);
  });
});

describe("Kysely's CamelCasePlugin", () => {
  it('maps the names the code writes to the snake_case names of the database', async () => {
    const map = abMap({ bTables: ['fitness_plans'] });
    const findings = await check(
      {
        'src/db.ts': "import { Kysely, CamelCasePlugin } from 'kysely'\nexport const db = new Kysely<any>({ dialect: undefined as never, plugins: [new CamelCasePlugin()] })\n",
        'src/a/plans.ts': "import { db } from '../db.js'\nexport const p = () => db.selectFrom('fitnessPlans').selectAll().execute()\n",
      },
      map,
    );
    expect(findings).toEqual(['cross-domain-query src/a/plans.ts:2:39 fitness_plans']);
  });
});

describe('a client made by a generic wrapper', () => {
  it('reads a type parameter as its constraint: withReplicas<Q extends PgDatabase>(primary: Q): Q & {…}', async () => {
    const findings = await evidence({
      'src/replicas.ts': [
        "import type { PgDatabase } from 'drizzle-orm/pg-core'",
        'export type Replicated<Q extends PgDatabase<any, any, any>> = Q & { usePrimaryOnly: () => Replicated<Q> }',
        'export const withReplicas = <Q extends PgDatabase<any, any, any>>(primary: Q, replicas: Q[]): Replicated<Q> => primary as never',
      ].join('\n'),
      'src/db.ts': [
        "import { drizzle } from 'drizzle-orm/node-postgres'",
        "import { withReplicas } from './replicas.js'",
        'const primary = drizzle({} as never)',
        'export const db = withReplicas(primary, [primary])',
        'export const connectDb = async () => db',
        'export type Database = Awaited<ReturnType<typeof connectDb>>',
      ].join('\n'),
      'src/schema.ts': "import { pgTable, integer } from 'drizzle-orm/pg-core'\nexport const tb = pgTable('tb', { id: integer('id') })\n",
      'src/a/q.ts': "import type { Database } from '../db.js'\nimport { tb } from '../schema.js'\nexport const q = (db: Database) => db.delete(tb)\n",
    });
    // Known by the receiver's type, not only by the Drizzle table it is given.
    expect(findings).toEqual(['cross-domain-query src/a/q.ts:3 tb delete type']);
  });
});
