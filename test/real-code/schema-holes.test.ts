import { describe, expect, it } from 'vitest';
import { abMap, check } from './helpers.js';

describe('a schema chosen at run time', () => {
  it('judges `${schema}.tb` by its name when the map lists that name once', async () => {
    const findings = await check({
      'src/a/jobs.ts': "export const jobs = (pool: any, schema: string) => pool.query(`DELETE FROM ${schema}.tb WHERE id = $1`, [1]);\n",
    });
    expect(findings).toEqual(['cross-domain-query src/a/jobs.ts:1:76 tb']);
  });

  it('stays quiet for the owner, and for a name the map lists in no family', async () => {
    const findings = await check({
      'src/b/jobs.ts': 'export const own = (pool: any, schema: string) => pool.query(`SELECT * FROM ${schema}.tb`);\n',
    });
    expect(findings).toEqual([]);
  });

  it('counts a name the map lists in two schemas as unresolved instead of guessing', async () => {
    const map = abMap({ bTables: ['other.tb'] });
    const findings = await check({ 'src/a/jobs.ts': 'export const jobs = (pool: any, s: string) => pool.query(`SELECT * FROM ${s}.tb`);\n' }, map);
    expect(findings).toEqual([]);
  });

  it('parses DDL whose identifiers are holes, and a psql `:SCHEMA` migration', async () => {
    const findings = await check({
      'src/a/setup.ts': 'export const setup = (pool: any, s: string) => pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);\n',
      'src/a/001.sql': '\\set ON_ERROR_STOP on\nALTER TABLE :SCHEMA.tb ADD COLUMN x int;\n',
    });
    expect(findings).toEqual(['cross-domain-query src/a/001.sql:2:13 tb']);
  });
});

describe('a function body is not one big join', () => {
  const map = abMap({ extra: '' });
  it('judges each statement of a PL/pgSQL body on its own for cross-family-join', async () => {
    const body = [
      'CREATE FUNCTION sync() RETURNS void LANGUAGE plpgsql AS $$',
      'BEGIN',
      '  UPDATE ta SET x = 1;',
      '  DELETE FROM tb;',
      'END $$;',
    ].join('\n');
    // Two statements: b's table is written (cross-domain-query), but nothing joins a's table with it.
    expect(await check({ 'src/a/001.sql': body }, map)).toEqual(['cross-domain-query src/a/001.sql:4:15 tb']);
  });

  it('still reports a join inside one statement of a body', async () => {
    const body = ['CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$', 'BEGIN', '  PERFORM 1 FROM ta JOIN tb USING (id);', 'END $$;'].join('\n');
    expect(await check({ 'src/a/002.sql': body }, map)).toEqual(['cross-domain-query src/a/002.sql:3:26 tb', 'cross-family-join src/a/002.sql:3:26 tb']);
  });
});
