import { appendFileSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCheck, runCheckOrReuse, type CheckOptions } from '../../src/check.js';
import { discoverFiles } from '../../src/discover/files.js';
import { loadOwnershipMap } from '../../src/map/load.js';
import { REPO_ROOT, ROOT_MAP, runCli, writeRepo, readCacheJson, writeCacheJson } from '../helpers.js';
import { temporaryFolder } from '../temporary.js';

const FIXTURES = path.join(REPO_ROOT, 'fixtures');
const TODAY = '2026-06-01';
const CATALOG = 'packages/gpuaas/inventory/src/catalog.ts';

/** A copy of a fixture with its own copy of the map, so that both can change. */
function copyOfFixture(fixture = 'platform-monorepo', map = ROOT_MAP): { root: string; mapFile: string } {
  const root = path.join(temporaryFolder('schema-guard-result-'), 'repo');
  cpSync(path.join(FIXTURES, fixture), root, { recursive: true, filter: (source) => !source.includes('node_modules') });
  const mapFile = path.join(root, '..', 'ownership-map.yaml');
  copyFileSync(map, mapFile);
  return { root, mapFile };
}

const cacheDir = (root: string) => path.join(root, '.schema-guard-cache');
const resultFile = (root: string) => path.join(cacheDir(root), 'result.json');

/**
 * Runs as if the files had been written a minute ago: stats of files changed within two seconds are
 * never trusted, and the tests write their files just before they run.
 */
function check(root: string, mapFile: string, options: Partial<CheckOptions> = {}) {
  vi.setSystemTime(performance.timeOrigin + performance.now() + 60_000);
  return runCheckOrReuse({ root, mapFile, today: TODAY, cache: { dir: cacheDir(root) }, ...options });
}

/** A fresh run without any cache, to compare with. */
function fresh(root: string, mapFile: string, options: Partial<CheckOptions> = {}) {
  return runCheck({ root, mapFile, today: TODAY, ...options });
}

const deltaFile = (root: string) => path.join(cacheDir(root), 'result-delta.json');
const MARK = 'recorded verdict';

/**
 * Marks each recorded verdict (in the delta too, unless told) with a note naming its file, so that a
 * run which reuses a verdict shows it. The record keeps the verdicts in the order of the scanned files.
 */
function markRecordedVerdicts(root: string, mapFile: string, { delta = true, paths }: { delta?: boolean; paths?: string[] } = {}): void {
  const mark = (verdict: { notifications?: unknown[] }, file: string) => (verdict.notifications = [{ level: 'note', file, message: MARK }]);
  const scanned = discoverFiles({ root, paths, ignore: loadOwnershipMap(mapFile).map.ignore });
  const stored = readCacheJson<any>(resultFile(root));
  expect(stored.verdicts).toHaveLength(scanned.length);
  stored.verdicts.forEach((verdict: object, index: number) => mark(verdict, scanned[index]!));
  writeCacheJson(resultFile(root), stored);
  if (!delta || !existsSync(deltaFile(root))) return;
  const changes = readCacheJson<any>(deltaFile(root));
  for (const change of changes.changes) mark(change.verdict, change.file);
  writeCacheJson(deltaFile(root), changes);
}

type Outcome = Awaited<ReturnType<typeof runCheckOrReuse>>;
/** The files whose recorded verdict a run reused. */
const reusedFiles = (outcome: Outcome) => new Set(outcome.notifications.filter((n) => n.message === MARK).map((n) => n.file));
const unmarked = (outcome: Outcome) => outcome.notifications.filter((n) => n.message !== MARK);

/** What a report shows of a run: a run that reuses verdicts must show what a fresh run shows. */
function expectSameReport(outcome: Outcome, expected: Outcome, what = '') {
  expect(outcome.findings, what).toEqual(expected.findings);
  expect(unmarked(outcome), what).toEqual(expected.notifications);
  expect(outcome.frameworks, what).toEqual(expected.frameworks);
  expect(outcome.filesScanned, what).toBe(expected.filesScanned);
  expect(outcome.absent, what).toEqual(expected.absent);
}

