import { copyFileSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyBaseline, baselineEntries, type BaselineEntry } from '../../src/filter/baseline.js';
import type { Finding } from '../../src/rules/finding.js';
import { REPO_ROOT, ROOT_MAP, runCli } from '../helpers.js';
import { temporaryFolder } from '../temporary.js';

const FIXTURE = path.join(REPO_ROOT, 'fixtures/platform-monorepo');
const BIN = path.join(REPO_ROOT, 'bin/schema-guard.js');
const BASELINE = '.schema-guard-baseline.json';
const CATALOG = 'packages/gpuaas/inventory/src/catalog.ts';
/** The fixture's 27 findings plus unused-exception: with the map inside the root, shared-policy-reads-policy-tables waives nothing. */
const FIXTURE_FINDINGS = 28;
/** The fixture's one unread site is the SQL that does not parse (node-state.ts). */
const FIXTURE_COVERAGE = 'checked 40 of 41 query sites; 1 unread (schema-guard map coverage --sites lists them)\n';

/** A copy of the fixture in the temporary folder, with the root map inside it (as a repository keeps it). */
function fixtureCopy(from = FIXTURE): string {
  const root = temporaryFolder('schema-guard-baseline-');
  cpSync(from, root, { recursive: true });
  if (from === FIXTURE) copyFileSync(ROOT_MAP, path.join(root, 'ownership-map.yaml'));
  return root;
}

const cli = (root: string, args: string[]) => execa('node', [BIN, ...args], { cwd: root, reject: false, env: { NO_COLOR: '1' } });

const run = runCli;

function edit(root: string, file: string, change: (text: string) => string): void {
  const absolute = path.join(root, file);
  writeFileSync(absolute, change(readFileSync(absolute, 'utf8')));
}

type JsonFinding = { ruleId: string; file: string; line: number; baselineState?: string };

