/**
 * db check on migrations that fail, hang, break the embedded database, reach for the host or
 * write PostgreSQL's catalog: each is reported with its file and line, and the run goes on.
 */
import { existsSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runDbCheck, type DbCheckOutcome } from '../../src/db/check.js';
import { readMigration } from '../../src/db/migrations.js';
import { writeRepo } from '../helpers.js';
import { brief, DB_TIMEOUT, dbCheckRepo } from './helpers.js';

const MAP = `version: 1
domains:
  accounts:
    name: Accounts
    kind: platform
    folders: [migrations/**]
    prefixes: [acct_]
families:
  - id: accounts
    name: Accounts
    tables: [acct_users]
    currentOwner: accounts team
    targetOwner: accounts
    guardRule: Accounts owns its tables
tenancy:
  mode: row-level
  scoped:
    tables: [acct_users]
`;

describe('db check on migrations that go wrong', () => {
  const host = mkdtempSync(path.join(os.tmpdir(), 'schema-guard-host-'));
  const secret = path.join(host, 'secret.txt');
  const written = path.join(host, 'written.txt');
  writeFileSync(secret, 'host-secret-7f3a\n');
  let outcome: DbCheckOutcome & { root: string };

  beforeAll(async () => {
    outcome = await dbCheckRepo(
      {
        'ownership-map.yaml': MAP,
        'migrations/001_users.sql': [
          'BEGIN;',
          'CREATE TABLE acct_users (id int PRIMARY KEY, tenant_id int NOT NULL);',
          'CREATE TABLE acct_broken (id int,, x int);',
          'CREATE TABLE acct_next (id int);',
          'COMMIT;',
          '',
        ].join('\n'),
        'migrations/002_host.sql': [
          `SELECT pg_read_file('${secret}');`,
          `CREATE TABLE acct_leak (line text);`,
          `COPY acct_leak FROM '${secret}';`,
          `COPY (SELECT 'pwned') TO '${written}';`,
          `SELECT lo_import('${secret}');`,
          'CREATE EXTENSION dblink;',
          'CREATE EXTENSION file_fdw;',
          'CREATE EXTENSION IF NOT EXISTS postgis;',
          `COPY acct_leak FROM PROGRAM 'cat ${secret}';`,
          'COPY acct_leak (line) FROM stdin;',
          '',
        ].join('\n'),
        'migrations/003_catalog.sql': [
          "UPDATE pg_catalog.pg_class SET relrowsecurity = true WHERE relname = 'acct_users';",
          "DO $$ BEGIN EXECUTE 'DELETE FROM pg_policy'; END $$;",
          "CREATE TABLE acct_notes (id int /* we never update pg_class here */, body text DEFAULT 'insert into pg_class');",
          '',
        ].join('\n'),
        'migrations/004_slow.sql': ['SELECT pg_sleep(600);', 'CREATE TABLE acct_after_sleep (id int);', ''].join('\n'),
        'migrations/005_extension.sql': ['CREATE EXTENSION IF NOT EXISTS "uuid-ossp";', 'CREATE TABLE acct_tokens (id uuid DEFAULT uuid_generate_v4());', ''].join('\n'),
      },
      { timeoutMs: 3000 },
    );
  }, DB_TIMEOUT);

  it('reports every statement that did not apply, at its file and line, and applies the rest', () => {
    const errors = outcome.findings.filter((f) => f.ruleId === 'migration-error');
    expect(brief(errors)).toEqual([
      ['migration-error', 'migrations/001_users.sql', 3, 1, undefined],
      ['migration-error', 'migrations/002_host.sql', 1, 1, undefined],
      ['migration-error', 'migrations/002_host.sql', 3, 1, undefined],
      ['migration-error', 'migrations/002_host.sql', 4, 1, undefined],
      ['migration-error', 'migrations/002_host.sql', 5, 1, undefined],
      ['migration-error', 'migrations/002_host.sql', 6, 1, undefined],
      ['migration-error', 'migrations/002_host.sql', 7, 1, undefined],
      ['migration-error', 'migrations/002_host.sql', 8, 1, undefined],
      ['migration-error', 'migrations/003_catalog.sql', 1, 1, undefined],
      ['migration-error', 'migrations/003_catalog.sql', 2, 1, undefined],
      ['migration-error', 'migrations/004_slow.sql', 1, 1, undefined],
    ]);
    const message = (file: string, line: number) => errors.find((f) => f.file === file && f.line === line)!.message;
    // PostgreSQL's position of a syntax error, in the message.
    expect(message('migrations/001_users.sql', 3)).toContain('syntax error at or near "," (SQLSTATE 42601), at line 3, column 34');
    expect(message('migrations/002_host.sql', 6)).toContain('extension "dblink" is not available');
    expect(message('migrations/002_host.sql', 8)).toContain('extension "postgis" is not available');
    expect(message('migrations/003_catalog.sql', 1)).toContain("refused: it writes PostgreSQL's own catalog");
    // Dynamic SQL in a DO body is read too; a comment or a string that only mentions the catalog is not a write.
    expect(message('migrations/003_catalog.sql', 2)).toContain("refused: it writes PostgreSQL's own catalog");
    expect(message('migrations/004_slow.sql', 1)).toContain('it did not finish within 3 s; the embedded database was started again without it');
  });

  it('goes on after a failed statement, through BEGIN/COMMIT, and after a statement that had to be stopped', () => {
    // acct_next follows the failed statement inside BEGIN … COMMIT; acct_after_sleep follows pg_sleep; acct_tokens needs uuid-ossp.
    const unmapped = outcome.findings.filter((f) => f.ruleId === 'unmapped-table').map((f) => f.table);
    expect(unmapped).toEqual([]);
    expect(outcome.relations).toBe(6); // acct_users, acct_next, acct_leak, acct_notes, acct_after_sleep, acct_tokens
  });

  it("refuses the write to pg_class: acct_users still lacks row-level security in the catalog", () => {
    expect(brief(outcome.findings.filter((f) => f.ruleId === 'rls-missing'))).toEqual([['rls-missing', 'migrations/001_users.sql', 2, 14, 'acct_users']]);
  });

  it('skips COPY from the client or a program, with a warning', () => {
    expect(outcome.notifications.map((n) => [n.level, n.file, n.line])).toEqual([
      ['warning', 'migrations/002_host.sql', 9],
      ['warning', 'migrations/002_host.sql', 10],
    ]);
    expect(outcome.notifications[0]!.message).toContain('COPY from or to the client, or a program, is skipped');
  });

  it('reaches no host file: nothing is read into a message, nothing is written', () => {
    const text = JSON.stringify(outcome);
    expect(text).not.toContain('host-secret-7f3a');
    expect(existsSync(written)).toBe(false);
    // The host's paths do not exist in the embedded database's file system: reading and writing them fail.
    for (const line of [1, 3, 4, 5]) {
      expect(outcome.findings.find((f) => f.file === 'migrations/002_host.sql' && f.line === line)!.message).toContain('No such file or directory');
    }
  });
});

