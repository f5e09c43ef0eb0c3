/**
 * The map as the last run loaded it, kept in the cache folder: a run whose map text (and tool) is the
 * same takes the validated map and its positions from there, and neither loads nor runs the YAML
 * parser and the schema validator, a fifth of a re-run that finds nothing else to do. Only a map
 * that loaded without an issue is kept, so every MapError still comes from load.ts.
 */
import { createHash } from 'node:crypto';
import { isRecord, type CacheFolder } from '../cache/folder.js';
import { toolDigest } from '../cache/tool-digest.js';
import { loadedMapOf, readMapText, type LoadedMap, type MapPositions } from './map-file.js';
import type { OwnershipMap } from './schema.js';

const FILE = 'map.json';

/** The map in `file` (not read through a link inside `root`): from the snapshot of this text when the folder holds one, else parsed (and its snapshot written). */
export async function loadMapThroughSnapshot(file: string, folder: CacheFolder | undefined, root?: string): Promise<LoadedMap> {
  const text = readMapText(file, root);
  const salt = folder && createHash('sha256').update(toolDigest(folder)).update('\0').update(text).digest('base64url');
  const kept = salt === undefined ? undefined : folder!.read(FILE, salt);
  if (kept && isSnapshot(kept)) return loadedMapOf(file, text, kept.map, kept.positions);
  const { parseOwnershipMap } = await import('./load.js');
  const loaded = parseOwnershipMap(file, text);
  // Not kept is no loss beyond speed, and an unwritable folder is reported when the run's result is saved.
  if (salt !== undefined) folder!.write([{ name: FILE, salt, content: { map: loaded.map, positions: loaded.positions } }]);
  return loaded;
}

/** A light shape check: the snapshot is our own output, but a damaged one must not reach the rules. */
function isSnapshot(value: Record<string, unknown>): value is { map: OwnershipMap; positions: MapPositions } {
  const { map, positions } = value;
  return (
    isRecord(map) &&
    isRecord(map.domains) &&
    ['families', 'exceptions', 'restrictedTables', 'ignore', 'sensitiveColumns'].every((list) => Array.isArray(map[list])) &&
    isRecord(positions) &&
    Object.values(positions).every((at) => Array.isArray(at) && at.length === 2 && at.every(Number.isInteger))
  );
}
