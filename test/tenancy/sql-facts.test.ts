import { beforeAll, describe, expect, it } from 'vitest';
import type { AccessDetails } from '../../src/facts/types.js';
import { createSqlAnalyzer, type SqlAnalyzer } from '../../src/sql/index.js';

let libpg: SqlAnalyzer;
let pgAst: SqlAnalyzer;
beforeAll(async () => {
  [libpg, pgAst] = await Promise.all([createSqlAnalyzer('libpg-query'), createSqlAnalyzer('pgsql-ast-parser')]);
});

/** `table:operation` and the column facts of each access, in order. */
function details(sql: SqlAnalyzer, text: string): Array<[string, AccessDetails]> {
  const analysis = sql.analyze(text);
  expect(analysis.error).toBeUndefined();
  return analysis.statements.flatMap((s) =>
    s.accesses.map(({ table, operation, detail, columns, constrained, selected }): [string, AccessDetails] => [
      `${table.name}:${operation}`,
      JSON.parse(JSON.stringify({ detail, columns, constrained, selected })) as AccessDetails,
    ]));
}

describe('column facts: both parsers agree', () => {
  it.each<[string, Array<[string, AccessDetails]>]>([
    ['create table t (id int, tenant_id text not null references x (id), primary key (id))',
      [['t:create', { columns: ['id', 'tenant_id'] }], ['x:reference', {}]]],
    ['create table t (like s)', [['t:create', {}], ['s:read', {}]]],
    ['create table t (a int) inherits (p)', [['t:create', {}], ['p:reference', {}]]],
    ['alter table t add column tenant_id text', [['t:alter', { columns: ['tenant_id'] }]]],
    ['select * from t where tenant_id = $1', [['t:read', { constrained: ['tenant_id'], selected: ['*'] }]]],
    ['select a, b.c from t where state = 1 or tenant_id = 2', [['t:read', { constrained: [], selected: ['a'] }]]],
    ['select w.url from t join w on w.tenant_id = t.tenant_id where t.tenant_id = $1',
      [['t:read', { constrained: ['tenant_id'], selected: [] }], ['w:read', { constrained: ['tenant_id'], selected: ['url'] }]]],
    ['select * from a join b using (tenant_id) where a.tenant_id in (1, 2)',
      [['a:read', { constrained: ['tenant_id'], selected: ['*'] }], ['b:read', { constrained: ['tenant_id'], selected: ['*'] }]]],
    ['select x.* from t x where x.tenant_id = any($1) and x.id = x.parent_id',
      [['t:read', { constrained: ['tenant_id'], selected: ['*'] }]]],
    ['select * from t where tenant_id in (select tenant_id from m where user_id = $1)',
      [['t:read', { constrained: ['tenant_id'], selected: ['*'] }], ['m:read', { constrained: ['user_id'], selected: ['tenant_id'] }]]],
    ['select * from t where tenant_id = other_id + 1', [['t:read', { constrained: [], selected: ['*'] }]]],
    ['update t set a = 1 where tenant_id = $1 returning secret', [['t:update', { constrained: ['tenant_id'], selected: ['secret'] }]]],
    ['delete from t x where x.id = $1 returning x.*', [['t:delete', { constrained: ['id'], selected: ['*'] }]]],
    ['insert into t (a) select a from s where s.tenant_id = $1',
      [['t:insert', {}], ['s:read', { constrained: ['tenant_id'], selected: ['a'] }]]],
  ])('%s', (text, expected) => {
    expect(details(libpg, text)).toEqual(expected);
    expect(details(pgAst, text)).toEqual(expected);
  });
});

describe('column facts only libpg-query finds', () => {
  it.each<[string, Array<[string, AccessDetails]>]>([
    ['alter table t enable row level security', [['t:alter', { detail: 'enable-rls' }]]],
    ['alter table t force row level security', [['t:alter', {}]]],
    ["create policy p on t using (tenant_id = current_setting('app.tenant_id'))", [['t:alter', { detail: 'policy' }]]],
    ['alter policy p on t using (true)', [['t:alter', {}]]],
    ['create table c partition of p for values in (1)', [['c:create', {}]]],
    ['delete from t using u where u.id = t.id and t.tenant_id = $1',
      [['t:delete', { constrained: ['tenant_id'], selected: [] }], ['u:read', { constrained: [], selected: [] }]]],
  ])('%s', (text, expected) => {
    expect(details(libpg, text)).toEqual(expected);
  });

  it('a PL/pgSQL body keeps the facts of the statements inside it', () => {
    const text = `CREATE FUNCTION purge(t text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM jobs WHERE state = 'done';
END $$;`;
    expect(details(libpg, text)).toEqual([['jobs:delete', { constrained: ['state'], selected: [] }]]);
  });

  it('an interpolated table name gets no column facts', () => {
    expect(details(libpg, 'select secret from $1       where tenant_id = $2')).toEqual([['__1_____:read', {}]]);
  });
});
