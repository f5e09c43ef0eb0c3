import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck, type CheckOptions } from '../../src/check.js';
import { main } from '../../src/cli/main.js';
import { FactsCache } from '../../src/cache/facts.js';
import { CacheFolder, defaultCacheDir } from '../../src/cache/folder.js';
import { statKey } from '../../src/cache/freshness.js';
import { cacheSalt } from '../../src/cache/tool-digest.js';
import type { FileFacts } from '../../src/facts/types.js';
import { brief, REPO_ROOT, ROOT_MAP, writeRepo, readCacheJson, writeCacheJson } from '../helpers.js';
import { temporaryFolder } from '../temporary.js';

const FIXTURE = path.join(REPO_ROOT, 'fixtures/platform-monorepo');
const tempDir = () => temporaryFolder('schema-guard-cache-');
const copyOfFixture = () => {
  const root = path.join(tempDir(), 'repo');
  cpSync(FIXTURE, root, { recursive: true });
  return root;
};
const facts = (file: string, table = 'nodes'): FileFacts => ({
  file,
  language: 'sql',
  imports: [],
  accesses: [{ table: { name: table }, operation: 'read', statement: 0, line: 1, column: 15 }],
  sqlErrors: [],
  suppressions: [],
  notes: [],
});
const check = (root: string, options: Partial<CheckOptions> = {}) =>
  runCheck({ root, mapFile: ROOT_MAP, cache: { dir: path.join(root, '.schema-guard-cache') }, ...options });

