import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, ROOT_MAP, writeRepo, runCli } from './helpers.js';

const BIN = path.join(REPO_ROOT, 'bin/schema-guard.js');
/** The real executable in a child process: what users and CI run. */
const spawn = (args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) =>
  execa('node', [BIN, ...args], { reject: false, cwd: options.cwd ?? REPO_ROOT, env: { NO_COLOR: '1', ...options.env } });
const run = runCli;

const violating = {
  'packages/gpuaas/provisioning/src/orgs.ts': "export const load = () => pool.query('SELECT * FROM organizations');\n",
};

describe('schema-guard CLI', () => {
  it('--help and --version exit 0', async () => {
    expect((await run(['--help'])).exitCode).toBe(0);
    const version = await spawn(['--version']);
    expect(version.exitCode).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version);
  });

  it('is report-only by default: findings print and the exit code is 0', async () => {
    const root = writeRepo(violating);
    const result = await spawn(['check', '--root', root, '--map', ROOT_MAP]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('packages/gpuaas/provisioning/src/orgs.ts');
    expect(result.stdout).toContain('cross-domain-query');
    expect(result.stdout).toMatch(/1 finding \(0 errors, 1 warning, 0 notes\)/);
    expect(result.stdout).not.toContain('\u001b[');
  });

  it('--fail-on warning exits 1 on a warning; --fail-on error does not', async () => {
    const root = writeRepo(violating);
    expect((await run(['--root', root, '--map', ROOT_MAP, '--fail-on', 'warning'])).exitCode).toBe(1);
    expect((await run(['--root', root, '--map', ROOT_MAP, '--fail-on', 'error'])).exitCode).toBe(0);
  });

  it('a blocking rule fails the run whatever --fail-on says', async () => {
    const root = writeRepo({ 'packages/platform/billing/src/fix.ts': "pool.query('DELETE FROM ledger_entries');\n" });
    expect((await spawn(['--root', root, '--map', ROOT_MAP])).exitCode).toBe(1);
  });

  it('--format json prints the documented fields; --output writes a file; --rule narrows', async () => {
    const root = writeRepo({ ...violating, 'migrations/1.sql': 'CREATE TABLE scratch (id int);\n' });
    const result = await run(['--root', root, '--map', ROOT_MAP, '--format', 'json']);
    const report = JSON.parse(result.stdout);
    expect(report.findings.map((f: { ruleId: string }) => f.ruleId)).toEqual(['unprefixed-table', 'cross-domain-query']);
    for (const finding of report.findings) {
      expect(Object.keys(finding)).toEqual(expect.arrayContaining(['ruleId', 'level', 'message', 'file', 'line', 'column', 'domain', 'table', 'owner', 'fingerprint']));
    }
    expect(report.findings[0]).toMatchObject({ file: 'migrations/1.sql', domain: null, table: 'scratch', owner: null });
    expect(report.summary).toMatchObject({ filesScanned: 2, findings: 2, byRule: { 'cross-domain-query': 1, 'unprefixed-table': 1 } });

    const output = path.join(root, 'out/report.json');
    const narrowed = await run(['--root', root, '--map', ROOT_MAP, '--format', 'json', '--output', output, '--rule', 'unprefixed-table']);
    // The file gets the requested format; the terminal still gets the text report.
    expect(narrowed.stdout).toContain('unprefixed-table');
    expect(narrowed.stdout).not.toContain('"ruleId"');
    const quiet = await run(['--root', root, '--map', ROOT_MAP, '--format', 'json', '--output', output, '--quiet', '--rule', 'unprefixed-table']);
    expect(quiet.stdout).toBe('');
    expect(JSON.parse(readFileSync(output, 'utf8')).findings.map((f: { ruleId: string }) => f.ruleId)).toEqual(['unprefixed-table']);
  });

  it('paths narrow the scan inside the root', async () => {
    const root = writeRepo({ ...violating, 'migrations/1.sql': 'CREATE TABLE scratch (id int);\n' });
    const result = await spawn(['check', 'migrations', '--map', ROOT_MAP, '--format', 'json'], { cwd: root });
    expect(JSON.parse(result.stdout).findings.map((f: { file: string }) => f.file)).toEqual(['migrations/1.sql']);
  });

  it('exits 2 with a located one-line message for a malformed map, and no stack trace', async () => {
    const root = writeRepo(violating);
    const map = path.join(root, 'ownership-map.yaml');
    writeFileSync(map, 'version: 1\ndomains:\n  a: [unclosed\n');
    const result = await spawn(['--root', root]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/ownership-map\.yaml:\d+:\d+: /);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 for usage errors: unknown option, unknown rule, missing path, missing map', async () => {
    const root = writeRepo(violating);
    expect((await run(['--root', root, '--map', ROOT_MAP, '--bogus'])).exitCode).toBe(2);
    const unknownRule = await run(['--root', root, '--map', ROOT_MAP, '--rule', 'no-such-rule']);
    expect(unknownRule.exitCode).toBe(2);
    expect(unknownRule.stderr).toContain('no-such-rule');
    expect((await run(['check', path.join(root, 'nope'), '--root', root, '--map', ROOT_MAP])).exitCode).toBe(2);
    const missingMap = await run(['--root', root]);
    expect(missingMap.exitCode).toBe(2);
    expect(missingMap.stderr).toContain('ownership-map.yaml');
  });

  it('a run stopped by a bad map still writes valid JSON and SARIF', async () => {
    const root = writeRepo({ 'ownership-map.yaml': 'version: 2\n' });
    const json = await run(['--root', root, '--format', 'json']);
    expect(json.exitCode).toBe(2);
    expect(JSON.parse(json.stdout).errors[0]).toContain('ownership-map.yaml');
    const sarif = await run(['--root', root, '--format', 'sarif']);
    const log = JSON.parse(sarif.stdout);
    expect(log.runs[0].invocations[0].executionSuccessful).toBe(false);
    expect(log.runs[0].results).toEqual([]);
  });

  it('explain prints a rule page and rejects unknown rules', async () => {
    const result = await run(['explain', 'ledger-immutable']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('# ledger-immutable');
    expect((await run(['explain', 'nope'])).exitCode).toBe(2);
  });
});
