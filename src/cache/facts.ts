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
 * statKey() (freshness.ts) when it can be trusted, and a file whose stats are those recorded is
 * not read at all; a file whose stats differ is hashed, so the content hash stays the key.
 *
 * Entries live in SHARD_COUNT files of the cache folder picked by a hash of the path: a run that
 * changes one file rewrites one small shard. A shard that is unreadable, unauthenticated or from
 * another salt counts as empty.
 */
import { stableHash } from '../discover/shard.js';
import type { FileFacts } from '../facts/types.js';
import { type CacheFolder, isRecord } from './folder.js';

const SHARD_COUNT = 64;

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
