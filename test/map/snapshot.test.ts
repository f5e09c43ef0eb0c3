import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CacheFolder } from '../../src/cache/folder.js';
import { loadOwnershipMap } from '../../src/map/load.js';
import { MapError } from '../../src/map/map-file.js';
import { loadMapThroughSnapshot } from '../../src/map/snapshot.js';
import { ROOT_MAP, readCacheJson, writeCacheJson } from '../helpers.js';
import { temporaryFolder } from '../temporary.js';

const dir = temporaryFolder('schema-guard-snapshot-');
let count = 0;

/** A copy of the root map and an empty cache folder of its own. */
function setup(): { mapFile: string; folder: CacheFolder; snapshotFile: string } {
  const base = path.join(dir, String(++count));
  const mapFile = path.join(base, 'ownership-map.yaml');
  mkdirSync(base);
  writeFileSync(mapFile, readFileSync(ROOT_MAP));
  return { mapFile, folder: new CacheFolder(path.join(base, 'cache')), snapshotFile: path.join(base, 'cache', 'map.json') };
}

/** Changes the snapshot on disk (keeping its salt), to tell whether a load read it. */
function tamper(snapshotFile: string, change: (snapshot: { map: { title?: string }; positions: Record<string, unknown> }) => void): void {
  const snapshot = readCacheJson(snapshotFile);
  change(snapshot);
  writeCacheJson(snapshotFile, snapshot);
}

describe('the map snapshot', () => {
  it('gives the map and the positions a fresh load gives, and is what the next load reads', async () => {
    const { mapFile, folder, snapshotFile } = setup();
    const fresh = loadOwnershipMap(mapFile);
    const first = await loadMapThroughSnapshot(mapFile, folder);
    expect(first.map).toStrictEqual(fresh.map);
    tamper(snapshotFile, (snapshot) => (snapshot.map.title = 'from the snapshot'));
    const second = await loadMapThroughSnapshot(mapFile, folder);
    expect(second.map.title).toBe('from the snapshot');
    expect({ ...second.map, title: fresh.map.title }).toStrictEqual(fresh.map);
    expect(second.text).toBe(fresh.text);
    expect(second.positions).toStrictEqual(fresh.positions);
    for (const family of fresh.map.families) expect(second.locateFamily(family.id)).toEqual(fresh.locateFamily(family.id));
    for (const exception of fresh.map.exceptions) expect(second.locateException(exception.id)).toEqual(fresh.locateException(exception.id));
    expect(second.locate(['families', 2, 'no-such-key', 0])).toEqual(fresh.locate(['families', 2]));
  });

  it('is not read for another map text: an edit is parsed, and its errors are reported as without a snapshot', async () => {
    const { mapFile, folder, snapshotFile } = setup();
    await loadMapThroughSnapshot(mapFile, folder);
    tamper(snapshotFile, (snapshot) => (snapshot.map.title = 'from the snapshot'));
    writeFileSync(mapFile, `${readFileSync(mapFile, 'utf8')}\n# an edit\n`);
    expect((await loadMapThroughSnapshot(mapFile, folder)).map.title).not.toBe('from the snapshot');

    writeFileSync(mapFile, readFileSync(mapFile, 'utf8').replace('version: 1', 'version: 2'));
    const error = await loadMapThroughSnapshot(mapFile, folder).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(MapError);
    expect((error as MapError).message).toMatch(/ownership-map\.yaml:\d+:\d+: version: expected 1, found a number \(2\)/);
  });

  it('is parsed anew and rewritten when damaged', async () => {
    const damages: Array<[string, (file: string) => void]> = [
      ['not JSON', (file) => writeCacheJson(file, '{"format":')],
      ['without positions', (file) => tamper(file, (snapshot) => delete (snapshot as Partial<typeof snapshot>).positions)],
      ['a position that is not a pair', (file) => tamper(file, (snapshot) => (snapshot.positions.families = [1]))],
      ['a map without families', (file) => tamper(file, (snapshot) => delete (snapshot.map as { families?: unknown }).families)],
    ];
    for (const [damage, apply] of damages) {
      const { mapFile, folder, snapshotFile } = setup();
      const fresh = await loadMapThroughSnapshot(mapFile, folder);
      apply(snapshotFile);
      expect((await loadMapThroughSnapshot(mapFile, folder)).map, damage).toStrictEqual(fresh.map);
      expect(readCacheJson(snapshotFile).positions, damage).toStrictEqual(fresh.positions);
    }
  });

  it('is not needed: without a cache folder, or with one that cannot be written, the map still loads', async () => {
    const { mapFile } = setup();
    const fresh = loadOwnershipMap(mapFile);
    expect((await loadMapThroughSnapshot(mapFile, undefined)).map).toStrictEqual(fresh.map);
    const locked = path.join(dir, `locked-${++count}`);
    writeFileSync(locked, ''); // a file where the folder should be
    expect((await loadMapThroughSnapshot(mapFile, new CacheFolder(path.join(locked, 'cache')))).map).toStrictEqual(fresh.map);
  });
});
