import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check.js';
import { runCli, writeRepo } from '../helpers.js';
import { abMap } from './helpers.js';

const FILES = {
  'src/a/read.ts': 'export const read = (pool: any) => pool.query("SELECT * FROM ta");\n',
  // Not in the file's text: a parameter.
  'src/a/param.ts': 'export const run = (pool: any, text: string) => pool.query(text);\n',
  // The table is chosen at run time.
  'src/a/dynamic.ts': 'export const count = (pool: any, t: string) => pool.query(`SELECT count(*) FROM ${t}`);\n',
  // Begins with a piece from elsewhere and does not parse without it.
  'src/a/assembled.ts': 'export const more = (pool: any, base: string) => pool.query(`${base} WHERE id = $1 AND`, [1]);\n',
  // Not SQL at all: the first argument of a helper is a connection string.
  'src/a/connect.ts': "export const open = (query: any, cs: string) => query(cs + '?application_name=x', 'SELECT 1 FROM ta');\n",
  // Not queries: a method named query on a router, a log line.
  'src/a/other.ts': "export const route = (router: any) => router.query('page');\nexport const log = () => console.log('update ta failed');\n",
};

async function repo() {
  const root = writeRepo(FILES);
  const mapFile = path.join(root, 'ownership-map.yaml');
  writeFileSync(mapFile, abMap());
  return { root, mapFile };
}

describe('query sites: what was read, what was not, and why', () => {
  it('counts every query site and names the unread ones with their reason', async () => {
    const { root, mapFile } = await repo();
    const result = await runCheck({ root, mapFile });
    expect(result.frameworks.sql).toMatchObject({ sites: 5, read: 2 });
    expect(result.unreadSites.map((site) => `${site.file}:${site.line} ${site.reason}`)).toEqual([
      'src/a/assembled.ts:1 assembled',
      'src/a/dynamic.ts:1 table-unknown',
      'src/a/param.ts:1 not-static',
    ]);
    expect(result.findings.filter((finding) => finding.ruleId === 'sql-parse-error')).toEqual([]);
  });

  it('shows the coverage line near the text report\'s end, and --min-coverage fails the run below its floor', async () => {
    const { root, mapFile } = await repo();
    const passing = await runCli(['check', '--root', root, '--map', mapFile, '--no-cache', '--min-coverage', '40']);
    expect(passing.exitCode).toBe(0);
    // The coverage line comes before the hints and the summary, which stays the last line.
    const lines = passing.stdout.trimEnd().split('\n');
    const coverage = lines.indexOf('checked 2 of 5 query sites; 3 unread (schema-guard map coverage --sites lists them)');
    expect(coverage).toBeGreaterThanOrEqual(0);
    expect(lines.at(-1)).toMatch(/^(✔|✖) /);
    expect(lines.slice(coverage + 1).filter((line) => /^[✔✖] /.test(line))).toHaveLength(1);
    const failing = await runCli(['check', '--root', root, '--map', mapFile, '--no-cache', '--min-coverage', '50%']);
    expect(failing.exitCode).toBe(1);
    expect(failing.stderr).toContain('only 2 of 5 query sites (40.0 %) could be read, below --min-coverage 50 %');
  });

  it('carries the counts in JSON and SARIF', async () => {
    const { root, mapFile } = await repo();
    const json = JSON.parse((await runCli(['check', '--root', root, '--map', mapFile, '--no-cache', '--format', 'json'])).stdout);
    expect(json.summary.coverage).toEqual({ sites: 5, read: 2 });
    expect(json.unreadSites).toHaveLength(3);
    const sarif = JSON.parse((await runCli(['check', '--root', root, '--map', mapFile, '--no-cache', '--format', 'sarif'])).stdout);
    const invocation = sarif.runs[0].invocations[0];
    expect(invocation.properties.querySites).toEqual({ sites: 5, read: 2 });
    expect(invocation.toolExecutionNotifications.map((n: { message: { text: string } }) => n.message.text)).toContain(
      '3 of 5 query sites could not be read, so their table accesses were not checked (schema-guard map coverage --sites lists them).',
    );
  });

  it('map coverage --sites lists the unread sites', async () => {
    const { root, mapFile } = await repo();
    const { stdout } = await runCli(['map', 'coverage', '--root', root, '--map', mapFile, '--sites']);
    expect(stdout).toContain('Query sites read: 2 of 5 (sql 2/5); 3 unread');
    expect(stdout).toMatch(/src\/a\/param\.ts:1:\d+ +sql +its SQL is not in the code/);
  });

  it('does not say a table is used because a migration created it', async () => {
    const root = writeRepo({ 'src/b/001.sql': 'CREATE TABLE tb (id int);\n' });
    const mapFile = path.join(root, 'ownership-map.yaml');
    writeFileSync(mapFile, abMap());
    const { stdout } = await runCli(['map', 'coverage', '--root', root, '--map', mapFile, '--format', 'json']);
    expect(JSON.parse(stdout).unusedTables.map((t: { table: string }) => t.table)).toEqual(['ta', 'tb']);
  });
});
