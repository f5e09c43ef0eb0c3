import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CacheFolder } from '../../src/cache/folder.js';
import { discoverFiles, discoverRepository } from '../../src/discover/files.js';
import { listRepository } from '../../src/discover/listing.js';
import { writeRepo, readCacheJson, writeCacheJson } from '../helpers.js';
import { temporaryFolder } from '../temporary.js';

const IGNORE = ['packages/legacy/**'];

function repository(): { root: string; folder: CacheFolder; listingFile: string } {
  const root = writeRepo({
    '.gitignore': 'generated/\n',
    'package.json': '{"name": "root"}\n',
    'packages/shop/package.json': '{"name": "@acme/shop"}\n',
    'packages/shop/src/orders.ts': 'export const a = 1;\n',
    'packages/shop/src/deep/more/items.ts': 'export const b = 1;\n',
    'packages/shop/prisma/schema.prisma': 'model Order { id Int @id }\n',
    'packages/legacy/old.ts': 'export const c = 1;\n',
    'generated/client.ts': 'export const d = 1;\n',
    'migrations/001.sql': 'CREATE TABLE shop_orders (id int);\n',
  });
  mkdirSync(path.join(root, 'packages/empty'));
  const cache = temporaryFolder('schema-guard-listing-');
  return { root, folder: new CacheFolder(cache), listingFile: path.join(cache, 'listing.json') };
}

/** Sets every entry's times a minute back, so that a change now moves them even within one clock tick. */
function age(root: string): void {
  const past = new Date(Date.now() - 60_000);
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(path.join(dir, entry.name));
      if (!entry.isSymbolicLink()) utimesSync(path.join(dir, entry.name), past, past);
    }
    utimesSync(dir, past, past);
  };
  walk(root);
}

/** What the walks find now, without any record. */
function walked(root: string) {
  const { folders: _folders, gitIndex: _gitIndex, ...listing } = discoverRepository({ root, ignore: IGNORE });
  return listing;
}

/** Adds a file name the tree does not hold to the kept listing: a listing that shows it was taken from the record. */
function plant(listingFile: string): void {
  const kept = readCacheJson(listingFile);
  kept.listing.files.push('planted.ts');
  writeCacheJson(listingFile, kept);
}

describe('the repository listing', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    // The tree was written a minute ago: stats from the last two seconds are never trusted.
    vi.setSystemTime(performance.timeOrigin + performance.now() + 60_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is what the walks find, and is taken from the record while no folder and no .gitignore moved', async () => {
    const { root, folder, listingFile } = repository();
    age(root);
    const first = await listRepository(root, IGNORE, folder);
    expect(first).toEqual(walked(root));
    expect(first.files).toContain('packages/shop/src/deep/more/items.ts');
    expect(first.files).not.toContain('generated/client.ts');
    expect(first.manifests).toEqual(['package.json', 'packages/shop/package.json']);
    plant(listingFile);
    expect((await listRepository(root, IGNORE, folder)).files).toContain('planted.ts');
    // Content edits move no folder: the listing still holds.
    writeFileSync(path.join(root, 'packages/shop/src/orders.ts'), 'export const a = 2;\n');
    expect((await listRepository(root, IGNORE, folder)).files).toContain('planted.ts');
  });

  it('is walked again after any change to what the walks would find', async () => {
    const changes: Array<[string, (root: string) => void]> = [
      ['a file added deep down', (root) => writeFileSync(path.join(root, 'packages/shop/src/deep/more/new.ts'), '')],
      ['a file added to an empty folder', (root) => writeFileSync(path.join(root, 'packages/empty/new.ts'), '')],
      ['a file deleted', (root) => rmSync(path.join(root, 'migrations/001.sql'))],
      ['a file renamed', (root) => renameSync(path.join(root, 'packages/shop/src/orders.ts'), path.join(root, 'packages/shop/src/sales.ts'))],
      ['a folder added', (root) => (mkdirSync(path.join(root, 'packages/billing/src'), { recursive: true }), writeFileSync(path.join(root, 'packages/billing/src/a.ts'), ''))],
      ['a folder removed', (root) => rmSync(path.join(root, 'packages/shop/src/deep'), { recursive: true })],
      ['a .gitignore added below the root', (root) => writeFileSync(path.join(root, 'packages/shop/.gitignore'), 'src/deep/\n')],
      ['the root .gitignore edited', (root) => writeFileSync(path.join(root, '.gitignore'), '')],
      ['a package added', (root) => writeFileSync(path.join(root, 'packages/empty/package.json'), '{"name": "@acme/empty"}\n')],
      ['a Prisma schema added', (root) => writeFileSync(path.join(root, 'packages/empty/schema.prisma'), '')],
      ['a file replaced by a link', (root) => (rmSync(path.join(root, 'packages/shop/src/orders.ts')), symlinkSync('deep/more/items.ts', path.join(root, 'packages/shop/src/orders.ts')))],
    ];
    for (const [what, change] of changes) {
      const { root, folder, listingFile } = repository();
      age(root);
      await listRepository(root, IGNORE, folder);
      plant(listingFile);
      change(root);
      const listing = await listRepository(root, IGNORE, folder);
      expect(listing, what).toEqual(walked(root));
      expect(listing.files, what).not.toContain('planted.ts');
    }
  });

  it('belongs to one set of ignore globs', async () => {
    const { root, folder, listingFile } = repository();
    age(root);
    await listRepository(root, IGNORE, folder);
    plant(listingFile);
    expect((await listRepository(root, [], folder)).files).toEqual(discoverFiles({ root, ignore: [] }));
    expect((await listRepository(root, [], folder)).files).toContain('packages/legacy/old.ts');
  });

  it('keeps nothing while a folder changed within the last two seconds, and ignores a damaged record', async () => {
    const { root, folder, listingFile } = repository();
    vi.setSystemTime(statSync(root).ctimeMs + 1000);
    expect(await listRepository(root, IGNORE, folder)).toEqual(walked(root));
    expect(() => readFileSync(listingFile)).toThrow(/ENOENT/);

    vi.setSystemTime(performance.timeOrigin + performance.now() + 60_000);
    age(root);
    await listRepository(root, IGNORE, folder);
    for (const damage of ['{"format":', JSON.stringify({ ...readCacheJson(listingFile), watched: { folders: [['', 1]] } })]) {
      writeCacheJson(listingFile, damage);
      expect(await listRepository(root, IGNORE, folder), damage.slice(0, 20)).toEqual(walked(root));
    }
  });
});
