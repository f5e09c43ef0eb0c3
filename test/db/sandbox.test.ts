/**
 * The embedded database itself, below db check's own screening of statements: what SQL can reach
 * of the host, and what happens to a statement that hangs or breaks it.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedDatabase } from '../../src/db/sandbox.js';
import { DB_TIMEOUT } from './helpers.js';

describe('the embedded database', () => {
  const host = mkdtempSync(path.join(os.tmpdir(), 'schema-guard-host-'));
  const secret = path.join(host, 'secret.txt');
  writeFileSync(secret, 'host-secret-91c2\n');
  const started: EmbeddedDatabase[] = [];
  const start = async () => {
    const db = await EmbeddedDatabase.start([]);
    started.push(db);
    return db;
  };
  afterAll(async () => {
    for (const db of started) await db.close();
  });

  it('sees no host file and starts no program: COPY, pg_read_file, lo_import and extensions that reach out all fail or stay inside', { timeout: DB_TIMEOUT }, async () => {
    const db = await start();
    const fails = async (sql: string) => {
      const outcome = await db.exec(sql, 30_000);
      expect(outcome.ok, sql).toBe(false);
      return 'error' in outcome ? outcome.error.message : 'broken';
    };
    expect(await fails(`SELECT pg_read_file('${secret}')`)).toMatch(/No such file or directory/);
    expect(await fails(`SELECT pg_read_file('/etc/passwd')`)).toMatch(/No such file or directory/);
    expect(await fails(`SELECT pg_ls_dir('${host}')`)).toMatch(/No such file or directory/);
    expect(await fails(`SELECT lo_import('${secret}')`)).toMatch(/No such file or directory/);
    await db.exec('CREATE TABLE t (line text)', 30_000);
    expect(await fails(`COPY t FROM '${secret}'`)).toMatch(/No such file or directory/);
    expect(await fails(`COPY t TO '${path.join(host, 'written.txt')}'`)).toMatch(/No such file or directory/);
    for (const extension of ['dblink', 'postgres_fdw', 'file_fdw', 'plpython3u', 'plperlu']) {
      expect(await fails(`CREATE EXTENSION ${extension}`)).toMatch(/is not available/);
    }
    // The file system it has is its own, in memory: a file written there is read back there, never on the host.
    const inside = path.join(host, 'inside.txt');
    expect(existsSync(path.dirname(inside))).toBe(true);
    expect((await db.exec(`COPY (SELECT 'x') TO '/tmp/inside.txt'`, 30_000)).ok).toBe(true);
    expect(existsSync('/tmp/inside.txt') && (await import('node:fs')).readFileSync('/tmp/inside.txt', 'utf8') === 'x\n').toBe(false);
    expect(existsSync(path.join(host, 'written.txt'))).toBe(false);
  });

  it('stops a statement that waits for ever (COPY FROM STDIN with no client) at its time limit, and ends that database', { timeout: DB_TIMEOUT }, async () => {
    const db = await start();
    await db.exec('CREATE TABLE t (line text)', 30_000);
    const outcome = await db.exec('COPY t FROM STDIN', 2000);
    expect(outcome).toEqual({ ok: false, broken: 'it did not finish within 2 s' });
    expect(await db.exec('SELECT 1', 2000)).toEqual({ ok: false, broken: 'it did not finish within 2 s' });
  });

  it('notices a statement that leaves the database answering nothing (COPY TO PROGRAM), and starts no program', { timeout: DB_TIMEOUT }, async () => {
    const db = await start();
    const marker = path.join(host, 'program-ran');
    const outcome = await db.exec(`COPY (SELECT 1) TO PROGRAM 'touch ${marker}'`, 30_000);
    expect(outcome).toEqual({ ok: false, broken: 'the embedded database stopped answering queries after it' });
    expect(existsSync(marker)).toBe(false);
  });
});
