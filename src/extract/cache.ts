/**
 * A content-hash cache of per-file facts between runs, so that a re-run only extracts what changed.
 *
 * An entry is keyed by the file's path and the hash of its bytes, and every entry of a cache was
 * written by one tool build and one SQL parser (the salt). Import resolution depends on the
 * repository layout, not on the file, so entries hold imports unresolved: the caller resolves
 * them on every run. The ownership map plays no part in facts (rules read it after extraction),
 * so a changed map needs no invalidation here.
 *
 * Reading and hashing every file is most of a warm run, so an entry also records the file's
 * stats (size, mtime, ctime, inode) when they can be trusted: a file whose stats are all the same
 * has the same content, since any write or `touch` moves its ctime. Stats taken within
 * RACY_MS of a change are not recorded (a second write in the same clock tick would keep them),
 * and a file whose stats differ is hashed, so the content hash stays the key.
 *
 * Entries live in SHARD_COUNT JSON files picked by a hash of the path: a run that changes one file
 * rewrites one small shard. Each shard is written to a temporary file and renamed into place, so a
 * reader never sees half a shard; a shard that is unreadable or from another salt counts as empty.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stableHash } from '../discover/shard.js';
import type { FileFacts } from '../facts/types.js';

/** The format of every file in the cache folder. */
export const FORMAT = 1;
const SHARD_COUNT = 64;
const RACY_MS = 2000;

interface Entry {
  hash: string;
  facts: FileFacts;
  /** statKey() of the file when it was hashed, if trustworthy. */
  stat?: string;
}

interface Shard {
  entries: Map<string, Entry>;
  dirty: boolean;
}

/** `<root>/node_modules/.cache/schema-guard`: ignored by git in practically every JavaScript repository. */
export function defaultCacheDir(root: string): string {
  return path.join(root, 'node_modules', '.cache', 'schema-guard');
}

/**
 * The stats that stand for a regular file's content, or undefined when they cannot: not a regular
 * file (a link is never trusted), or changed so recently that a second change could share them.
 */
export function statKey(absolute: string, now = Date.now()): string | undefined {
  const stats = lstatSync(absolute, { throwIfNoEntry: false });
  if (!stats?.isFile() || now - stats.ctimeMs < RACY_MS) return undefined;
  return `${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}:${stats.ino}`;
}

/**
 * The stats that stand for a directory's entries, or undefined when they cannot: not a directory,
 * or changed too recently. Its mtime moves whenever an entry is added, removed or renamed in it.
 * `follow`: a link to a directory stands for it (the root may be one); elsewhere a link is no directory.
 */
export function directoryStatKey(absolute: string, { follow = false, now = Date.now() } = {}): string | undefined {
  const stats = (follow ? statSync : lstatSync)(absolute, { throwIfNoEntry: false });
  if (!stats?.isDirectory() || now - stats.ctimeMs < RACY_MS) return undefined;
  return `${stats.mtimeMs}:${stats.ctimeMs}:${stats.ino}`;
}

/** The hash of the text extraction sees (decoded as it reads it), which is what facts depend on. */
export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/**
 * The cache directory: JSON files read leniently (missing, corrupt or foreign counts as absent) and
 * written atomically (a temporary file renamed into place), never when the directory leads outside
 * `confineTo`.
 */
export class CacheFolder {
  private outside: boolean | undefined;

  constructor(
    readonly dir: string,
    private readonly confineTo?: string,
  ) {}

  /** A file's parsed JSON with this format and salt, or undefined. */
  read(name: string, salt: string): Record<string, unknown> | undefined {
    if (this.leadsOutside()) return undefined;
    let parsed: unknown;
    try {
      // Read as bytes, then decoded: for megabytes, faster than Node 20's reading as text.
      parsed = JSON.parse(readFileSync(path.join(this.dir, name)).toString('utf8'));
    } catch {
      return undefined;
    }
    return isRecord(parsed) && parsed.format === FORMAT && parsed.salt === salt ? parsed : undefined;
  }

