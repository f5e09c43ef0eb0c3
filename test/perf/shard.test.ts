import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesOfShard, parseShard } from '../../src/discover/shard.js';
import { REPO_ROOT, ROOT_MAP, runCli } from '../helpers.js';
import { temporaryFolder } from '../temporary.js';

const run = runCli;

const FIXTURE = path.join(REPO_ROOT, 'fixtures/platform-monorepo');
const outDir = () => temporaryFolder('schema-guard-shard-');

describe('--shard i/n', () => {
  it('parses i/n with 1 ≤ i ≤ n and explains anything else', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/4', '5/4', '1/0', '2', 'a/b', '1/2/3', '-1/2', '']) expect(() => parseShard(bad)).toThrow(/i\/n|1 ≤ i ≤ n/);
  });

  it('splits files into disjoint parts that together are all of them, the same on every run', () => {
    const files = Array.from({ length: 500 }, (_, i) => `packages/p${i % 7}/src/file-${i}.ts`);
    const parts = [1, 2, 3, 4].map((index) => filesOfShard(files, { index, count: 4 }));
    expect(parts.flat().sort()).toEqual([...files].sort());
    for (const part of parts) expect(part.length).toBeGreaterThan(80);
    expect(filesOfShard(files, { index: 2, count: 4 })).toEqual(parts[1]);
  });

  it('rejects a malformed value with exit code 2 and a message', async () => {
    for (const bad of ['0/2', '3/2', 'half']) {
      const result = await run(['check', '--root', FIXTURE, '--map', ROOT_MAP, '--shard', bad]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(/--shard/);
    }
  });

  for (const format of ['json', 'sarif'] as const) {
    it(`merges the ${format} reports of every shard into the report of one whole run`, async () => {
      const dir = outDir();
      const out = (name: string) => path.join(dir, `${name}.${format}`);
      const args = ['check', '--root', FIXTURE, '--map', ROOT_MAP, '--format', format, '--no-cache', '--quiet'];
      expect((await run([...args, '--output', out('whole')])).exitCode).not.toBe(2);
      for (const index of [1, 2, 3]) expect((await run([...args, '--shard', `${index}/3`, '--output', out(`part${index}`)])).exitCode).not.toBe(2);
      const merged = await run(['merge', out('part1'), out('part2'), out('part3'), '--output', out('merged')]);
      expect(merged.exitCode).toBe(0);

      const whole = JSON.parse(readFileSync(out('whole'), 'utf8'));
      const parts = [1, 2, 3].map((index) => JSON.parse(readFileSync(out(`part${index}`), 'utf8')));
      const count = (report: typeof whole) => (format === 'json' ? report.findings.length : report.runs[0].results.length);
      expect(parts.every((part) => count(part) > 0 && count(part) < count(whole))).toBe(true);
      expect(JSON.parse(readFileSync(out('merged'), 'utf8'))).toEqual(whole);
    });
  }

  it("reports the map's own findings in the first shard only, so a merged report holds them once", async () => {
    const root = path.join(outDir(), 'repo');
    cpSync(FIXTURE, root, { recursive: true });
    const map = readFileSync(ROOT_MAP, 'utf8').replace('  - id: cmd-api-multi-domain\n', '  - id: cmd-api-multi-domain\n    expires: 2020-01-01\n');
    writeFileSync(path.join(root, 'ownership-map.yaml'), map);
    const expired = async (...extra: string[]) =>
      JSON.parse((await run(['check', '--root', root, '--format', 'json', '--no-cache', '--quiet', ...extra])).stdout).findings
        .filter((finding: { ruleId: string }) => finding.ruleId === 'expired-exception').length;
    expect(await expired()).toBe(1);
    expect([await expired('--shard', '1/2'), await expired('--shard', '2/2')]).toEqual([1, 0]);
  });

  it('merge refuses what it cannot merge, with exit code 2', async () => {
    const dir = temporaryFolder('schema-guard-merge-');
    const file = (name: string, content: unknown) => {
      writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
      return path.join(dir, name);
    };
    const report = (version: string) => ({ version, findings: [], summary: { filesScanned: 1 }, notifications: [], errors: [] });
    const cases: Array<[string[], RegExp]> = [
      [[path.join(dir, 'missing.json')], /Cannot read .*missing\.json: ENOENT/],
      [[file('text.json', 'not json')], /not a JSON or SARIF report/],
      [[file('other.json', { findings: 'x' })], /not a JSON report of schema-guard/],
      [[file('a.json', report('1.0.0')), file('b.json', report('2.0.0'))], /different schema-guard versions/],
      [[file('c.json', report('1.0.0')), '--format', 'sarif'], /not a SARIF report of schema-guard/],
    ];
    for (const [args, message] of cases) {
      const result = await run(['merge', ...args]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  });
});
