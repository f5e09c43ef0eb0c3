/**
 * Extracts the facts of every discovered file, the one entry point for it: facts come from the
 * cache when the file is unchanged, else from the extraction lanes (this thread, and worker threads
 * when there are enough files to pay for them; see pool.ts). Imports are resolved here, after
 * extraction, because where they lead depends on the repository layout and not on the file. One bad
 * file never stops the scan of the rest: what cannot be read or analysed becomes a notification.
 */
import { realpathSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { FileFacts } from '../facts/types.js';
import type { Notification } from '../outcome.js';
import type { SqlParserName } from '../sql/index.js';
import { FactsCache } from '../cache/facts.js';
import type { CacheFolder } from '../cache/folder.js';
import { contentHash } from '../cache/freshness.js';
import type { ExtractJob, Extractor, ExtractorSetup, ExtractOutcome } from './jobs.js';
import { ExtractionWorker, extractInWorker, runLanes, workersAvailable } from './pool.js';
import { SourceReader } from './read-source.js';
import type { RepoSymbols } from './orm/symbols.js';
import type { ImportResolver } from './resolve-imports.js';
import { SqlLane, sqlLaneAvailable } from './sql-lane.js';
import { cacheSalt } from '../cache/tool-digest.js';

/**
 * Each extracting thread gets at least this many files. A worker needs about a second to load the
 * TypeScript compiler, the SQL parser and the ORM readers (it now does so during the ORM pre-pass),
 * and on the 2-core machine bench/ ran on two busy threads slow each other down: at 5,000 files two
 * extracting threads took 5.02 s where the main thread with a SQL lane took 4.52 s, at 20,000 files
 * they took 12.0 s against 13.8 s for one thread (bench run of commit fc94952). Workers start from
 * 10,000 files; `--threads` overrides it for machines with more room.
 */
export const FILES_PER_WORKER = 5_000;
/** Files from which a lone extracting thread has its SQL analysed by a SQL lane (see startThreads). */
export const SQL_LANE_FILES = 500;
/** The stack of the worker that analyses deeply nested files again (see retryWithLargerStack); 32 MB follows at least 25,000 levels. */
const DEEP_STACK_MB = 32;

export interface ExtractOptions {
  sqlParser: SqlParserName;
  resolver: ImportResolver;
  /** Cache of facts between runs; none when undefined. */
  cache?: {
    folder: CacheFolder;
    /** A repository file's statKey(), taken once per run (the ORM pre-pass asks too). */
    statOf(file: string): string | undefined;
    /** The files are the whole repository: entries of files not among them are dropped. */
    wholeRepository?: boolean;
  };
  /** Threads that extract, this one included: 1 extracts in this thread alone; undefined decides by the number of files to extract and the cores. */
  threads?: number;
  onProgress?: (done: number, total: number) => void;
  /** The repository's query-builder / ORM declarations (src/extract/orm): facts depend on them, so they salt the cache. */
  symbols?: RepoSymbols;
  /** Threads started before the ORM pre-pass (startThreads), used when they fit; the caller closes them. */
  early?: EarlyThreads;
  /** Texts the caller has read already (SourceTexts.take), for extraction in this thread. */
  preread?: (file: string) => string | undefined;
  /** Files discovery found but cannot be read by their name (listing.ts), with the reason: never read, reported as not analysed. */
  unreadable?: ReadonlyMap<string, string>;
}

interface Pending {
  index: number;
  file: string;
  /** statKey() before reading, when trustworthy. */
  stat?: string;
}

export async function extractAll(root: string, files: string[], options: ExtractOptions, notifications: Notification[]): Promise<FileFacts[]> {
  const realRoot = realpathSync.native(root);
  const cache = options.cache && new FactsCache(options.cache.folder, `${cacheSalt(options.sqlParser, options.cache.folder)}:${options.symbols?.fingerprint ?? ''}`);
  const facts = new Array<FileFacts | undefined>(files.length);
  const fileNotes: Notification[][] = files.map(() => []);

  // Files whose recorded stats still hold come from the cache without being read; those the cache
  // knows by another stat (just saved, checked out again, in a fresh clone) are read and hashed
  // here, so that a run whose files all have their cached content loads no parser.
  const pending: Pending[] = [];
  const reader = new SourceReader(realRoot);
  files.forEach((file, index) => {
    const unreadable = options.unreadable?.get(file);
    if (unreadable !== undefined) {
      facts[index] = notAnalysedFacts(file, unreadable);
      return;
    }
    const stat = options.cache?.statOf(file);
    const unchanged = (stat === undefined ? undefined : cache?.byStat(file, stat)) ?? sameContent(file, stat);
    if (unchanged) facts[index] = unchanged;
    else pending.push({ index, file, stat });
  });
  function sameContent(file: string, stat: string | undefined): FileFacts | undefined {
    if (cache?.hashOf(file) === undefined) return undefined;
    const text = options.preread?.(file) ?? reader.read(file, []);
    return text === undefined ? undefined : cache.byHash(file, contentHash(text), stat);
  }
  let done = files.length - pending.length;
  if (done > 0) options.onProgress?.(done, files.length);

  // The others are read and analysed by the lanes (the stats were taken before, so a change while
  // reading shows next time).
  const setup: ExtractorSetup = { realRoot, sqlParser: options.sqlParser, symbols: options.symbols?.data };
  let extractor: Extractor | undefined;
  const jobs: ExtractJob[] = pending.map(({ file }) => ({ file }));
  const lanes = threadCount(jobs.length, options.threads);
  const sqlLane = lanes === 1 && jobs.length >= SQL_LANE_FILES ? options.early?.sqlLane : undefined;
  const outcomes: ExtractOutcome[] = await runLanes(jobs, {
    setup,
    lanes,
    started: options.early?.workers,
    // Loaded only when needed: a run served from the cache never pays for the TypeScript compiler.
    inline: async () =>
      (extractor ??= await (await import('./jobs.js')).createExtractor(setup, {
        preread: options.preread,
        sqlLane,
        onSqlLaneFailure: (reason) => notifications.push({ level: 'note', message: `The SQL worker failed (${reason}); the SQL was analysed in the main thread.` }),
      })),
    progress: (count) => options.onProgress?.((done += count), files.length),
    onWorkerFailure: (reason) => notifications.push({ level: 'note', message: `An extraction worker failed (${reason}); its files were analysed by the other threads.` }),
  });
  await retryWithLargerStack(jobs, outcomes, setup);
  outcomes.forEach((outcome, k) => {
    const { index, file, stat } = pending[k]!;
    fileNotes[index] = outcome.notes;
    if (outcome.facts) {
      cache?.set(file, outcome.hash!, outcome.facts, stat);
      facts[index] = outcome.facts;
    } else {
      // Never cached: the next run tries again.
      facts[index] = notAnalysedFacts(file, outcome.notAnalysed ?? 'it could not be analysed');
    }
  });
  if (cache) {
    if (options.cache!.wholeRepository) cache.retainOnly(new Set(files));
    const problem = cache.save();
    if (problem) notifications.push({ level: 'note', message: `Facts were not cached: ${problem}.` });
  }

  // The cache is written: from here on the facts may be resolved in place.
  const resolved: FileFacts[] = [];
  files.forEach((file, index) => {
    for (const note of fileNotes[index]!) notifications.push(note);
    const fileFacts = facts[index];
    if (!fileFacts) return;
    for (const note of fileFacts.notes) notifications.push({ level: 'note', file, ...note });
    for (const fact of fileFacts.imports) {
      const resolution = options.resolver.resolveImport(file, fact.specifier);
      fact.resolved = resolution.file;
      if (resolution.unresolved) fact.unresolved = resolution.unresolved;
      else delete fact.unresolved;
    }
    resolved.push(fileFacts);
  });
  return resolved;
}

/** The facts of a file that could not be analysed: none, and why (the file-not-analysed rule reports it). */
export function notAnalysedFacts(file: string, reason: string): FileFacts {
  return { file, language: file.endsWith('.sql') ? 'sql' : 'typescript', imports: [], accesses: [], sqlErrors: [], suppressions: [], notes: [], notAnalysed: reason };
}

/**
 * Files the parsers could not follow to the bottom (code nested thousands deep overflows the stack
 * of this thread or a pool worker) are analysed again by one worker with a stack of
 * DEEP_STACK_MB, which follows at least 25,000 levels (tsc about 8,000); what still overflows
 * there stays not analysed. Without worker threads (running from TypeScript sources) they stay so too.
 */
async function retryWithLargerStack(jobs: ExtractJob[], outcomes: ExtractOutcome[], setup: ExtractorSetup): Promise<void> {
  const deep = outcomes.flatMap((outcome, k) => (outcome.nestedTooDeep ? [k] : []));
  if (deep.length === 0 || !workersAvailable()) return;
  const retried = await extractInWorker(
    deep.map((k) => jobs[k]!),
    setup,
    DEEP_STACK_MB,
  ).catch(() => undefined);
  // A worker that failed leaves the files not analysed.
  deep.forEach((k, i) => {
    if (retried?.[i]) outcomes[k] = retried[i]!;
  });
}

function threadCount(jobs: number, requested: number | undefined, cores = availableParallelism()): number {
  return requested !== undefined ? Math.min(requested, jobs) : autoThreads(jobs, cores);
}

/**
 * Threads for `jobs` files: one per FILES_PER_WORKER, no more than the cores; 1 means extracting in
 * the main thread. The load average is not asked: a one-minute average mostly tells of processes
 * that have ended (after the bench's own earlier steps it chose one thread at 20,000 files, 16.8 s
 * against 14.5 s with two).
 */
export function autoThreads(jobs: number, cores: number): number {
  return Math.max(1, Math.min(cores, Math.floor(jobs / FILES_PER_WORKER)));
}

/** Threads started before the ORM pre-pass, so that they load their parsers meanwhile. */
export interface EarlyThreads {
  /** The extraction workers extractAll will want for this many files (each loads in ~1 s). */
  workers: ExtractionWorker[];
  /** A SQL lane (sql-lane.ts), when the main thread will extract alone. */
  sqlLane?: SqlLane;
  close(): void;
}

/**
 * The threads extracting `files` files will want, started now: the workers that autoThreads (or
 * --threads) asks for, or else a SQL lane. A SQL lane takes a second core, files enough to pay for
 * its start (~0.2 s) and no --threads (1 means this thread alone); with files enough for extraction
 * workers these take the second core instead: at 20,000 files two threads that both extract took
 * 12.6 s, the main thread with a SQL lane 14.0 s. extractAll uses what fits the files the cache
 * leaves it to extract; the caller closes them all when it is done.
 */
export function startThreads(files: number, threads: number | undefined, sqlParser: SqlParserName, cores = availableParallelism()): EarlyThreads {
  const lanes = threadCount(files, threads, cores);
  const workers = lanes > 1 && workersAvailable() ? Array.from({ length: lanes - 1 }, () => new ExtractionWorker(sqlParser)) : [];
  const laneWanted = threads === undefined && cores > 1 && files >= SQL_LANE_FILES && lanes === 1;
  const sqlLane = laneWanted && sqlLaneAvailable() ? new SqlLane(sqlParser) : undefined;
  return {
    workers,
    sqlLane,
    close() {
      for (const worker of workers) worker.close();
      sqlLane?.close();
    },
  };
}
