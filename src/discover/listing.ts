/**
 * The repository's listing (source files, Prisma schemas, package manifests, what was skipped) as a
 * run found it, kept in the cache folder with the stats of every folder the walk entered, of the
 * .gitignore files in them and of the git index (what git tracks is scanned even when ignored). A folder's mtime moves whenever an entry is added, removed or renamed
 * in it, and a .gitignore's stats move when it is edited, so while none of those stats moved,
 * walking the tree again would find the same files: the next run takes the listing and stats a few
 * hundred folders instead of walking the tree (git's untracked cache rests on the same
 * fact). Stats from the last two seconds are not trusted: then nothing is kept.
 */
import { createHash } from 'node:crypto';
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { isRecord, type CacheFolder } from '../cache/folder.js';
import { directoryStatKey, statKey } from '../cache/freshness.js';
import { toolDigest } from '../cache/tool-digest.js';
import type { Notification } from '../outcome.js';
import type { SkippedPath } from './files.js';

const FILE = 'listing.json';

export interface RepositoryListing {
  /** Source files, as discoverRepository finds them over the whole root. */
  files: string[];
  prismaSchemas: string[];
  /** package.json files. */
  manifests: string[];
  /** Files of `files` that cannot be read by their name, with why. */
  unreadable: Record<string, string>;
  /** What the walk left out, and why. */
  skipped: SkippedPath[];
  /** What the walk noticed without leaving anything out. */
  notes: Notification[];
}

/** [path, stats] of the folders (the root as '') and of the .gitignore files in them, and of the git index the tracked files came from. */
interface Watched {
  folders: Array<[string, string]>;
  gitignores: Array<[string, string]>;
}

/** The listing of the whole root without the map's `ignore`d files: from the folder when nothing it rests on moved, else walked (and kept). */
export async function listRepository(root: string, ignore: readonly string[], folder: CacheFolder | undefined): Promise<RepositoryListing> {
  const salt = folder && createHash('sha256').update(toolDigest(folder)).update('\0').update(root).update('\0').update(JSON.stringify(ignore)).digest('base64url');
  const kept = salt === undefined ? undefined : folder!.read(FILE, salt);
  if (kept && isKept(kept) && unchanged(root, kept.watched)) return kept.listing;
  // Loaded only to walk: a run that takes the listing spares loading the walking libraries.
  const { discoverRepository } = await import('./files.js');
  // Stats count as recent from the start of the walk: whatever changes during it is not trusted.
  const walkStarted = Date.now();
  const { folders, gitIndex, ...listing } = discoverRepository({ root, ignore: [...ignore] });
  const watched = salt === undefined ? undefined : watch(root, folders, gitIndex, walkStarted);
  // Not kept is no loss beyond speed, and an unwritable folder is reported when the run's result is saved.
  if (watched) folder!.write([{ name: FILE, salt: salt!, content: { listing, watched } }]);
  return listing;
}

/** The stats the listing rests on, or undefined when one of them is too recent to trust at `now`. */
function watch(root: string, folders: string[], gitIndex: string | undefined, now: number): Watched | undefined {
  const watched: Watched = { folders: [], gitignores: [] };
  // What git tracks changes with its index (git add, checkout), which no folder of the root shows.
  if (gitIndex !== undefined) {
    const indexKey = fileStats(root, path.relative(root, gitIndex), now);
    if (indexKey === undefined) return undefined;
    watched.gitignores.push([path.relative(root, gitIndex), indexKey ?? 'absent']);
  }
  for (const folder of folders) {
    const folderKey = folderStats(root, folder, now);
    if (folderKey === undefined) return undefined;
    watched.folders.push([folder, folderKey]);
    const gitignore = path.posix.join(folder, '.gitignore');
    const gitignoreKey = fileStats(root, gitignore, now);
    if (gitignoreKey === null) continue;
    if (gitignoreKey === undefined) return undefined;
    watched.gitignores.push([gitignore, gitignoreKey]);
  }
  return watched;
}

function unchanged(root: string, watched: Watched): boolean {
  return watched.folders.every(([folder, key]) => folderStats(root, folder) === key) && watched.gitignores.every(([file, key]) => (fileStats(root, file) ?? 'absent') === key);
}

function folderStats(root: string, folder: string, now = Date.now()): string | undefined {
  return directoryStatKey(path.join(root, folder), { follow: folder === '', now });
}

/** A file's stats; null when it does not exist, a fixed word when it is not a regular file (discovery reads none such). */
function fileStats(root: string, file: string, now = Date.now()): string | null | undefined {
  const absolute = path.join(root, file);
  const stats = lstatSync(absolute, { throwIfNoEntry: false });
  if (!stats) return null;
  return stats.isFile() ? statKey(absolute, now) : 'not a regular file';
}

/** A light shape check: the listing is our own output, but a damaged one must not reach the run. */
function isKept(value: Record<string, unknown>): value is { listing: RepositoryListing; watched: Watched } {
  const { listing, watched } = value;
  const strings = (list: unknown) => Array.isArray(list) && list.every((item) => typeof item === 'string');
  const pairs = (list: unknown) => Array.isArray(list) && list.every((pair) => Array.isArray(pair) && pair.length === 2 && strings(pair));
  const skipped = (list: unknown) => Array.isArray(list) && list.every((item) => isRecord(item) && typeof item.path === 'string' && typeof item.reason === 'string');
  const notes = (list: unknown) => Array.isArray(list) && list.every((item) => isRecord(item) && typeof item.message === 'string' && typeof item.level === 'string');
  const reasons = (record: unknown) => isRecord(record) && Object.values(record).every((reason) => typeof reason === 'string');
  return (
    isRecord(listing) &&
    strings(listing.files) &&
    strings(listing.prismaSchemas) &&
    strings(listing.manifests) &&
    reasons(listing.unreadable) &&
    skipped(listing.skipped) &&
    notes(listing.notes) &&
    isRecord(watched) &&
    pairs(watched.folders) &&
    pairs(watched.gitignores)
  );
}
