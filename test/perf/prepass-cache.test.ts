import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { discoverFiles, discoverManifests, discoverPrismaSchemas } from '../../src/discover/files.js';
import { CacheFolder } from '../../src/cache/folder.js';
import { statKey } from '../../src/cache/freshness.js';
import { collectRepoSymbols } from '../../src/extract/orm/collect.js';
import { SourceTexts } from '../../src/extract/read-source.js';
import { ImportResolver } from '../../src/extract/resolve-imports.js';
import { writeRepo, readCacheJson, writeCacheJson } from '../helpers.js';

const TABLES = `import { pgTable } from 'drizzle-orm/pg-core';\nexport const users = pgTable('users', {});\n`;

/** The pre-pass as check runs it, with a cache folder, counting the files it reads. */
async function prepass(root: string, cacheDir: string) {
  const files = discoverFiles({ root });
  const read: string[] = [];
  const texts = new SourceTexts(root);
  const symbols = await collectRepoSymbols({
    files,
    prismaSchemas: discoverPrismaSchemas({ root }),
    resolver: new ImportResolver(root, files, discoverManifests(root)),
    readText: (file) => {
      read.push(file);
      return texts.read(file);
    },
    cache: { folder: new CacheFolder(cacheDir), statOf: (file) => statKey(path.join(root, file)) },
  });
  return { symbols, read };
}

/** Runs the pre-pass as if some seconds had passed since the files were written: stats taken right after a write are not trusted. */
async function prepassLater(root: string, cacheDir: string) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + 5000);
  return prepass(root, cacheDir);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the cached repository pre-pass', () => {
  const repo = () =>
    writeRepo({
      'db/tables.ts': TABLES,
      'db/index.ts': `export * from './tables';\n`,
      'app/orders.ts': `import { users } from '../db';\nexport const n = 1;\n`,
    });

  it('reads no file when nothing changed, and gives the same symbol table', async () => {
    const root = repo();
    const cacheDir = path.join(root, '.cache');
    const first = await prepass(root, cacheDir);
    expect(first.read.sort()).toEqual(['app/orders.ts', 'db/index.ts', 'db/tables.ts']);
    // Stats taken within seconds of a write are not trusted: this run reads the files again and records them.
    expect((await prepassLater(root, cacheDir)).read).toHaveLength(3);
    const warm = await prepassLater(root, cacheDir);
    expect(warm.read).toEqual([]);
    expect(warm.symbols.data).toEqual(first.symbols.data);
  });

  it('serves the symbol table from the cache until a candidate file changes', async () => {
    const root = repo();
    const cacheDir = path.join(root, '.cache');
    await prepass(root, cacheDir);
    // Replacing the stored table proves the next run takes it from the cache.
    const stored = readCacheJson(path.join(cacheDir, 'prepass.json'));
    stored.symbols.data.exports = {};
    writeCacheJson(path.join(cacheDir, 'prepass.json'), stored);
    expect((await prepass(root, cacheDir)).symbols.data.exports).toEqual({});

    writeFileSync(path.join(root, 'db/tables.ts'), TABLES.replace("'users'", "'accounts'"));
    const changed = await prepass(root, cacheDir);
    expect(changed.symbols.data.exports['db/tables.ts']).toEqual({ users: { kind: 'table', table: { name: 'accounts' } } });
  });

  it('rebuilds when a file that is no candidate starts to matter: a new bare import or a new file', async () => {
    const root = repo();
    const cacheDir = path.join(root, '.cache');
    const first = await prepass(root, cacheDir);
    expect(first.symbols.data.specifiers).toEqual({});

    writeFileSync(path.join(root, 'package.json'), '{ "name": "root", "workspaces": ["db"] }');
    writeFileSync(path.join(root, 'db/package.json'), '{ "name": "@acme/db", "main": "index.ts" }');
    writeFileSync(path.join(root, 'app/orders.ts'), `import { users } from '@acme/db';\n`);
    const second = await prepass(root, cacheDir);
    expect(second.symbols.data.specifiers).toEqual({ '@acme/db': 'db/index.ts' });

    rmSync(path.join(root, 'db/index.ts'));
    const third = await prepass(root, cacheDir);
    expect(third.symbols.data.exports['db/index.ts']).toBeUndefined();
  });

  it('leaves the pre-pass as it is for files saved again with the same summary, up to 64 of them', async () => {
    const many = Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`app/f${i}.ts`, `export const n${i} = ${i};\n`]));
    const root = writeRepo({ 'db/tables.ts': TABLES, ...many });
    const cacheDir = path.join(root, '.cache');
    const stored = () => readFileSync(path.join(cacheDir, 'prepass.json'), 'utf8');
    await prepass(root, cacheDir);
    await prepassLater(root, cacheDir);
    const recorded = stored();

    // A comment added: a new stat, the same summary. Rewriting the whole pre-pass for it is not worth it:
    // the file is read again on the next runs instead.
    writeFileSync(path.join(root, 'app/f0.ts'), `${many['app/f0.ts']}// edited\n`);
    expect((await prepassLater(root, cacheDir)).read).toEqual(['app/f0.ts']);
    expect(stored()).toBe(recorded);
    expect((await prepassLater(root, cacheDir)).read).toEqual(['app/f0.ts']);

    // Past 64 such files their stats are recorded, and the next run reads none.
    for (let i = 0; i < 65; i++) writeFileSync(path.join(root, `app/f${i}.ts`), `${many[`app/f${i}.ts`]}// edited\n`);
    const first = await prepassLater(root, cacheDir);
    expect(first.read).toHaveLength(65);
    expect(stored()).not.toBe(recorded);
    const next = await prepassLater(root, cacheDir);
    expect(next.read).toEqual([]);
    expect(next.symbols.data).toEqual(first.symbols.data);
  });

  it('ignores a damaged cache file', async () => {
    const root = repo();
    const cacheDir = path.join(root, '.cache');
    const first = await prepass(root, cacheDir);
    const stored = readCacheJson(path.join(cacheDir, 'prepass.json'));
    stored.files = { 'db/tables.ts': { hash: 7 } };
    stored.symbols = { key: 'x', data: 'not a table' };
    writeCacheJson(path.join(cacheDir, 'prepass.json'), stored);
    const again = await prepassLater(root, cacheDir);
    expect(again.read.sort()).toEqual(['app/orders.ts', 'db/index.ts', 'db/tables.ts']);
    expect(again.symbols.data).toEqual(first.symbols.data);
  });
});