describe('baseline on fixtures/platform-monorepo, with the real CLI', () => {
  let baselined: string;
  beforeAll(async () => {
    baselined = fixtureCopy();
    const result = await cli(baselined, ['baseline']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(`Recorded ${FIXTURE_FINDINGS} findings (${FIXTURE_FINDINGS} entries) in ${BASELINE}: check now reports only new ones.`);
  }, 60_000);

  it('writes a sorted, pretty file keyed by what each finding is, with counts and no line numbers', () => {
    const text = readFileSync(path.join(baselined, BASELINE), 'utf8');
    const file = JSON.parse(text) as { version: number; findings: BaselineEntry[] };
    expect(text).toBe(JSON.stringify(file, null, 2) + '\n');
    expect(file.version).toBe(1);
    const files = file.findings.map((entry) => entry.file);
    expect(files).toEqual([...files].sort());
    expect(file.findings.reduce((sum, entry) => sum + entry.count, 0)).toBe(FIXTURE_FINDINGS);
    expect(file.findings).toContainEqual({
      ruleId: 'cross-domain-query',
      file: CATALOG,
      domain: 'gpuaas-inventory',
      table: 'pricing_plans',
      operation: 'read',
      enclosingFunction: 'skuWithPrice',
      count: 1,
    });
    expect(text).not.toMatch(/"line"|"column"|"message"/);
  });

  it('then check reports zero new findings and exits 0 under --fail-on warning', async () => {
    const result = await cli(baselined, ['check', '--fail-on', 'warning']);
    expect(result.exitCode).toBe(0);
    // Every path is scanned: the cache lives outside the repository, and creates no node_modules/ in it.
    expect(result.stdout).toBe(
      `Not shown: ${FIXTURE_FINDINGS} recorded in the baseline ${BASELINE}.\n\n${FIXTURE_COVERAGE}\n✔ No findings in 41 files.`,
    );
  }, 60_000);

  it('one more violating line in the same function is exactly one new finding', async () => {
    const root = fixtureCopy(baselined);
    edit(root, CATALOG, (text) =>
      text.replace(
        "  const plan = await pool.query('SELECT display_name FROM pricing_plans WHERE sku_code = $1', [code]);\n",
        "$&  const currency = await pool.query('SELECT currency FROM pricing_plans WHERE sku_code = $1', [code]);\n",
      ),
    );
    const result = await cli(root, ['check', '--fail-on', 'warning', '--format', 'json']);
    expect(result.exitCode).toBe(1);
    const report = JSON.parse(result.stdout);
    const fresh = report.findings.filter((f: JsonFinding) => f.baselineState === 'new');
    expect(fresh.map((f: JsonFinding) => `${f.ruleId} ${f.file}:${f.line}`)).toEqual([`cross-domain-query ${CATALOG}:23`]);
    expect(report.summary).toMatchObject({ findings: 1, baselined: FIXTURE_FINDINGS });
    expect(report.baseline).toEqual({ file: BASELINE, absent: [] });
  }, 60_000);

  it('moving code around makes nothing new', async () => {
    const root = fixtureCopy(baselined);
    edit(root, CATALOG, (text) => {
      const list = text.indexOf('export async function listSkus');
      const price = text.indexOf('export async function skuWithPrice');
      return `// Prices first.\n\n${text.slice(0, list)}${text.slice(price)}\n${text.slice(list, price)}`;
    });
    edit(root, 'packages/platform/billing/src/usage-report.ts', (text) => `\n\n/* Usage reports for finance. */\n${text}`);
    edit(root, 'migrations/0002_feature_flags.sql', (text) => `-- Feature flags\n\n${text}`);
    const result = await cli(root, ['check', '--fail-on', 'warning', '--format', 'json']);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.findings.filter((f: JsonFinding) => f.baselineState !== 'unchanged')).toEqual([]);
    expect(report.findings.find((f: JsonFinding) => f.file === CATALOG && f.ruleId === 'cross-domain-query').line).toBe(15); // was 22
  }, 60_000);

  it('a malformed baseline file is an exit-2 error naming the file and the line:column', async () => {
    const root = fixtureCopy(baselined);
    writeFileSync(path.join(root, BASELINE), '{\n  "version": 1,\n  "findings": [\n    { "ruleId": "x" "file": "a.ts", "count": 1 }\n  ]\n}\n');
    const result = await cli(root, ['check']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^schema-guard: ${path.join(root, BASELINE).replaceAll('.', '\\.')}:4:21: the baseline file is not valid JSON`));
    expect(result.stderr).toContain('Regenerate it with "schema-guard baseline", or pass --no-baseline.');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
  }, 60_000);
});

describe('baseline details', () => {
  let baselined: string;
  beforeAll(async () => {
    baselined = fixtureCopy();
    expect((await run(['baseline', '--root', baselined])).exitCode).toBe(0);
  }, 60_000);

  it('lists recorded findings that no longer occur, in text and JSON, so the file can shrink', async () => {
    const root = fixtureCopy(baselined);
    rmSync(path.join(root, 'packages/gpuaas/provisioning/src/legacy-charge.ts'));
    const text = await run(['--root', root]);
    expect(text.stdout).toContain(
      'No longer found, though recorded in the baseline (run schema-guard baseline to shrink it):\n' +
        '  retired-import of ../../../services/legacy-billing/src/charge in packages/gpuaas/provisioning/src/legacy-charge.ts\n',
    );
    const json = JSON.parse((await run(['--root', root, '--format', 'json'])).stdout);
    expect(json.baseline.absent).toEqual([
      { ruleId: 'retired-import', file: 'packages/gpuaas/provisioning/src/legacy-charge.ts', domain: 'gpuaas-provisioning', specifier: '../../../services/legacy-billing/src/charge', count: 1 },
    ]);
    expect(json.summary).toMatchObject({ findings: 0, baselined: FIXTURE_FINDINGS - 1 });
  });

  it('a path-narrowed run judges absence only in the files it scanned', async () => {
    const root = fixtureCopy(baselined);
    rmSync(path.join(root, 'packages/gpuaas/provisioning/src/legacy-charge.ts'));
    const json = JSON.parse((await run(['check', path.join(root, 'packages/gpuaas/inventory'), '--root', root, '--format', 'json'])).stdout);
    expect(json.baseline.absent).toEqual([]);
    expect(json.summary).toMatchObject({ findings: 0, baselined: 2 });
  });

  it('--no-baseline reports every finding; --baseline FILE uses another file', async () => {
    const all = JSON.parse((await run(['--root', baselined, '--format', 'json', '--no-baseline'])).stdout);
    expect(all.summary.findings).toBe(FIXTURE_FINDINGS);
    expect(all.findings.every((f: JsonFinding) => f.baselineState === undefined)).toBe(true);
    expect(all.baseline).toBeUndefined();

    const elsewhere = path.join(temporaryFolder('schema-guard-baseline-file-'), 'known.json');
    writeFileSync(elsewhere, JSON.stringify({ version: 1, findings: [{ ruleId: 'unmapped-table', file: 'packages/platform/policy/src/evaluate.ts', domain: 'platform-policy', table: 'feature_flags', operation: 'read', enclosingFunction: 'evaluatePolicy', count: 1 }] }));
    const some = JSON.parse((await run(['--root', baselined, '--format', 'json', '--baseline', elsewhere])).stdout);
    expect(some.summary).toMatchObject({ findings: FIXTURE_FINDINGS - 1, baselined: 1 });
    expect(some.baseline.file).toBe(elsewhere);
  });

  it('baseline --baseline FILE writes there', async () => {
    const root = fixtureCopy();
    const result = await run(['baseline', '--root', root, '--baseline', path.join(root, 'ci/known-findings.json')]);
    expect(result.stdout).toContain('in ci/known-findings.json');
    expect(JSON.parse(readFileSync(path.join(root, 'ci/known-findings.json'), 'utf8')).findings).toHaveLength(FIXTURE_FINDINGS);
  });

  it('exits 2 with a clear message for a missing --baseline file or a file of the wrong shape', async () => {
    const missing = await run(['--root', baselined, '--baseline', path.join(baselined, 'nope.json')]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain(`Cannot read the baseline file ${path.join(baselined, 'nope.json')} (ENOENT)`);

    const root = fixtureCopy(baselined);
    writeFileSync(path.join(root, BASELINE), JSON.stringify({ version: 1, findings: [{ ruleId: 'x', file: 'a.ts', count: 0 }] }));
    const wrong = await run(['--root', root, '--format', 'json']);
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toMatch(/\.schema-guard-baseline\.json: findings\[0\]\.count: .*not a schema-guard baseline file/);
    expect(JSON.parse(wrong.stdout).errors[0]).toContain('findings[0].count');
  });
});

describe('baseline matching', () => {
  const finding = (line: number, extra: Partial<Finding> = {}): Finding => ({
    ruleId: 'cross-domain-query',
    level: 'warning',
    message: 'm',
    file: 'a.ts',
    line,
    column: 1,
    domain: 'gpuaas-inventory',
    table: 'pricing_plans',
    operation: 'read',
    enclosingFunction: 'f',
    fingerprint: `fp${line}`,
    ...extra,
  });

  it('counts per identity and leaves suppressed findings out', () => {
    const entries = baselineEntries([finding(9), finding(3), finding(5, { table: 'nodes' }), finding(7, { suppressed: { reason: 'r' } })]);
    expect(entries).toEqual([
      { ruleId: 'cross-domain-query', file: 'a.ts', domain: 'gpuaas-inventory', table: 'nodes', operation: 'read', enclosingFunction: 'f', count: 1 },
      { ruleId: 'cross-domain-query', file: 'a.ts', domain: 'gpuaas-inventory', table: 'pricing_plans', operation: 'read', enclosingFunction: 'f', count: 2 },
    ]);
  });

  it('marks the first `count` occurrences unchanged and the rest new, wherever they moved', () => {
    const [entry] = baselineEntries([finding(1)]);
    const { findings, absent } = applyBaseline([finding(40), finding(41)], [entry!], () => true);
    expect(findings.map((f) => f.baselineState)).toEqual(['unchanged', 'new']);
    expect(absent).toEqual([]);
  });

  it('reports missing occurrences as absent only where the run could have seen them, and sums duplicate entries', () => {
    const [entry] = baselineEntries([finding(1)]);
    const twice = [{ ...entry!, count: 2 }, { ...entry!, count: 1 }];
    expect(applyBaseline([finding(1)], twice, () => true).absent).toEqual([{ ...entry!, count: 2 }]);
    expect(applyBaseline([], twice, () => false).absent).toEqual([]);
  });

  it('never marks a suppressed finding', () => {
    const [entry] = baselineEntries([finding(1)]);
    const { findings, absent } = applyBaseline([finding(1, { suppressed: { reason: 'r' } })], [entry!], () => true);
    expect(findings[0]!.baselineState).toBeUndefined();
    expect(absent).toHaveLength(1);
  });
});