describe('the result cache', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives a re-run in which nothing changed the recorded outcome, which equals a fresh run', async () => {
    const { root, mapFile } = copyOfFixture();
    const first = await check(root, mapFile);
    const again = await check(root, mapFile);
    expectSameReport(again, await fresh(root, mapFile));
    expectSameReport(again, first);
    expect(again.findings.length).toBeGreaterThan(10);

    markRecordedVerdicts(root, mapFile);
    const reused = reusedFiles(await check(root, mapFile));
    expect(reused.size).toBe(first.filesScanned);
  });

  it('analyses only the edited files again when the edit leaves the other files alone, and reports what a fresh run reports', async () => {
    const platform = copyOfFixture();
    await check(platform.root, platform.mapFile);
    const edits: Array<[string, string, (text: string) => string]> = [
      ['a comment', CATALOG, (text) => `// moved down a line\n${text}`],
      ['a cross-domain query', CATALOG, (text) => `${text}\nexport const bills = (db: any) => db.query('SELECT * FROM billing_ledger_entries');\n`],
      ['a suppression', CATALOG, (text) => text.replace(/^(.*db\.query)/m, '// schema-guard-ignore-next-line cross-domain-query -- checked\n$1')],
      ['a suppression of nothing', 'packages/read-models/src/node-usage.ts', (text) => `// schema-guard-ignore-next-line unmapped-table -- nothing here\n${text}`],
      ['a query removed', CATALOG, (text) => text.replace(/db\.query\(/g, 'db.other(')],
      ['SQL that does not parse', 'packages/platform/billing/src/pricing.ts', (text) => `${text}\nexport const broken = (db: any) => db.query('SELECT FROM WHERE (');\n`],
      ['a read of an unmapped table in a migration', 'migrations/0002_feature_flags.sql', (text) => `${text}\nSELECT * FROM scratch_table;\n`],
    ];
    // tenant-filter-missing judges these queries by the migrations, which stay as they were.
    const tenancy = copyOfFixture('tenancy-service', path.join(FIXTURES, 'tenancy-service/ownership-map.yaml'));
    await check(tenancy.root, tenancy.mapFile);
    const tenancyEdits: typeof edits = [
      ['a query that filters by tenant no more', 'src/tenancy/jobs.ts', (text) => text.replace('WHERE tenant_id = $1 AND state = $2', 'WHERE state = $2')],
      ['an UPDATE that filters by tenant', 'src/tenancy/jobs.ts', (text) => text.replace('WHERE job_id = $1"', 'WHERE job_id = $1 AND tenant_id = $2"')],
      // Quiet only because a migration secures tenant_webhooks with row-level security and a policy.
      ['a query of a table that RLS secures', 'src/tenancy/jobs.ts', (text) => `${text}\nexport const hook = (pool: any) => pool.query('SELECT id FROM tenant_webhooks WHERE id = $1', [1]);\n`],
    ];
    for (const [what, file, edit] of [...edits, ...tenancyEdits]) {
      const { root, mapFile } = tenancyEdits.some(([other]) => other === what) ? tenancy : platform;
      writeFileSync(path.join(root, file), edit(readFileSync(path.join(root, file), 'utf8')));
      markRecordedVerdicts(root, mapFile);
      const outcome = await check(root, mapFile);
      expectSameReport(outcome, await fresh(root, mapFile), what);
      const reused = reusedFiles(outcome);
      expect(reused.has(file), what).toBe(false);
      expect(reused.size, what).toBe(outcome.filesScanned - 1);
    }
  });

  it('writes the verdicts of a re-run beside the full record, which stays as it was, until a full run replaces both', async () => {
    const { root, mapFile } = copyOfFixture('tenancy-service', path.join(FIXTURES, 'tenancy-service/ownership-map.yaml'));
    await check(root, mapFile);
    const record = readFileSync(resultFile(root), 'utf8');
    const edit = (file: string, text: string) => appendFileSync(path.join(root, file), text);

    edit('src/tenancy/jobs.ts', '\n// edited\n');
    await check(root, mapFile);
    edit('src/support/tenant-overview.ts', '\n// edited\n');
    const outcome = await check(root, mapFile);
    expect(readFileSync(resultFile(root), 'utf8')).toBe(record);
    const delta = readCacheJson<any>(deltaFile(root));
    expect(delta.changes.map((change: { file: string }) => change.file).sort()).toEqual(['src/support/tenant-overview.ts', 'src/tenancy/jobs.ts']);
    markRecordedVerdicts(root, mapFile);
    const again = await check(root, mapFile);
    expect(reusedFiles(again).size).toBe(outcome.filesScanned);
    expectSameReport(again, await fresh(root, mapFile));

    // A policy: every file is judged again and the full record written anew. The delta on disk extends
    // the record before; reading it over the new one would give the edited files their old verdicts.
    edit('migrations/003_row_level_security.sql', `\nCREATE POLICY tenant_isolation ON tenant_jobs USING (tenant_id = current_setting('app.tenant_id'));\n`);
    const full = await check(root, mapFile);
    expect(readFileSync(resultFile(root), 'utf8')).not.toBe(record);
    expect(existsSync(deltaFile(root))).toBe(true);
    // The delta's verdicts carry the marks of before: only the new record's may show.
    const stale = readCacheJson<any>(deltaFile(root));
    for (const change of stale.changes) delete change.verdict.notifications;
    writeCacheJson(deltaFile(root), stale);
    markRecordedVerdicts(root, mapFile, { delta: false });
    const last = await check(root, mapFile);
    expect(reusedFiles(last).size).toBe(full.filesScanned);
    expectSameReport(last, await fresh(root, mapFile));
  });

  it('analyses every file again when an edit changes what other files are judged by', async () => {
    const tenancy = copyOfFixture('tenancy-service', path.join(FIXTURES, 'tenancy-service/ownership-map.yaml'));
    const orm = copyOfFixture('orm-monorepo');
    const edits: Array<[string, { root: string; mapFile: string }, string, (text: string) => string]> = [
      // tenant_jobs gets the policy it lacked: rls-missing in 001 goes, tenant-filter-missing elsewhere may too.
      ['a policy in a migration', tenancy, 'migrations/003_row_level_security.sql', (text) => `${text}\nCREATE POLICY tenant_isolation ON tenant_jobs USING (tenant_id = current_setting('app.tenant_id'));\n`],
      ['a column added in a migration', tenancy, 'migrations/002_environment_variables.sql', (text) => `${text}\nALTER TABLE environment_variables ADD COLUMN tenant_id uuid;\n`],
      ['an ORM table declaration', orm, 'packages/shared/db-schema/src/billing.ts', (text) => text.replace("pgTable('usage_records'", "pgTable('usage_rows'")],
    ];
    for (const [what, { root, mapFile }, file, edit] of edits) {
      await check(root, mapFile);
      const before = await fresh(root, mapFile);
      writeFileSync(path.join(root, file), edit(readFileSync(path.join(root, file), 'utf8')));
      markRecordedVerdicts(root, mapFile);
      const outcome = await check(root, mapFile);
      const expected = await fresh(root, mapFile);
      expect(expected.findings, `${what} changes findings`).not.toEqual(before.findings);
      expectSameReport(outcome, expected, what);
      expect(reusedFiles(outcome).size, what).toBe(0);
    }
  });

  it('analyses everything again when the map, an option, the baseline, the day or the list of files changed', async () => {
    const { root, mapFile } = copyOfFixture();
    const changes: Array<[string, () => Partial<CheckOptions> | void]> = [
      ['a new file', () => writeFileSync(path.join(root, 'packages/gpuaas/inventory/src/new.ts'), 'export const n = 1;\n')],
      ['the map', () => appendFileSync(mapFile, '\n# a comment\n')],
      ['--rule', () => ({ rules: ['cross-domain-query'] })],
      ['the day', () => ({ today: '2031-01-01' })],
      ['the baseline', () => ({ baseline: [] })],
      ['--sql-parser', () => ({ sqlParser: 'pgsql-ast-parser' })],
      ['the paths', () => ({ paths: ['packages'] })],
    ];
    await check(root, mapFile);
    for (const [what, change] of changes) {
      markRecordedVerdicts(root, mapFile);
      const options = change() ?? {};
      const outcome = await check(root, mapFile, options);
      expect(reusedFiles(outcome).size, what).toBe(0);
      expect(outcome.findings.length, what).toBeGreaterThan(0);
      expectSameReport(outcome, await fresh(root, mapFile, options), what);
      // Recorded anew: the same run again is reused.
      markRecordedVerdicts(root, mapFile, { paths: options.paths });
      expect(reusedFiles(await check(root, mapFile, options)).size, `${what}, again`).toBe(outcome.filesScanned);
    }
  });

  it('reuses a partial run only when no repository file changed', async () => {
    const { root, mapFile } = copyOfFixture();
    const options = { paths: ['packages/gpuaas'] };
    await check(root, mapFile, options);
    markRecordedVerdicts(root, mapFile, options);
    expect(reusedFiles(await check(root, mapFile, options)).size).toBeGreaterThan(0);
    // A migration outside the paths: the repository rules read every one.
    appendFileSync(path.join(root, 'migrations/0002_feature_flags.sql'), '\n-- edited\n');
    markRecordedVerdicts(root, mapFile, options);
    const outcome = await check(root, mapFile, options);
    expect(reusedFiles(outcome).size).toBe(0);
    expectSameReport(outcome, await fresh(root, mapFile, options));
  });

  it('analyses again when a path resolution asked the disk about answers otherwise now', async () => {
    const files = {
      '.gitignore': 'generated/\n',
      'packages/shop/src/orders.ts': "import { client } from '../../../generated/client';\nexport const orders = client;\n",
    };
    const root = writeRepo(files);
    const mapFile = ROOT_MAP;
    await check(root, mapFile);
    markRecordedVerdicts(root, mapFile);
    expect(reusedFiles(await check(root, mapFile)).size).toBe(1);
    // Ignored, so not discovered: only the resolver's question to the disk sees it appear.
    mkdirSync(path.join(root, 'generated'), { recursive: true });
    writeFileSync(path.join(root, 'generated/client.ts'), 'export const client = 1;\n');
    expect(reusedFiles(await check(root, mapFile)).size).toBe(0);
  });

  it('counts a file changed within two seconds as changed, and records nothing for a run with a file not analysed', async () => {
    const { root, mapFile } = copyOfFixture();
    // The copy was just written: no file's stats are trusted, and the next run analyses every file again.
    const racy = await runCheckOrReuse({ root, mapFile, today: TODAY, cache: { dir: cacheDir(root) } });
    markRecordedVerdicts(root, mapFile);
    const next = await check(root, mapFile);
    expect(reusedFiles(next).size).toBe(0);
    expectSameReport(next, racy);

    rmSync(resultFile(root));
    writeFileSync(path.join(root, 'packages/gpuaas/inventory/src/deep.ts'), `export const v = ${'('.repeat(20_000)}1${')'.repeat(20_000)};\n`);
    const outcome = await check(root, mapFile);
    expect(outcome.findings.some((f) => f.ruleId === 'file-not-analysed' && f.level === 'error')).toBe(true);
    expect(existsSync(resultFile(root))).toBe(false);
  });

  it('ignores a damaged or foreign result file and records a fresh one', async () => {
    const { root, mapFile } = copyOfFixture();
    const first = await check(root, mapFile);
    const stored = readCacheJson<any>(resultFile(root));
    const withVerdict = (change: Record<string, unknown>) => JSON.stringify({ ...stored, verdicts: [{ ...stored.verdicts[0], ...change }, ...stored.verdicts.slice(1)] });
    const damages = [
      '{"format":1,"salt":"x","verd',
      JSON.stringify({ ...stored, salt: 'another run' }),
      withVerdict({ findings: [{ ruleId: 'x' }] }),
      withVerdict({ notifications: 'none' }),
      withVerdict({ evidence: [{ table: 'organizations', operation: 'create', statement: 0, line: 1, column: 1 }] }),
      withVerdict({ unanalysed: 'yes' }),
      JSON.stringify({ ...stored, verdicts: stored.verdicts.slice(1) }),
      JSON.stringify({ ...stored, stats: stored.stats.slice(1) }),
      JSON.stringify({ ...stored, disk: [['a', 1]] }),
    ];
    for (const damaged of damages) {
      writeCacheJson(resultFile(root), damaged);
      const outcome = await check(root, mapFile);
      expect(outcome.findings).toEqual(first.findings);
      expect(readCacheJson<any>(resultFile(root)).salt).toBe(stored.salt);
    }
  });

  it('writes the full record again when a delta would pass 1,000 files', async () => {
    const files = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`src/f${i}.ts`, `export const n${i} = ${i};\n`]));
    const root = writeRepo(files);
    await check(root, ROOT_MAP);
    const generation = () => readCacheJson<any>(resultFile(root)).generation;
    const first = generation();
    appendFileSync(path.join(root, 'src/f0.ts'), '// edited\n');
    await check(root, ROOT_MAP);
    expect(generation()).toBe(first);
    for (const [file, text] of Object.entries(files)) writeFileSync(path.join(root, file), `${text}// edited\n`);
    const outcome = await check(root, ROOT_MAP);
    expect(generation()).not.toBe(first);
    markRecordedVerdicts(root, ROOT_MAP, { delta: false });
    expect(reusedFiles(await check(root, ROOT_MAP)).size).toBe(outcome.filesScanned);
  });

  it('ignores a damaged or foreign delta: the files it names are analysed again', async () => {
    const { root, mapFile } = copyOfFixture();
    await check(root, mapFile);
    appendFileSync(path.join(root, CATALOG), `\nexport const bills = (db: any) => db.query('SELECT * FROM billing_ledger_entries');\n`);
    const edited = await check(root, mapFile);
    const delta = readCacheJson<any>(deltaFile(root));
    const [change] = delta.changes;
    const damages = [
      '{"format":1,"salt":"x","chan',
      JSON.stringify({ ...delta, base: 'another record' }),
      JSON.stringify({ ...delta, symbols: 'other declarations' }),
      JSON.stringify({ ...delta, changes: [{ ...change, file: 'elsewhere.ts' }] }),
      JSON.stringify({ ...delta, changes: [{ ...change, stat: 7 }] }),
      JSON.stringify({ ...delta, changes: [{ ...change, verdict: { ...change.verdict, findings: [{ ruleId: 'x' }] } }] }),
      JSON.stringify({ ...delta, disk: 'none' }),
    ];
    for (const damaged of damages) {
      writeCacheJson(deltaFile(root), damaged);
      markRecordedVerdicts(root, mapFile, { delta: false });
      const outcome = await check(root, mapFile);
      expectSameReport(outcome, edited, damaged.slice(0, 60));
      expect(reusedFiles(outcome).has(CATALOG)).toBe(false);
    }
  });

  it('gives `schema-guard check` the same report, byte for byte, when it reuses verdicts', async () => {
    const { root, mapFile } = copyOfFixture();
    const args = ['check', '--root', root, '--map', mapFile, '--cache-dir', cacheDir(root), '--format', 'sarif', '--quiet'];
    vi.setSystemTime(performance.timeOrigin + performance.now() + 60_000);
    const first = await runCli(args);
    expect(existsSync(resultFile(root))).toBe(true);
    const second = await runCli(args);
    expect(second.stdout).toBe(first.stdout);
    expect(second.exitCode).toBe(first.exitCode);

    // After an edit, from one new verdict and the recorded others: what a run without a cache reports.
    appendFileSync(path.join(root, CATALOG), `\nexport const bills = (db: any) => db.query('SELECT * FROM billing_ledger_entries');\n`);
    vi.setSystemTime(performance.timeOrigin + performance.now() + 60_000);
    const edited = await runCli(args);
    expect(existsSync(path.join(cacheDir(root), 'result-delta.json'))).toBe(true);
    const uncached = await runCli([...args.filter((arg, i) => arg !== '--cache-dir' && args[i - 1] !== '--cache-dir'), '--no-cache']);
    expect(edited.stdout).not.toBe(first.stdout);
    expect(edited.stdout).toBe(uncached.stdout);
    expect(edited.exitCode).toBe(uncached.exitCode);
  });
});