describe('the import resolver with the discovered files', () => {
  it('answers from the file list, and asks the disk only for what the list does not hold', () => {
    const root = writeRepo({ 'src/a.ts': '', 'generated/client.ts': '' });
    // src/b.ts is listed but not on disk: resolving it proves the list is asked first.
    const resolver = new ImportResolver(root, ['src/a.ts', 'src/b.ts', 'lib/index.ts'], discoverManifests(root));
    expect(resolver.resolve('src/a.ts', './b.js')).toBe('src/b.ts');
    expect(resolver.resolve('src/a.ts', '../lib')).toBe('lib/index.ts');
    // An ignored or generated file, not discovered, still resolves from the disk.
    expect(resolver.resolve('src/a.ts', '../generated/client')).toBe('generated/client.ts');
    expect(resolver.resolve('src/a.ts', './missing')).toBe('src/missing');
  });

  it('has a fingerprint that changes with the file list', () => {
    const root = writeRepo({ 'src/a.ts': '' });
    expect(new ImportResolver(root, ['src/a.ts'], discoverManifests(root)).fingerprint).toBe(new ImportResolver(root, ['src/a.ts'], discoverManifests(root)).fingerprint);
    expect(new ImportResolver(root, ['src/a.ts', 'src/b.ts'], discoverManifests(root)).fingerprint).not.toBe(new ImportResolver(root, ['src/a.ts'], discoverManifests(root)).fingerprint);
  });

  it('reads a tsconfig.json with comments and trailing commas', () => {
    const root = writeRepo({
      'tsconfig.json': '{\n  // aliases\n  "compilerOptions": { /* base */ "baseUrl": ".", "paths": { "@lib/*": ["lib/*"], }, },\n}\n',
      'lib/x.ts': '',
    });
    expect(new ImportResolver(root, ['lib/x.ts'], discoverManifests(root)).resolve('src/a.ts', '@lib/x')).toBe('lib/x.ts');
  });
});

describe('texts read ahead for extraction', () => {
  it('keeps only the files to extract, hands each over once, and stays within its budget', () => {
    const root = writeRepo({ 'a.ts': 'const a = 1;\n', 'b.ts': 'const b = 2;\n', 'c.ts': 'const c = 333;\n', 'bin.ts': 'x\u0000y' });
    const texts = new SourceTexts(root, new Set(['a.ts', 'c.ts', 'bin.ts']), 'const a = 1;\n'.length + 1);
    expect(texts.read('a.ts')).toBe('const a = 1;\n');
    expect(texts.read('b.ts')).toBe('const b = 2;\n');
    expect(texts.read('c.ts')).toBe('const c = 333;\n');
    expect(texts.read('bin.ts')).toBeUndefined();
    expect(texts.take('a.ts')).toBe('const a = 1;\n');
    expect(texts.take('a.ts')).toBeUndefined();
    // b.ts is not extracted; c.ts did not fit the budget; bin.ts is extraction's to report.
    expect(texts.take('b.ts')).toBeUndefined();
    expect(texts.take('c.ts')).toBeUndefined();
    expect(texts.take('bin.ts')).toBeUndefined();
  });
});