describe('FactsCache', () => {
  it('returns stored facts for the same content hash after a reload, and nothing for another', () => {
    const dir = tempDir();
    const cache = new FactsCache(new CacheFolder(dir), 'salt');
    cache.set('a.sql', 'h1', facts('a.sql'), undefined);
    expect(cache.save()).toBeUndefined();
    const reloaded = new FactsCache(new CacheFolder(dir), 'salt');
    expect(reloaded.byHash('a.sql', 'h1', undefined)).toEqual(facts('a.sql'));
    expect(reloaded.byHash('a.sql', 'h2', undefined)).toBeUndefined();
    expect(reloaded.byHash('b.sql', 'h1', undefined)).toBeUndefined();
  });

  it('reads back every character as it was written', () => {
    const dir = tempDir();
    const text = 'caf\u00e9 \u2026 \u2028 \ud83d\ude00 "quoted" \\ back';
    expect(new CacheFolder(dir).write([{ name: 'x.json', salt: 's', content: { text } }])).toBeUndefined();
    expect(new CacheFolder(dir).read('x.json', 's')?.text).toBe(text);
  });

  it('ignores entries written with another salt (tool build or SQL parser)', () => {
    const dir = tempDir();
    const cache = new FactsCache(new CacheFolder(dir), 'one');
    cache.set('a.sql', 'h1', facts('a.sql'), undefined);
    cache.save();
    expect(new FactsCache(new CacheFolder(dir), 'two').byHash('a.sql', 'h1', undefined)).toBeUndefined();
    expect(cacheSalt('libpg-query')).not.toBe(cacheSalt('pgsql-ast-parser'));
    expect(cacheSalt('libpg-query')).toBe(cacheSalt('libpg-query'));
  });

  it('treats a corrupt or malformed shard as empty, and rewrites it', () => {
    const dir = tempDir();
    const cache = new FactsCache(new CacheFolder(dir), 'salt');
    cache.set('a.sql', 'h1', facts('a.sql'), undefined);
    cache.save();
    const [shard] = readdirSync(dir);
    for (const damage of ['{"format":1,"salt":"salt","entr', '[]', '{"format":1,"salt":"salt","entries":{"a.sql":{"hash":"h1","facts":{"file":"b.sql"}}}}']) {
      writeCacheJson(path.join(dir, shard!), damage);
      const reloaded = new FactsCache(new CacheFolder(dir), 'salt');
      expect(reloaded.byHash('a.sql', 'h1', undefined)).toBeUndefined();
      reloaded.set('a.sql', 'h1', facts('a.sql'), undefined);
      expect(reloaded.save()).toBeUndefined();
      expect(new FactsCache(new CacheFolder(dir), 'salt').byHash('a.sql', 'h1', undefined)).toEqual(facts('a.sql'));
    }
  });

  it('writes only shard files inside its directory, leaving no temporary files', () => {
    const parent = tempDir();
    const dir = path.join(parent, 'nested', 'cache');
    const cache = new FactsCache(new CacheFolder(dir), 'salt');
    for (let i = 0; i < 50; i++) cache.set(`f${i}.sql`, 'h', facts(`f${i}.sql`), undefined);
    expect(cache.save()).toBeUndefined();
    expect(readdirSync(parent)).toEqual(['nested']);
    expect(readdirSync(path.join(parent, 'nested'))).toEqual(['cache']);
    expect(readdirSync(dir).every((name) => /^facts-\d\d\.json$/.test(name))).toBe(true);
  });

  it('does not write through a link that leads out of the repository it lies in', () => {
    const root = tempDir();
    const elsewhere = tempDir();
    mkdirSync(path.join(root, 'node_modules', '.cache'), { recursive: true });
    const inside = path.join(root, 'node_modules', '.cache', 'schema-guard');
    symlinkSync(elsewhere, inside);
    const cache = new FactsCache(new CacheFolder(inside, root), 'salt');
    cache.set('a.sql', 'h', facts('a.sql'), undefined);
    expect(cache.save()).toMatch(/leads outside/);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('drops entries of files that are gone, when told the whole repository', () => {
    const dir = tempDir();
    const cache = new FactsCache(new CacheFolder(dir), 'salt');
    cache.set('kept.sql', 'h', facts('kept.sql'), undefined);
    cache.set('gone.sql', 'h', facts('gone.sql'), undefined);
    cache.save();
    const next = new FactsCache(new CacheFolder(dir), 'salt');
    next.retainOnly(new Set(['kept.sql']));
    next.save();
    const last = new FactsCache(new CacheFolder(dir), 'salt');
    expect(last.byHash('kept.sql', 'h', undefined)).toBeDefined();
    expect(last.byHash('gone.sql', 'h', undefined)).toBeUndefined();
  });

  it('finds unchanged files by their recorded stats, which a content hash hit keeps up to date', () => {
    const dir = tempDir();
    const cache = new FactsCache(new CacheFolder(dir), 'salt');
    cache.set('a.sql', 'h', facts('a.sql'), 'stat-1');
    cache.save();
    const next = new FactsCache(new CacheFolder(dir), 'salt');
    expect(next.byStat('a.sql', 'stat-1')).toEqual(facts('a.sql'));
    expect(next.byStat('a.sql', 'stat-2')).toBeUndefined();
    expect(next.byHash('a.sql', 'h', 'stat-2')).toEqual(facts('a.sql'));
    next.save();
    expect(new FactsCache(new CacheFolder(dir), 'salt').byStat('a.sql', 'stat-2')).toEqual(facts('a.sql'));
  });
});

describe('statKey', () => {
  it('stands for a regular file changed more than two seconds ago, never for a fresh change or a link', () => {
    const root = writeRepo({ 'a.sql': 'select 1;\n' });
    const file = path.join(root, 'a.sql');
    // Just written: a second write in the same clock tick could leave every stat as it is.
    expect(statKey(file)).toBeUndefined();
    const later = Date.now() + 5000;
    const before = statKey(file, later);
    expect(before).toMatch(/^\d+:/);
    writeFileSync(file, 'select 22;\n');
    expect(statKey(file, later)).not.toBe(before);
    symlinkSync(file, path.join(root, 'link.sql'));
    expect(statKey(path.join(root, 'link.sql'), later)).toBeUndefined();
    expect(statKey(path.join(root, 'missing.sql'), later)).toBeUndefined();
  });
});

describe('runs with a cache', () => {
  it('give the findings and facts of a run without one', async () => {
    const root = copyOfFixture();
    const uncached = await runCheck({ root, mapFile: ROOT_MAP });
    const cold = await check(root);
    const warm = await check(root);
    expect(brief(cold.findings)).toEqual(brief(uncached.findings));
    expect(warm.findings).toEqual(uncached.findings);
    expect(warm.facts).toEqual(uncached.facts);
    expect(warm.notifications).toEqual(uncached.notifications);
  });

  it('serve facts from the cache until the file content changes', async () => {
    const root = copyOfFixture();
    const file = 'packages/gpuaas/inventory/src/catalog.ts';
    const finding = `cross-domain-query ${file}:22:59 pricing_plans`;
    expect(brief((await check(root)).findings)).toContain(finding);

    // Emptying the cached accesses proves the next run reads them from the cache.
    const dir = path.join(root, '.schema-guard-cache');
    for (const shard of readdirSync(dir).filter((name) => name.startsWith('facts-'))) {
      const parsed = readCacheJson<any>(path.join(dir, shard));
      if (parsed.entries[file]) {
        parsed.entries[file].facts.accesses = [];
        writeCacheJson(path.join(dir, shard), parsed);
      }
    }
    expect(brief((await check(root)).findings)).not.toContain(finding);

    writeFileSync(path.join(root, file), readFileSync(path.join(root, file), 'utf8') + '\n// edited\n');
    expect(brief((await check(root)).findings)).toContain(finding);
  });

  it('answer files saved again with the same content by their hash, without starting an extraction', async () => {
    const root = copyOfFixture();
    const cold = await check(root);
    const file = path.join(root, 'packages/gpuaas/inventory/src/catalog.ts');
    writeFileSync(file, readFileSync(file)); // new stats, same content
    const progress: Array<[number, number]> = [];
    const again = await check(root, { onProgress: (done, total) => progress.push([done, total]) });
    // Every file is done before any extraction lane starts: nothing was analysed.
    expect(progress).toEqual([[cold.filesScanned, cold.filesScanned]]);
    expect(again.findings).toEqual(cold.findings);
    expect(again.facts).toEqual(cold.facts);
  });

  it('resolve imports on every run, so a changed layout is seen without the importing file changing', async () => {
    const files = {
      'package.json': '{ "name": "acme", "private": true }\n',
      'packages/gpuaas/provisioning/package.json': '{ "name": "@acme/gpuaas-provisioning" }\n',
      'packages/gpuaas/provisioning/src/a.ts': "import { x } from '@acme/billing-internal';\nexport const y = x;\n",
      'packages/platform/billing/src/internal/ledger.ts': 'export const x = 1;\n',
    };
    const root = writeRepo(files);
    const importFinding = (findings: Awaited<ReturnType<typeof check>>['findings']) => findings.filter((f) => f.ruleId === 'cross-domain-import');
    expect(importFinding((await check(root)).findings)).toEqual([]);
    writeFileSync(path.join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { paths: { '@acme/billing-internal': ['packages/platform/billing/src/internal/ledger.ts'] } } }));
    const after = await check(root);
    expect(after.facts.find((f) => f.file === 'packages/gpuaas/provisioning/src/a.ts')?.imports[0]?.resolved).toBe('packages/platform/billing/src/internal/ledger.ts');
    expect(importFinding(after.findings)).toHaveLength(1);
  });

  it('that cannot write the cache say so in a note, and find what a run without a cache finds', async () => {
    const root = copyOfFixture();
    const blocker = path.join(tempDir(), 'a-file');
    writeFileSync(blocker, 'not a folder\n');
    const result = await runCheck({ root, mapFile: ROOT_MAP, cache: { dir: path.join(blocker, 'cache') } });
    const uncached = await runCheck({ root, mapFile: ROOT_MAP });
    expect(result.notifications).toContainEqual({
      level: 'note',
      message: `Facts were not cached: the cache directory ${path.join(blocker, 'cache')} could not be written (${blocker} is not a directory).`,
    });
    expect(result.findings).toEqual(uncached.findings);
  });

  it('follow a changed map without invalidating facts: rules run after the cache', async () => {
    const root = writeRepo({ 'packages/gpuaas/provisioning/src/orgs.ts': "export const load = () => pool.query('SELECT * FROM organizations');\n" });
    expect(brief((await check(root)).findings)).toEqual(['cross-domain-query packages/gpuaas/provisioning/src/orgs.ts:1:53 organizations']);
    const map = path.join(root, 'map.yaml');
    writeFileSync(map, readFileSync(ROOT_MAP, 'utf8').replace('folders: [packages/platform/iam/**, packages/platform/auth/**]', 'folders: [packages/platform/iam/**, packages/gpuaas/provisioning/**]'));
    expect((await check(root, { mapFile: map })).findings.filter((f) => f.ruleId === 'cross-domain-query')).toEqual([]);
  });
});

