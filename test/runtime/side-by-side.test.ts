/**
 * The fixture app's own vitest suite runs with the runtime guard (as a project would run it), then
 * `check --runtime` puts the record beside the static findings: one finding per site, each with its
 * origin, the runtime-only sites noted, and the static coverage of what the tests ran.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers.js';

const APP = path.join(REPO_ROOT, 'fixtures/runtime-app');
const MAP = path.join(APP, 'ownership-map.yaml');
let record: string;

beforeAll(async () => {
  record = mkdtempSync(path.join(os.tmpdir(), 'schema-guard-record-'));
  const run = await execa(process.execPath, [path.join(REPO_ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--root', APP], {
    env: { SCHEMA_GUARD_RUNTIME_DIR: record, NO_COLOR: '1' },
    reject: false,
  });
  if (run.exitCode !== 0) throw new Error(`the fixture app's tests failed:\n${run.stdout}\n${run.stderr}`);
}, 300_000);

const check = (...args: string[]) => runCli(['check', '--root', APP, '--map', MAP, '--no-cache', '--runtime', record, ...args]);

describe('check --runtime', () => {
  it('merges static and runtime findings: one per site, each with its origin', async () => {
    const { exitCode, stdout } = await check('--format', 'json');
    expect(exitCode).toBe(0);
    const report = JSON.parse(stdout);
    const rows = report.findings.map((f: Record<string, unknown>) => `${f.origin} ${f.ruleId} ${f.file}:${f.line} ${f.enclosingFunction} ${f.table}${f.suppressed ? ' (suppressed)' : ''}`);
    expect(rows).toEqual([
      'static cross-domain-query src/catalog/legacy.ts:6 countInvoicesLegacy billing_invoices',
      'both cross-domain-query src/catalog/products.ts:15 bestSellers billing_invoices',
      'both cross-domain-query src/catalog/products.ts:27 revenueByProduct billing_invoices',
      'both cross-domain-query src/catalog/products.ts:34 invoiceCount billing_invoices (suppressed)',
      'runtime cross-domain-query src/reporting/export.ts:16 exportSource billing_invoices',
      'runtime runtime-only-access src/reporting/export.ts:16 exportSource billing_invoices',
      'runtime runtime-only-access src/reporting/export.ts:16 exportSource catalog_products',
    ]);
    expect(report.summary.runtime).toMatchObject({ recordFiles: 1, accesses: 11, seenStatically: 9, unscannedFiles: 0, unattributedStatements: 0 });
  });

  it('gives a finding found both ways the fingerprint static analysis alone gives it', async () => {
    const alone = JSON.parse((await runCli(['check', '--root', APP, '--map', MAP, '--no-cache', '--format', 'json'])).stdout);
    const merged = JSON.parse((await check('--format', 'json')).stdout);
    const fingerprints = (report: { findings: Array<{ fingerprint: string; origin?: string }> }, origin?: string) =>
      report.findings.filter((finding) => finding.origin === origin).map((finding) => finding.fingerprint);
    expect([...fingerprints(merged, 'both'), ...fingerprints(merged, 'static')].sort()).toEqual(fingerprints(alone, undefined).sort());
    expect(fingerprints(merged, 'both')).toHaveLength(3);
  });

  it('prints the measured static coverage in the text report', async () => {
    const { stdout } = await check();
    expect(stdout).toContain('Runtime: static analysis saw 9 of 11 table accesses your tests ran (the other 2 are runtime-only-access notes).');
    expect(stdout).toContain('Findings by origin: 3 both, 1 static only, 1 runtime only');
  });

  it('puts the origin in SARIF result properties', async () => {
    const sarif = JSON.parse((await check('--format', 'sarif')).stdout);
    const results = sarif.runs[0].results as Array<{ ruleId: string; properties?: { origin?: string } }>;
    expect(results.filter((result) => result.properties?.origin === 'runtime').map((result) => result.ruleId)).toEqual([
      'cross-domain-query',
      'runtime-only-access',
      'runtime-only-access',
    ]);
  });

  it('counts record lines it cannot trust instead of reading them', async () => {
    const tampered = mkdtempSync(path.join(os.tmpdir(), 'schema-guard-record-'));
    writeFileSync(
      path.join(tampered, 'runtime-1-000000000000.jsonl'),
      [
        JSON.stringify({ v: 1, kind: 'observation', file: '../outside.ts', line: 1, column: 1, via: 'pg', statement: '0123456789abcdef', accesses: [], findings: [] }),
        'not json',
        JSON.stringify({ v: 1, kind: 'observation', file: 'src/catalog/products.ts', line: 15, column: 29, via: 'pg', statement: '0123456789abcdef', accesses: [{ table: { name: 'billing_invoices' }, operation: 'read' }], findings: [] }),
      ].join('\n'),
    );
    const report = JSON.parse((await runCli(['check', '--root', APP, '--map', MAP, '--no-cache', '--runtime', tampered, '--format', 'json'])).stdout);
    expect(report.summary.runtime).toMatchObject({ statementsJudged: 1, accesses: 1, seenStatically: 1 });
    expect(report.notifications.map((note: { message: string }) => note.message)).toContainEqual(expect.stringContaining('2 lines were not valid record lines'));
  });

  it('stops with exit 2 and one line when the folder does not exist', async () => {
    const { exitCode, stderr } = await runCli(['check', '--root', APP, '--map', MAP, '--runtime', path.join(APP, 'no-such-folder')]);
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/^schema-guard: Cannot read the --runtime folder .*no-such-folder: ENOENT\. It is the reportDir the runtime guard wrote during the tests\.\n$/);
  });
});