  /** Writes the files; returns why they could not be written, or undefined. */
  write(files: Array<{ name: string; salt: string; content: Record<string, unknown> }>): string | undefined {
    if (files.length === 0) return undefined;
    try {
      // Checked before mkdir: a linked node_modules must not get folders created at its target.
      if (this.leadsOutside()) return `the cache directory ${this.dir} leads outside ${this.confineTo}`;
      mkdirSync(this.dir, { recursive: true });
      for (const { name, salt, content } of files) {
        const target = path.join(this.dir, name);
        const temporary = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
        try {
          writeFileSync(temporary, JSON.stringify({ format: FORMAT, salt, ...content }));
          renameSync(temporary, target);
        } finally {
          rmSync(temporary, { force: true });
        }
      }
      return undefined;
    } catch (error) {
      return `the cache directory ${this.dir} could not be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
    }
  }

  /** Whether the cache directory, or its nearest existing ancestor, really (links resolved) lies outside `confineTo`. */
  private leadsOutside(): boolean {
    if (!this.confineTo) return false;
    if (this.outside !== undefined) return this.outside;
    let existing = this.dir;
    while (!existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
    return (this.outside = !isInside(realpathSync(existing), realpathSync(this.confineTo)));
  }
}

export class FactsCache {
  private readonly shards = new Map<number, Shard>();

  /** @param folder the cache directory; nothing is written anywhere else. */
  constructor(
    private readonly folder: CacheFolder,
    private readonly salt: string,
  ) {}

  /** The facts of a file whose stats are those recorded with its entry, without reading it. Do not mutate them. */
  byStat(file: string, stat: string): FileFacts | undefined {
    const entry = this.shard(file).entries.get(file);
    return entry?.stat !== undefined && entry.stat === stat ? entry.facts : undefined;
  }

  /** The content hash of the facts stored for a file, if any. */
  hashOf(file: string): string | undefined {
    return this.shard(file).entries.get(file)?.hash;
  }

  /** The facts stored for this content hash, or undefined; records the file's current stats for the next run. */
  byHash(file: string, hash: string, stat: string | undefined): FileFacts | undefined {
    const shard = this.shard(file);
    const entry = shard.entries.get(file);
    if (entry?.hash !== hash) return undefined;
    if (entry.stat !== stat) {
      shard.entries.set(file, stat === undefined ? { hash, facts: entry.facts } : { ...entry, stat });
      shard.dirty = true;
    }
    return entry.facts;
  }

  /** Stores freshly extracted facts; their imports must not be resolved yet. */
  set(file: string, hash: string, facts: FileFacts, stat: string | undefined): void {
    const shard = this.shard(file);
    shard.entries.set(file, stat === undefined ? { hash, facts } : { hash, facts, stat });
    shard.dirty = true;
  }

  /** Drops the entries of files that no longer exist (call only after a scan of the whole repository). */
  retainOnly(files: ReadonlySet<string>): void {
    for (let index = 0; index < SHARD_COUNT; index++) {
      const shard = this.load(index);
      for (const file of shard.entries.keys()) {
        if (!files.has(file)) {
          shard.entries.delete(file);
          shard.dirty = true;
        }
      }
    }
  }

  /** Writes the changed shards. Returns why the cache could not be written, or undefined. */
  save(): string | undefined {
    const dirty = [...this.shards].filter(([, shard]) => shard.dirty);
    const problem = this.folder.write(dirty.map(([index, shard]) => ({ name: shardName(index), salt: this.salt, content: { entries: Object.fromEntries(shard.entries) } })));
    if (!problem) for (const [, shard] of dirty) shard.dirty = false;
    return problem;
  }

  private shard(file: string): Shard {
    return this.load(stableHash(file) % SHARD_COUNT);
  }

  private load(index: number): Shard {
    let shard = this.shards.get(index);
    if (!shard) {
      shard = { entries: this.read(index), dirty: false };
      this.shards.set(index, shard);
    }
    return shard;
  }

  /** A shard's entries; a missing, corrupt or foreign shard is an empty one. */
  private read(index: number): Map<string, Entry> {
    const entries = new Map<string, Entry>();
    const shard = this.folder.read(shardName(index), this.salt);
    if (!shard || !isRecord(shard.entries)) return entries;
    for (const [file, entry] of Object.entries(shard.entries)) {
      if (isEntry(entry, file)) entries.set(file, entry);
    }
    return entries;
  }
}

function shardName(index: number): string {
  return `facts-${String(index).padStart(2, '0')}.json`;
}

function isInside(candidate: string, root: string): boolean {
  return candidate === root || candidate.startsWith(root + path.sep);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A light shape check: the cache is our own output, but a damaged entry must not reach the rules. */
function isEntry(value: unknown, file: string): value is Entry {
  if (!isRecord(value) || typeof value.hash !== 'string' || !isRecord(value.facts)) return false;
  if (value.stat !== undefined && typeof value.stat !== 'string') return false;
  const facts = value.facts;
  return (
    facts.file === file &&
    (facts.language === 'typescript' || facts.language === 'sql') &&
    Array.isArray(facts.imports) &&
    Array.isArray(facts.accesses) &&
    Array.isArray(facts.sqlErrors) &&
    Array.isArray(facts.notes)
  );
}