describe('schema-guard check and the cache', () => {
  const run = (args: string[]) => main(args, { stdout: { write: () => true }, stderr: { write: () => true } });

  it("caches in the user's cache folder by default, in --cache-dir when given, and nowhere with --no-cache; never in the repository unasked", async () => {
    const root = writeRepo({ 'migrations/1.sql': 'CREATE TABLE scratch (id int);\n' });
    await run(['check', '--root', root, '--map', ROOT_MAP, '--no-cache', '--quiet']);
    expect(existsSync(path.join(root, 'node_modules'))).toBe(false);
    await run(['check', '--root', root, '--map', ROOT_MAP, '--quiet']);
    expect(readdirSync(root)).toEqual(['migrations']);
    expect(defaultCacheDir(root).startsWith(path.join(process.env.XDG_CACHE_HOME!, 'schema-guard') + path.sep)).toBe(true);
    const cacheFiles = ['facts-18.json', 'map.json', 'prepass.json', 'result.json'];
    // The listing is kept only once the repository's folders are two seconds old: maybe, on a slow machine.
    const kept = (dir: string) => readdirSync(dir).filter((file) => file !== 'listing.json');
    expect(kept(defaultCacheDir(root))).toEqual(cacheFiles);
    const elsewhere = path.join(tempDir(), 'cache');
    await run(['check', '--root', root, '--map', ROOT_MAP, '--cache-dir', elsewhere, '--quiet']);
    expect(kept(elsewhere)).toEqual(cacheFiles);
  });

  it('reports a map broken after a cached run as it would without a cache, and its repair finds what it found before', async () => {
    const root = writeRepo({ 'packages/gpuaas/provisioning/src/orgs.ts': "export const load = () => pool.query('SELECT * FROM organizations');\n" });
    const map = path.join(root, 'map.yaml');
    const text = readFileSync(ROOT_MAP, 'utf8');
    writeFileSync(map, text);
    const checkWithMap = async () => {
      let stdout = '';
      let stderr = '';
      const exitCode = await main(['check', '--root', root, '--map', map, '--format', 'json'], { stdout: { write: (s: string) => ((stdout += s), true) }, stderr: { write: (s: string) => ((stderr += s), true) } });
      return { exitCode, stdout, stderr };
    };
    const before = await checkWithMap();
    writeFileSync(map, text.replace('version: 1', 'version: 2'));
    const broken = await checkWithMap();
    expect(broken.exitCode).toBe(2);
    expect(broken.stderr).toMatch(/map\.yaml:\d+:\d+: version: expected 1, found a number \(2\)/);
    writeFileSync(map, text);
    expect(await checkWithMap()).toEqual(before);
  });
});