describe('db check on files it cannot use', () => {
  it('follows no symbolic link: a link among the migrations is not applied, and one read by name is refused', { timeout: DB_TIMEOUT }, async () => {
    const files = { 'ownership-map.yaml': MAP, 'migrations/001_users.sql': 'CREATE TABLE acct_users (id int, tenant_id int);\n' };
    const host = mkdtempSync(path.join(os.tmpdir(), 'schema-guard-host-'));
    writeFileSync(path.join(host, 'outside.sql'), 'CREATE TABLE acct_outside (id int);\n');
    const repo = writeRepo(files);
    symlinkSync(path.join(host, 'outside.sql'), path.join(repo, 'migrations/002_outside.sql'));
    expect(readMigration(repo, 'migrations/002_outside.sql')).toEqual({ file: 'migrations/002_outside.sql', problem: 'it is a symbolic link, and db check follows none' });
    const outcome = await runDbCheck({ root: repo, mapFile: path.join(repo, 'ownership-map.yaml') });
    expect(outcome.filesApplied).toBe(1);
    expect(outcome.relations).toBe(1);
  });

  it('reports a file it cannot read as a migration-error at its first line', () => {
    const repo = writeRepo({ 'migrations/001_dump.sql': 'CREATE TABLE a (id int);\0\0' });
    expect(readMigration(repo, 'migrations/001_dump.sql')).toEqual({ file: 'migrations/001_dump.sql', problem: 'it holds NUL bytes: it is not SQL text' });
  });

  it('stops with a usage error when no file matches', async () => {
    await expect(dbCheckRepo({ 'ownership-map.yaml': MAP }, { migrations: ['db/*.sql'] })).rejects.toThrow(/No migration file matches db\/\*\.sql under /);
    await expect(dbCheckRepo({ 'ownership-map.yaml': MAP }, { migrations: ['../*.sql'] })).rejects.toThrow(/expected a glob relative to the root/);
  });
});
