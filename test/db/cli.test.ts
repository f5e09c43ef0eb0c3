/** `schema-guard db check` on the command line: formats, --output, --fail-on and exit codes as `check` has them. */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { DB_TIMEOUT, fixture } from './helpers.js';

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { stdout: { write: (text: string) => out.push(text) }, stderr: { write: (text: string) => err.push(text) } });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const TENANCY = ['db', 'check', '--root', fixture('tenancy-service'), '--migrations', 'migrations/*.sql'];

describe('schema-guard db check', () => {
  it('writes JSON to --output and the text report to standard output, and exits 1 at --fail-on warning', { timeout: DB_TIMEOUT }, async () => {
    const output = path.join(mkdtempSync(path.join(os.tmpdir(), 'schema-guard-db-')), 'report.json');
    const { code, stdout, stderr } = await run([...TENANCY, '--format', 'json', '--output', output, '--fail-on', 'warning']);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    const report = JSON.parse(readFileSync(output, 'utf8'));
    expect(report.findings.map((f: { ruleId: string; file: string; line: number }) => `${f.ruleId} ${f.file}:${f.line}`)).toEqual([
      'rls-missing migrations/001_tenancy.sql:40',
      'rls-missing migrations/002_environment_variables.sql:3',
      'tenant-column-missing migrations/002_environment_variables.sql:3',
    ]);
    expect(report.summary).toMatchObject({ filesScanned: 3, findings: 3, byLevel: { error: 0, warning: 3, note: 0 } });
    expect(report.notifications).toEqual([{ level: 'note', message: 'Applied 3 migration files to an embedded PostgreSQL (PGlite); its catalog holds 6 relations.' }]);
    expect(stdout).toMatch(/migrations\/001_tenancy\.sql\n  40:14 +warning +rls-missing +tenant_jobs is tenant-scoped under row-level tenancy/);
    expect(stdout).toContain('> 40 | CREATE TABLE tenant_jobs (');
    expect(stdout).toContain('✖ 3 findings (0 errors, 3 warnings, 0 notes) in 3 files scanned');
  });

  it('prints SARIF with the rules it reports under, and exits 0 without --fail-on', { timeout: DB_TIMEOUT }, async () => {
    const { code, stdout } = await run([...TENANCY, '--format', 'sarif']);
    expect(code).toBe(0);
    const sarif = JSON.parse(stdout);
    const [result] = sarif.runs;
    expect(result.results.map((r: { ruleId: string }) => r.ruleId)).toEqual(['rls-missing', 'rls-missing', 'tenant-column-missing']);
    expect(result.results[0].locations[0].physicalLocation).toMatchObject({ artifactLocation: { uri: 'migrations/001_tenancy.sql' }, region: { startLine: 40, startColumn: 14 } });
    const ids = result.tool.driver.rules.map((r: { id: string }) => r.id);
    expect(ids).toEqual(expect.arrayContaining(['migration-error', 'stale-map-entry', 'rls-missing']));
    expect(result.invocations[0].executionSuccessful).toBe(true);
  });

  it('refuses --migrations with --database-url, and a malformed URL, with exit code 2 and one line', async () => {
    const both = await run([...TENANCY, '--database-url', 'postgres://localhost/app']);
    expect(both).toEqual({ code: 2, stdout: '', stderr: 'schema-guard: Give either --migrations or --database-url, not both.\n' });
    const bad = await run(['db', 'check', '--root', fixture('tenancy-service'), '--database-url', 'mysql://root:pw@db/app', '--format', 'json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('schema-guard: --database-url: expected a postgres:// or postgresql:// URL (postgres://user:password@host:port/database).\n');
    expect(bad.stderr).not.toContain('pw');
    // A JSON report of the failure, as check writes one.
    expect(JSON.parse(bad.stdout).errors).toEqual([bad.stderr.replace(/^schema-guard: /, '').trim()]);
  });
});
