import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SqlAnalysis } from '../../src/facts/types.js';
import { createSqlAnalyzer, isSyntheticTableName, type SqlAnalyzer } from '../../src/sql/index.js';

let sql: SqlAnalyzer;
beforeAll(async () => {
  sql = await createSqlAnalyzer();
});

/** `schema.name:operation@offset` per access, in statement and offset order. */
function facts(analysis: SqlAnalysis): string[] {
  return analysis.statements.flatMap((s) =>
    s.accesses.map((a) => `${a.table.schema ? `${a.table.schema}.` : ''}${a.table.name}:${a.operation}@${a.offset}`));
}
const ops = (text: string): string[] => facts(sql.analyze(text)).map((f) => f.replace(/@\d+$/, ''));

describe('operations', () => {
  it.each([
    ['select * from a join b on a.id = b.id where exists (select 1 from c)', ['a:read', 'b:read', 'c:read']],
    ['select * from a, lateral (select * from b) x', ['a:read', 'b:read']],
    ['with x as (select * from src) select * from x', ['src:read']],
    ['insert into t (a) select a from s', ['t:insert', 's:read']],
    ['insert into t (a) values (1) on conflict (a) do update set a = excluded.a returning *', ['t:insert']],
    ['update t set a = s.a from s where s.id = t.id', ['t:update', 's:read']],
    ['update t set a = (select max(b) from s)', ['t:update', 's:read']],
    ['delete from t where id in (select id from s)', ['t:delete', 's:read']],
    ['delete from t using s where s.id = t.id', ['t:delete', 's:read']],
    ['truncate a, only b.c restart identity', ['a:truncate', 'b.c:truncate']],
    ['copy t (a, b) from stdin', ['t:copy']],
    ['copy t to stdout', ['t:read']],
    ['copy (select * from t) to stdout', ['t:read']],
    ['create table t (id int primary key)', ['t:create']],
    ['create table if not exists s.t (id int)', ['s.t:create']],
    ['create table t as select * from s', ['t:create', 's:read']],
    ['select * into t from s', ['t:create', 's:read']],
    ['create table t_2024 partition of t for values from (1) to (2)', ['t_2024:create']],
    ['create table t (like s including all)', ['t:create', 's:read']],
    ['alter table t add column c int', ['t:alter']],
    ['alter table t enable row level security', ['t:alter']],
    ['create policy p on t using (owner = current_user)', ['t:alter']],
    ['create policy p on t using (exists (select 1 from m where m.id = t.id))', ['t:alter', 'm:read']],
    ['create trigger tr after insert on t for each row execute function f()', ['t:alter']],
    ['create unique index concurrently i on t (a)', ['t:alter']],
    ['alter table t rename to u', ['t:alter']],
    ['drop policy if exists p on s.t; drop trigger tr on t', ['s.t:alter', 't:alter']],
    ['drop table if exists a, s."B" cascade', ['a:drop', 's.B:drop']],
    ['create table t (id int references u (id), b int, constraint fk foreign key (b) references s.v (id))',
      ['t:create', 'u:reference', 's.v:reference']],
    ['alter table t add constraint fk foreign key (a) references u (id) not valid', ['t:alter', 'u:reference']],
    ['create view v as select * from t', ['v:create', 't:read']],
  ])('%s', (text, expected) => {
    const analysis = sql.analyze(text);
    expect(analysis.error).toBeUndefined();
    expect(ops(text)).toEqual(expected);
  });

  it('MERGE: merge on the target plus one fact per WHEN action; the source is read', () => {
    expect(ops(`merge into t using s on t.id = s.id
      when matched and s.gone then delete
      when matched then update set a = s.a
      when not matched then insert (a) values (s.a)
      when not matched by source then do nothing`)).toEqual(['t:merge', 't:delete', 't:update', 't:insert', 's:read']);
  });

  it('data-modifying CTEs: each statement keeps its own operation', () => {
    expect(ops('with d as (delete from t returning *) insert into archive select * from d'))
      .toEqual(['t:delete', 'archive:insert']);
  });
});

