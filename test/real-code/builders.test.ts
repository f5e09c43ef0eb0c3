import { describe, expect, it } from 'vitest';
import { check } from './helpers.js';

describe('a builder kept in a variable', () => {
  it('joins another family in a later statement: the join belongs to the statement the builder began', async () => {
    const findings = await check({
      'src/a/list.ts': [
        "import knex from 'knex'",
        'const db = knex({})',
        'export async function list(withOwner: boolean) {',
        "  const query = db('ta').select('ta.id');",
        "  if (withOwner) query.leftJoin('tb', 'tb.id', 'ta.tb_id');",
        '  return query;',
        '}',
      ].join('\n'),
    });
    expect(findings).toEqual(['cross-domain-query src/a/list.ts:5:34 tb', 'cross-family-join src/a/list.ts:5:34 tb']);
  });

  it('stays one statement per builder: two builders in two variables do not join', async () => {
    const findings = await check({
      'src/a/two.ts': [
        "import knex from 'knex'",
        'const db = knex({})',
        'export async function two() {',
        "  const own = db('ta').select('id');",
        "  const other = db('tb').select('id');",
        '  return [await own, await other];',
        '}',
      ].join('\n'),
    });
    expect(findings).toEqual(['cross-domain-query src/a/two.ts:5:21 tb']);
  });

  it("reads Knex's updateFrom as a table the update reads", async () => {
    const findings = await check({
      'src/a/update.ts': "import knex from 'knex'\nconst db = knex({})\nexport const u = () => db('ta').update({ x: 1 }).updateFrom('tb')\n",
    });
    expect(findings).toEqual(['cross-domain-query src/a/update.ts:3:62 tb', 'cross-family-join src/a/update.ts:3:62 tb']);
  });

  it('takes a client out of a destructured context object', async () => {
    const findings = await check({
      'src/ctx.ts': "import type { Kysely } from 'kysely'\nexport interface AppContext { db: Kysely<any> }\nexport async function getContext(): Promise<AppContext> { return undefined as never }\n",
      'src/a/route.ts': "import { getContext } from '../ctx.js'\nexport async function GET() { const { db } = await getContext(); return db.deleteFrom('tb').execute() }\n",
    });
    expect(findings).toEqual(['cross-domain-query src/a/route.ts:2:88 tb']);
  });
});

describe('holes inside a function body', () => {
  it('reads a PL/pgSQL body whose schema is a hole, as the rest of the statement is read', async () => {
    const findings = await check({
      'src/a/fn.ts': [
        'export const fn = (schema: string) => `',
        '  CREATE FUNCTION ${schema}.run() RETURNS void LANGUAGE plpgsql AS $$',
        '  BEGIN',
        '    INSERT INTO ${schema}.tb (id) SELECT id FROM ${schema}.ta;',
        '  END $$`',
      ].join('\n'),
    });
    expect(findings).toEqual(['cross-domain-query src/a/fn.ts:4:17 tb', 'cross-family-join src/a/fn.ts:4:50 ta']);
  });
});
