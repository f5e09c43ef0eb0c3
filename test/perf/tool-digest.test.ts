import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readCacheJson, writeCacheJson } from '../helpers.js';
import { temporaryFolder } from '../temporary.js';

/** tool-digest.ts and cache.ts afresh: the digests are computed once per process (per module instance). */
async function freshModules() {
  vi.resetModules();
  const digest = await import('../../src/cache/tool-digest.js');
  const { CacheFolder } = await import('../../src/cache/folder.js');
  return { ...digest, CacheFolder };
}

const tempDir = () => temporaryFolder('schema-guard-digest-');

type Memo = { extraction: string; rest: string; files: Array<[string, string]>; folders: Array<[string, string]> };
const readMemo = (dir: string) => readCacheJson<Memo & Record<string, unknown>>(path.join(dir, 'code.json'));
const writeMemo = (dir: string, memo: Memo & Record<string, unknown>) => writeCacheJson(path.join(dir, 'code.json'), memo);

describe('the tool digest', () => {
  // As if some seconds had passed since the sources were last saved: stats taken right after a
  // change are not trusted, and an edit just before the test would keep the memo from being written.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 5000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is the same with or without a cache folder, and keeps the hashes of the code there with their stats', async () => {
    const dir = tempDir();
    const without = (await freshModules()).toolDigest();
    const fresh = await freshModules();
    expect(fresh.toolDigest(new fresh.CacheFolder(dir))).toBe(without);
    const memo = readMemo(dir);
    expect(memo.files.map(([file]) => path.basename(file))).toEqual(expect.arrayContaining(['tool-digest.ts', 'cross-domain-query.md']));
    expect(memo.folders.length).toBeGreaterThan(5);
    const again = await freshModules();
    expect(again.toolDigest(new again.CacheFolder(dir))).toBe(without);
    expect(again.codeSalt()).toBe((await freshModules()).codeSalt());
  });

  it('takes the kept hashes while every stat holds, and hashes the code again when one moved', async () => {
    const dir = tempDir();
    const real = await freshModules();
    const digest = real.toolDigest(new real.CacheFolder(dir));
    // Planted hashes show whether the memo is read.
    const planted = { ...readMemo(dir), extraction: 'planted', rest: 'planted' };
    writeMemo(dir, planted);
    const trusting = await freshModules();
    expect(trusting.toolDigest(new trusting.CacheFolder(dir))).not.toBe(digest);

    // A file rewritten (its stats moved) or a file added or removed (its folder's stats moved).
    for (const moved of [
      { ...planted, files: planted.files.map(([file, stat], k): [string, string] => [file, k === 3 ? `${stat}x` : stat]) },
      { ...planted, folders: planted.folders.map(([folder, stat], k): [string, string] => [folder, k === 1 ? `${stat}x` : stat]) },
    ]) {
      writeMemo(dir, moved);
      const checking = await freshModules();
      expect(checking.toolDigest(new checking.CacheFolder(dir))).toBe(digest);
    }
  });

  it('treats a damaged memo as none', async () => {
    const dir = tempDir();
    const real = await freshModules();
    const digest = real.toolDigest(new real.CacheFolder(dir));
    const memo = readMemo(dir);
    for (const damage of ['{"format":1,"sal', JSON.stringify({ ...memo, files: [['a']] }), JSON.stringify({ ...memo, rest: 7 })]) {
      writeCacheJson(path.join(dir, 'code.json'), damage);
      const next = await freshModules();
      expect(next.toolDigest(new next.CacheFolder(dir))).toBe(digest);
    }
  });
});