describe('what is not a table', () => {
  it('CTE names, in scope: later CTEs and the body see earlier ones, recursive CTEs see themselves', () => {
    expect(ops('with a as (select 1), b as (select * from a) select * from b join a on true')).toEqual([]);
    expect(ops('with recursive r(n) as (select 1 union all select n + 1 from r) select * from r')).toEqual([]);
    // A CTE only shadows unqualified names, and only inside its statement.
    expect(ops('with x as (select 1) select * from public.x; select * from x')).toEqual(['public.x:read', 'x:read']);
    // A CTE is not visible in an earlier sibling's body.
    expect(ops('with a as (select * from b), b as (select 1) select * from a')).toEqual(['b:read']);
  });

  it('table functions, VALUES, subquery and table aliases', () => {
    expect(ops('select * from generate_series(1, 3) g, (values (1), (2)) v(x), (select 1) s')).toEqual([]);
    expect(ops('select u.* from users as u join lateral unnest(u.tags) t on true')).toEqual(['users:read']);
  });

  it('statements that touch no table data report nothing', () => {
    expect(ops('create sequence s; grant select on t to r; lock table t; set search_path = x; create schema s')).toEqual([]);
    expect(ops('alter index i rename to j; drop index i; drop function f()')).toEqual([]);
  });

  it.each([
    'User ? logged in at 12:00',
    'Failed to update user profile',
    'select from where',
  ])('log-like text does not parse: %s', (text) => {
    const analysis = sql.analyze(text);
    expect(analysis.error).toBeDefined();
    expect(analysis.statements).toEqual([]);
  });
});

describe('names and offsets', () => {
  it('folds unquoted names, keeps quoted ones and the public schema', () => {
    expect(ops('select * from Public.Users, "Audit"."LogS", "mixed"')).toEqual(['public.users:read', 'Audit.LogS:read', 'mixed:read']);
  });

  it('reads a quoted name as PostgreSQL does, spaces and doubled quotes included, with either parser', async () => {
    const text = 'select * from " Audit ". "log""s\n", "orders "';
    const expected = [' Audit .log"s\n:read', 'orders :read'];
    expect(ops(text)).toEqual(expected);
    const pgAst = await createSqlAnalyzer('pgsql-ast-parser');
    expect(facts(pgAst.analyze(text)).map((f) => f.replace(/@\d+$/, ''))).toEqual(expected);
  });

  it('gives the offset and length of the whole qualified reference', () => {
    const text = 'select 1;\n  select * from "Audit" . logs a';
    const [first, second] = sql.analyze(text).statements;
    expect(first!.offset).toBe(0);
    expect(second!.offset).toBe(text.indexOf('select *'));
    expect(second!.accesses[0]).toMatchObject({ offset: text.indexOf('"Audit"'), length: '"Audit" . logs'.length });
  });

  it('converts libpg-query byte offsets to UTF-16 (é is 2 bytes, 😀 4 bytes and 2 UTF-16 units)', () => {
    const text = "select 'é😀' as x, * from café.commandes; delete from t";
    const analysis = sql.analyze(text);
    expect(facts(analysis)).toEqual([
      `café.commandes:read@${text.indexOf('café.')}`,
      `t:delete@${text.indexOf('from t') + 5}`,
    ]);
    expect(analysis.statements[0]!.accesses[0]!.length).toBe('café.commandes'.length);
    expect(analysis.statements[1]!.offset).toBe(text.indexOf('delete'));
  });

  it('reports a syntax error with its UTF-16 offset', () => {
    for (const text of ["select 'é' from t wher x", "select '😀é' from t wher x"]) {
      expect(sql.analyze(text).error).toEqual({ message: 'syntax error at or near "x"', offset: text.indexOf('x') });
    }
  });
});

