import { beforeAll, describe, expect, it } from 'vitest';
import type { SqlAnalysis } from '../../src/facts/types.js';
import { createSqlAnalyzer, type SqlAnalyzer } from '../../src/sql/index.js';

let libpg: SqlAnalyzer;
let pgAst: SqlAnalyzer;
beforeAll(async () => {
  [libpg, pgAst] = await Promise.all([createSqlAnalyzer('libpg-query'), createSqlAnalyzer('pgsql-ast-parser')]);
});

/** Sorted `schema|name|operation|offset` facts. */
const facts = (analysis: SqlAnalysis): string[] =>
  analysis.statements
    .flatMap((s) => s.accesses.map((a) => `${a.table.schema ?? ''}|${a.table.name}|${a.operation}|${a.offset}`))
    .sort();

const CORPUS = [
  'select * from users',
  'select id, name from public.users where id = 1',
  'select u.id from users u join orders o on o.user_id = u.id',
  'select * from users u left join orders o on o.user_id = u.id inner join items i on i.order_id = o.id',
  'select * from a, b where a.id = b.id',
  'select * from users where id in (select user_id from orders)',
  'select (select count(*) from orders o where o.user_id = u.id) as n from users u',
  'select * from users where exists (select 1 from bans where bans.user_id = users.id)',
  'select * from (select * from events where kind = 1) e join sessions s on s.id = e.session_id',
  'with recent as (select * from orders where created_at > now()) select * from recent join users on true',
  'with a as (select * from t1), b as (select * from a join t2 on true) select * from b',
  'with recursive tree(id) as (select id from nodes union all select n.id from nodes n join tree on n.parent = tree.id) select * from tree',
  'select id from users union select user_id from orders',
  'select id from users union all select id from admins order by id limit 10',
  'select * from "Accounts"."UserProfiles" p',
  'select * from "weird;name" where "Col" = \'x\'',
  // Offsets after non-ASCII text: bytes for libpg-query, UTF-16 units for pgsql-ast-parser.
  `select 'é😀', * from "café"."entrées" e where e.nom = 'crème'`,
  'select * from generate_series(1, 10) g join numbers n on n.v = g',
  'select * from users where id = $1 and name = $2',
  'select * from users for update skip locked',
  'insert into users (name) values ($1) returning id',
  'insert into audit.logs (msg) select msg from staging_logs where ok',
  'insert into counters (k, v) values (\'a\', 1) on conflict (k) do update set v = counters.v + excluded.v',
  'insert into archive select * from users where id in (select user_id from deletions)',
  'update users set name = $1 where id = $2',
  'update billing.invoices set paid = true from payments p where p.invoice_id = invoices.id',
  'update users set score = (select avg(score) from scores where scores.user_id = users.id)',
  'delete from sessions where expires_at < now()',
  'delete from public.tokens where user_id in (select id from users where banned)',
  'with gone as (delete from carts where stale returning id) insert into cart_log select id from gone',
  'truncate table staging',
  'truncate a, b.c',
  'create table users (id serial primary key, name text not null)',
  'create table if not exists app.settings (k text primary key, v jsonb)',
  'create table orders (id int primary key, user_id int references users (id) on delete cascade)',
  'create table items (id int, order_id int, constraint fk_order foreign key (order_id) references sales.orders (id))',
  'create table copies (like originals)',
  'alter table orders add constraint fk_user foreign key (user_id) references users (id)',
  'alter table orders add column note text',
  'alter table "Orders" drop column note',
  'create index orders_user_idx on orders (user_id)',
  'drop table if exists old_orders, archive.old_items',
  'create view active_users as select * from users where active',
  'select 1; select * from t; insert into u values (1)',
];

describe('libpg-query and pgsql-ast-parser agree', () => {
  it.each(CORPUS)('%s', (text) => {
    const a = libpg.analyze(text);
    const b = pgAst.analyze(text);
    expect(a.error).toBeUndefined();
    expect(b.error).toBeUndefined();
    expect(facts(a).length).toBeGreaterThan(0);
    expect(facts(b)).toEqual(facts(a));
    expect(b.statements.map((s) => s.offset)).toEqual(a.statements.map((s) => s.offset));
  });

  it('the corpus is a reasonable size', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(40);
  });
});

describe('constructs only libpg-query parses', () => {
  it.each([
    ['copy users (id, name) from stdin', ['|users|copy|5']],
    ['merge into stock s using deliveries d on s.item = d.item when matched then update set qty = s.qty + d.qty',
      ['|deliveries|read|25', '|stock|merge|11', '|stock|update|11']],
    ['delete from orders o using users u where u.id = o.user_id and u.banned', ['|orders|delete|12', '|users|read|27']],
    ['create policy tenant_isolation on accounts using (tenant_id = current_setting(\'app.tenant\')::int)',
      ['|accounts|alter|34']],
  ])('%s', (text, expected) => {
    expect(libpg.analyze(text).error).toBeUndefined();
    expect(facts(libpg.analyze(text))).toEqual(expected);
    expect(pgAst.analyze(text).error).toBeDefined();
  });
});

describe('pgsql-ast-parser limits', () => {
  it('refuses a statement longer than 20,000 characters', () => {
    const long = `select ${Array.from({ length: 4000 }, (_, i) => `c${i}`).join(', ')} from wide`;
    expect(long.length).toBeGreaterThan(20_000);
    expect(pgAst.analyze(long).error!.message).toMatch(/exceeds the 20000-character limit/);
    expect(facts(libpg.analyze(long))).toEqual([`|wide|read|${long.indexOf('wide')}`]);
  });

  it('still analyses a long file statement by statement', () => {
    const file = Array.from({ length: 200 }, (_, i) =>
      `insert into t${i % 3} (id, name, note) values (${i}, 'a name', 'a rather long note, to make fewer statements');`).join('\n');
    expect(file.length).toBeGreaterThan(20_000);
    const analysis = pgAst.analyze(file);
    expect(analysis.error).toBeUndefined();
    expect(facts(analysis)).toEqual(facts(libpg.analyze(file)));
  });
});
