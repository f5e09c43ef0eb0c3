import { appendFileSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCheck, runCheckOrReuse, type CheckOptions } from '../../src/check.js';
import { REPO_ROOT, ROOT_MAP, runCli, writeRepo } from '../helpers.js';

const FIXTURE = path.join(REPO_ROOT, 'fixtures/platform-monorepo');
const TODAY = '2026-06-01';
const CATALOG = 'packages/gpuaas/inventory/src/catalog.ts';

/** A copy of the fixture with its own copy of the map, so that both can change. */
function copyOfFixture(): { root: string; mapFile: string } {
  const root = path.join(mkdtempSync(path.join(os.tmpdir(), 'schema-guard-result-')), 'repo');
  cpSync(FIXTURE, root, { recursive: true });
  const mapFile = path.join(root, '..', 'ownership-map.yaml');
  copyFileSync(ROOT_MAP, mapFile);
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

/** Marks the recorded outcome, so that a run which reuses it shows it: its only finding-free note. */
function markRecordedOutcome(root: string): void {
  const stored = JSON.parse(readFileSync(resultFile(root), 'utf8'));
  stored.outcome.findings = [];
  stored.outcome.notifications = [{ level: 'note', file: 'marker', message: 'recorded outcome' }];
  writeFileSync(resultFile(root), JSON.stringify(stored));
}

const reused = (outcome: Awaited<ReturnType<typeof runCheckOrReuse>>) => outcome.notifications.some((n) => n.file === 'marker');

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
    const fresh = await runCheck({ root, mapFile, today: TODAY });
    expect(again.findings).toEqual(fresh.findings);
    expect(again.findings).toEqual(first.findings);
    expect(again.notifications).toEqual(fresh.notifications);
    expect(again.frameworks).toEqual(fresh.frameworks);
    expect(again.filesScanned).toBe(fresh.filesScanned);
    expect(again.findings.length).toBeGreaterThan(10);

    markRecordedOutcome(root);
    expect(reused(await check(root, mapFile))).toBe(true);
  });

  it('analyses again when a file, the map, an option, the baseline or the day changed', async () => {
    const { root, mapFile } = copyOfFixture();
    const changes: Array<[string, () => Partial<CheckOptions> | void]> = [
      ['a file’s content', () => appendFileSync(path.join(root, CATALOG), '\n// edited\n')],
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
      markRecordedOutcome(root);
      const options = change() ?? {};
      const outcome = await check(root, mapFile, options);
      expect(reused(outcome), what).toBe(false);
      expect(outcome.findings.length, what).toBeGreaterThan(0);
      // Recorded anew: the same run again is reused.
      markRecordedOutcome(root);
      expect(reused(await check(root, mapFile, options)), `${what}, again`).toBe(true);
    }
  });

  it('analyses again when a path resolution asked the disk about answers otherwise now', async () => {
    const files = {
      '.gitignore': 'generated/\n',
      'packages/shop/src/orders.ts': "import { client } from '../../../generated/client';\nexport const orders = client;\n",
    };
    const root = writeRepo(files);
    const mapFile = ROOT_MAP;
    await check(root, mapFile);
    markRecordedOutcome(root);
    expect(reused(await check(root, mapFile))).toBe(true);
    // Ignored, so not discovered: only the resolver's question to the disk sees it appear.
    mkdirSync(path.join(root, 'generated'), { recursive: true });
    writeFileSync(path.join(root, 'generated/client.ts'), 'export const client = 1;\n');
    expect(reused(await check(root, mapFile))).toBe(false);
  });

  it('records nothing while a file changed within two seconds, nor for a run with errors', async () => {
    const { root, mapFile } = copyOfFixture();
    await runCheckOrReuse({ root, mapFile, today: TODAY, cache: { dir: cacheDir(root) } });
    expect(existsSync(resultFile(root))).toBe(false);

    writeFileSync(path.join(root, 'packages/gpuaas/inventory/src/deep.ts'), `export const v = ${'('.repeat(20_000)}1${')'.repeat(20_000)};\n`);
    const outcome = await check(root, mapFile);
    expect(outcome.notifications.some((n) => n.level === 'error')).toBe(true);
    expect(existsSync(resultFile(root))).toBe(false);
  });

  it('ignores a damaged or foreign result file and records a fresh one', async () => {
    const { root, mapFile } = copyOfFixture();
    const first = await check(root, mapFile);
    const stored = JSON.parse(readFileSync(resultFile(root), 'utf8'));
    const damages = [
      '{"format":1,"salt":"x","outc',
      JSON.stringify({ ...stored, salt: 'another run' }),
      JSON.stringify({ ...stored, outcome: { ...stored.outcome, findings: [{ ruleId: 'x' }] } }),
      JSON.stringify({ ...stored, outcome: { ...stored.outcome, notifications: 'none' } }),
      JSON.stringify({ ...stored, disk: [['a', 1]] }),
    ];
    for (const damaged of damages) {
      writeFileSync(resultFile(root), damaged);
      const outcome = await check(root, mapFile);
      expect(outcome.findings).toEqual(first.findings);
      expect(JSON.parse(readFileSync(resultFile(root), 'utf8')).salt).toBe(stored.salt);
    }
  });

  it('gives `schema-guard check` the same report, byte for byte, when it reuses the outcome', async () => {
    const { root, mapFile } = copyOfFixture();
    const args = ['check', '--root', root, '--map', mapFile, '--cache-dir', cacheDir(root), '--format', 'sarif', '--quiet'];
    vi.setSystemTime(performance.timeOrigin + performance.now() + 60_000);
    const first = await runCli(args);
    expect(existsSync(resultFile(root))).toBe(true);
    const second = await runCli(args);
    expect(second.stdout).toBe(first.stdout);
    expect(second.exitCode).toBe(first.exitCode);
  });
});