describe('placeholders', () => {
  it('knex ? and ?? bindings parse; ?? is a synthetic identifier', () => {
    const text = 'select * from ?? where a = ? and b in (?, ?)';
    const analysis = sql.analyze(text);
    expect(analysis.error).toBeUndefined();
    expect(analysis.statements[0]!.accesses).toEqual([
      { table: { name: '__' }, operation: 'read', offset: 14, length: 2, synthetic: true },
    ]);
  });

  it('an identifier binding right before a keyword stays a synthetic name of its own', () => {
    const text = 'insert into :a:select * from orders';
    expect(sql.analyze(text).statements[0]!.accesses.map((access) => [access.table.name, access.operation, access.synthetic ?? false])).toEqual([
      ['__', 'insert', true],
      ['orders', 'read', false],
    ]);
  });

  it(':name bindings parse, :name: is an identifier, :: casts stay casts', () => {
    const text = 'update accounts set a = :value::int where :column: = :id';
    const analysis = sql.analyze(text);
    expect(analysis.error).toBeUndefined();
    expect(ops(text)).toEqual(['accounts:update']);
  });

  it('the raw text is tried first: the jsonb ? operator is not a binding', () => {
    const text = "select * from docs where body ? 'title' and body ?| array['a']";
    const analysis = sql.analyze(text);
    expect(analysis.error).toBeUndefined();
    expect(ops(text)).toEqual(['docs:read']);
  });

  it('knex bindings next to the jsonb ?| and ?& operators', () => {
    const text = "select * from docs where id = any(?) and tags ?| array['a'] and tags ?& array[?]";
    expect(sql.analyze(text).error).toBeUndefined();
    expect(ops(text)).toEqual(['docs:read']);
  });

  it('$N holes standing for identifiers become synthetic names of the same width', () => {
    // What the TypeScript extractor makes of `select * from ${table} where id = ${id}`.
    const text = 'select * from $1       where id = $2   ';
    const analysis = sql.analyze(text);
    expect(analysis.error).toBeUndefined();
    expect(analysis.statements[0]!.accesses).toEqual([
      { table: { name: '__1_____' }, operation: 'read', offset: 14, length: 8, synthetic: true },
    ]);
  });

  it('$N holes in a qualified name: a hole for the schema leaves the table known (schemaHole), a hole for the name is synthetic', () => {
    const text = 'insert into $1       .users (a) values ($2); delete from app.$3     ';
    expect(sql.analyze(text).statements.map((s) => s.accesses)).toEqual([
      [{ table: { name: 'users' }, operation: 'insert', offset: 12, length: 15, schemaHole: true }],
      [{ table: { schema: 'app', name: '__3___' }, operation: 'delete', offset: 57, length: 10, synthetic: true }],
    ]);
  });

  it('isSyntheticTableName recognises only synthetic names', () => {
    expect(['__', '__1', '__1_', '__12____'].every(isSyntheticTableName)).toBe(true);
    expect(['_', 'users', '_users', '__users', 'a__1', 'a$b'].some(isSyntheticTableName)).toBe(false);
    // A hole glued to a name (`queue_stats_${suffix}`) leaves its `$N` inside the identifier.
    expect(isSyntheticTableName('queue_stats_$2')).toBe(true);
  });
});

describe('error recovery', () => {
  it('keeps the statements that parse and reports one error per failing statement', () => {
    const text = "select * fro t;\ninsert into ok values (';');\ngarbage here;\ndelete from x -- ; no split\n;";
    const analysis = sql.analyze(text);
    expect(ops(text)).toEqual(['ok:insert', 'x:delete']);
    expect(analysis.statements.map((s) => s.offset)).toEqual([text.indexOf('insert'), text.indexOf('delete')]);
    expect(analysis.errors).toEqual([
      { message: 'syntax error at or near "fro"', offset: text.indexOf('fro') },
      { message: 'syntax error at or near "garbage"', offset: text.indexOf('garbage') },
    ]);
    expect(analysis.error).toEqual(analysis.errors![0]);
  });

  it('splits around dollar-quoted bodies and quoted identifiers', () => {
    const text = 'create function f() returns int language sql as $$ select 1; $$; select * from "a;b"; oops;';
    const analysis = sql.analyze(text);
    expect(ops(text)).toEqual(['a;b:read']);
    expect(analysis.errors).toHaveLength(1);
  });
});

it('never throws and keeps every offset inside the text, for both backends', async () => {
  const analyzers = [sql, await createSqlAnalyzer('pgsql-ast-parser')];
  const token = fc.constantFrom(
    'select', 'insert into', 'delete from', 'merge into', 'copy', 'do', 'with x as', 'create function f() returns void language plpgsql as',
    'begin', 'end', ' ', '\n', '*', 't', 'é', '😀', ';', ',', '.', '(', ')', "'", '"', '$$', '$1', '?', '??', ':a', ':a:', '::int', '--', '/*', '*/',
  );
  fc.assert(fc.property(fc.array(token, { maxLength: 25 }), (tokens) => {
    const text = tokens.join('');
    for (const analyzer of analyzers) {
      const analysis = analyzer.analyze(text);
      const offsets = [
        ...analysis.statements.flatMap((s) => [s.offset, ...s.accesses.flatMap((a) => [a.offset, a.offset + a.length])]),
        ...(analysis.errors ?? []).map((e) => e.offset),
      ];
      expect(offsets.every((o) => o >= 0 && o <= text.length)).toBe(true);
    }
  }), { numRuns: 300 });
});

it('caches per distinct text', async () => {
  const text = 'select * from cached_table';
  expect(sql.analyze(text)).toBe(sql.analyze(text));
  expect(await createSqlAnalyzer('libpg-query')).toBe(sql);
});
