import { beforeAll, describe, expect, it } from 'vitest';
import { createSqlAnalyzer, type SqlAnalyzer } from '../../src/sql/index.js';

let sql: SqlAnalyzer;
beforeAll(async () => {
  sql = await createSqlAnalyzer('libpg-query');
});

/** `schema.name:operation@offset` per access of statement `index`. */
const facts = (text: string, index = 0): string[] =>
  (sql.analyze(text).statements[index]?.accesses ?? []).map((a) =>
    `${a.table.schema ? `${a.table.schema}.` : ''}${a.table.name}:${a.operation}@${a.offset}`);

/** Offset of the `nth` occurrence of `needle`. */
function at(text: string, needle: string, nth = 1): number {
  let offset = -1;
  for (let i = 0; i < nth; i++) offset = text.indexOf(needle, offset + 1);
  if (offset < 0) throw new Error(`${needle} not found`);
  return offset;
}

describe('PL/pgSQL function bodies', () => {
  const trigger = `-- Audit trail (café)
CREATE OR REPLACE FUNCTION audit_trigger() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $fn$
DECLARE
  actor text := current_setting('app.user', true);
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO audit.platform_audit_logs (op, row_id, actor) VALUES (TG_OP, OLD.id, actor);
    RETURN OLD;
  END IF;
  INSERT INTO platform_audit_logs (op, note, row_id) VALUES (TG_OP, 'é ✓', NEW.id);
  RETURN NEW;
END;
$fn$;
CREATE TRIGGER orders_audit AFTER INSERT OR UPDATE OR DELETE ON orders
  FOR EACH ROW EXECUTE FUNCTION audit_trigger();`;

  it('reports the inserts of a trigger function at their place in the file', () => {
    const analysis = sql.analyze(trigger);
    expect(analysis.error).toBeUndefined();
    expect(analysis.statements.map((s) => s.offset)).toEqual([at(trigger, 'CREATE OR'), at(trigger, 'CREATE TRIGGER')]);
    expect(facts(trigger)).toEqual([
      `audit.platform_audit_logs:insert@${at(trigger, 'audit.platform_audit_logs')}`,
      `platform_audit_logs:insert@${at(trigger, 'INTO platform_audit_logs') + 5}`,
    ]);
    expect(analysis.statements[0]!.accesses.map((a) => a.length)).toEqual([25, 19]);
    expect(facts(trigger, 1)).toEqual([`orders:alter@${at(trigger, 'ON orders') + 3}`]);
  });

  it('locates PERFORM, SELECT … INTO, assignments, conditions, loops and RETURN QUERY', () => {
    const text = `create function f(p int) returns setof int language plpgsql as $$
declare n int := (select count(*) from counted);
begin
  perform  refresh(p) from refreshed;
  select a into n from selected where b = p;
  n := (select max(x) from assigned);
  if exists (select 1 from checked) then
    for n in select id from looped loop
      update updated set x = n;
    end loop;
  end if;
  return query select id from returned;
end $$`;
    expect(facts(text)).toEqual([
      `counted:read@${at(text, 'counted')}`,
      `refreshed:read@${at(text, 'refreshed')}`,
      `selected:read@${at(text, 'selected')}`,
      `assigned:read@${at(text, 'assigned')}`,
      `checked:read@${at(text, 'checked')}`,
      `looped:read@${at(text, 'looped')}`,
      `updated:update@${at(text, 'updated')}`,
      `returned:read@${at(text, 'returned')}`,
    ]);
  });

  it('maps offsets through a single-quoted body with doubled quotes', () => {
    const text = "create function f() returns void language plpgsql as 'begin insert into t values (''x''); update u set a = ''y''; end'";
    expect(facts(text)).toEqual([`t:insert@${at(text, 't values')}`, `u:update@${at(text, 'u set')}`]);
  });

  it('reports a body that does not compile at the body, keeping the statement', () => {
    const text = 'select 1; create procedure p() language plpgsql as $$ begin insert into t values (1) end $$';
    const analysis = sql.analyze(text);
    expect(analysis.statements).toHaveLength(2);
    expect(analysis.error).toMatchObject({ offset: at(text, ' begin') });
    expect(analysis.error!.message).toMatch(/PL\/pgSQL body/);
  });
});

describe('SQL function bodies', () => {
  it('analyses a string body', () => {
    const text = "create function n() returns bigint language sql stable as $$ select count(*) from orders o join items i using (id) $$";
    expect(facts(text)).toEqual([`orders:read@${at(text, 'orders')}`, `items:read@${at(text, 'items')}`]);
  });

  it('analyses a BEGIN ATOMIC body', () => {
    const text = "create function g() returns void language sql begin atomic delete from sessions; insert into log values ('é'); end";
    expect(facts(text)).toEqual([`sessions:delete@${at(text, 'sessions')}`, `log:insert@${at(text, 'log')}`]);
  });
});

describe('DO blocks', () => {
  it('analyses the block as PL/pgSQL', () => {
    const text = "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM flags) THEN DELETE FROM stale WHERE note = '$do$'; END IF; END $$;";
    expect(facts(text)).toEqual([`flags:read@${at(text, 'flags')}`, `stale:delete@${at(text, 'stale')}`]);
  });

  it('accepts an explicit LANGUAGE plpgsql and ignores other languages', () => {
    const text = "do language plpgsql 'begin truncate t; end'";
    expect(facts(text)).toEqual([`t:truncate@${at(text, 't;')}`]);
    expect(facts("do language plv8 'plv8.execute(\"delete from t\")'")).toEqual([]);
  });
});

it('pgsql-ast-parser keeps bodies opaque', async () => {
  const ast = await createSqlAnalyzer('pgsql-ast-parser');
  const analysis = ast.analyze('create function f() returns int language sql as $$ select count(*) from t $$');
  expect(analysis.error).toBeUndefined();
  expect(analysis.statements).toEqual([{ offset: 0, accesses: [] }]);
});
