/**
 * Patterns and maps from a pull request that try to hang the run or exhaust its memory: globs that
 * make backtracking matchers take minutes, alias-expanded and oversized maps, keys YAML can only
 * stringify. Each test builds its repository in a temporary folder, removed afterwards, and asserts
 * the outcome; none measures time (a hang shows as the test's generous timeout).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, SMALL_MAP, VIOLATING_FILE } from './cli-run.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function repo(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'schema-guard-hostile-patterns-'));
  made.push(root);
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  }
  return root;
}

/** A path of `depth` folders named `a` under the shop package: matching-looking for `**\/a` globs. */
const DEEP = `packages/shop/${Array(300).fill('a').join('/')}/deep.ts`;
const REPEATED_GLOBSTARS = `${Array(40).fill('**/a').join('/')}/b`;
const findingsOf = (stdout: string) => (JSON.parse(stdout) as { findings: Array<{ ruleId: string; file: string }> }).findings;

describe('patterns that made matching backtrack for minutes', () => {
  it('map folder globs of repeated `**/a` segments', async () => {
    const map = SMALL_MAP.replace('folders: [packages/shop/**]', `folders: [packages/shop/**, "${REPEATED_GLOBSTARS}"]`);
    const root = repo({ 'ownership-map.yaml': map, ...VIOLATING_FILE, [DEEP]: "export const q = () => pool.query('SELECT * FROM accounts');\n" });
    const result = await runCli(['--root', root, '--no-cache', '--format', 'json']);
    expect(result.exitCode).toBe(0);
    expect(findingsOf(result.stdout).map((finding) => finding.file).sort()).toEqual([DEEP, 'packages/shop/src/orders.ts']);
  }, 120_000);

  it('map ignore globs of repeated `**/a` segments', async () => {
    const map = `${SMALL_MAP}ignore: ["${REPEATED_GLOBSTARS}"]\n`;
    const root = repo({ 'ownership-map.yaml': map, ...VIOLATING_FILE, [DEEP]: 'export const x = 1;\n' });
    const result = await runCli(['--root', root, '--no-cache', '--format', 'json']);
    expect(findingsOf(result.stdout).map((finding) => finding.file)).toEqual(['packages/shop/src/orders.ts']);
  }, 120_000);

  it('exception `tables:` globs of many `*` against a long table name', async () => {
    // As long as PostgreSQL names go: a backtracking matcher would try every way 60 `*` can split it.
    const table = 'a'.repeat(63);
    const map = `${SMALL_MAP.replace('tables: [accounts]', `tables: [accounts, ${table}]`)}exceptions:
  - id: hostile
    reason: tries to hang the matcher
    link: docs/none.md
    rules: [cross-domain-query]
    tables: ["${'*a'.repeat(60)}b"]
`;
    const root = repo({ 'ownership-map.yaml': map, 'packages/shop/src/orders.ts': `export const load = () => pool.query('SELECT * FROM ${table}');\n` });
    const result = await runCli(['--root', root, '--no-cache', '--format', 'json']);
    expect(findingsOf(result.stdout).filter((finding) => finding.ruleId === 'cross-domain-query').map((finding) => finding.file)).toEqual(['packages/shop/src/orders.ts']);
  }, 120_000);

  it('.gitignore lines of repeated `**/a` segments, which cannot hide the violation', async () => {
    const root = repo({
      'ownership-map.yaml': SMALL_MAP,
      ...VIOLATING_FILE,
      '.gitignore': `${REPEATED_GLOBSTARS}\n${'*a'.repeat(200)}b\n`,
      [DEEP]: "export const q = () => pool.query('SELECT * FROM accounts');\n",
    });
    const result = await runCli(['--root', root, '--no-cache', '--format', 'json']);
    expect(findingsOf(result.stdout).map((finding) => finding.file).sort()).toEqual([DEEP, 'packages/shop/src/orders.ts']);
  }, 120_000);
});

describe('maps that exhausted memory', () => {
  /** Runs a check on a repository with this map; returns its result and every Node warning it printed. */
  async function checkWithMap(map: string) {
    const root = repo({ 'ownership-map.yaml': map, ...VIOLATING_FILE });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      return { ...(await runCli(['--root', root, '--no-cache'])), warnings };
    } finally {
      process.off('warning', onWarning);
    }
  }

  it('a 105 kB map of aliases to one long list: refused at the alias, before the values are built', async () => {
    const domains = Array.from({ length: 99 }, (_, i) => `  d${i}:\n    name: D\n    kind: product\n    folders: *globs\n`).join('');
    const result = await checkWithMap(`version: 1\nignore: &globs [${Array(20_000).fill('p/**').join(',')}]\ndomains:\n${domains}families: []\n`);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/ownership-map\.yaml:7:14: expected at most 50,000 values, aliases expanded: the map holds more\n$/);
  }, 120_000);

  it('a 2 MB map of 200,000 globs: refused before it is parsed', async () => {
    const globs = Array.from({ length: 200_000 }, (_, i) => `g${i}/**`).join(',');
    const result = await checkWithMap(`version: 1\ndomains:\n  shop:\n    name: Shop\n    kind: product\n    folders: [${globs}]\nfamilies: []\n`);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/ownership-map\.yaml:1:1: expected at most 400,000 YAML tokens: the map holds more\n$/);
  }, 120_000);

  it('a map of more globs than the matcher should be asked to try on every file', async () => {
    const globs = Array.from({ length: 10_001 }, (_, i) => `g${i}/**`).join(',');
    const result = await checkWithMap(SMALL_MAP.replace('folders: [packages/shop/**]', `folders: [packages/shop/**, ${globs}]`));
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/expected at most 10,000 globs in the map: it holds 10,003\n$/);
  }, 120_000);

  it('complex keys: a located error, and no warning from Node', async () => {
    const result = await checkWithMap(`${SMALL_MAP}? [a, b]\n: c\n? { x: 1 }\n: d\n`);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/ownership-map\.yaml:20:3: expected a plain key \(a name\), found a list\n.*ownership-map\.yaml:22:3: expected a plain key \(a name\), found a mapping\n$/);
    expect(result.warnings).toEqual([]);
  });
});
