/**
 * Extracts the facts of every discovered file, the one entry point for it: facts come from the
 * cache when the file's content is unchanged, else from worker threads when there are enough files
 * to pay for them, else from this thread. Imports are resolved here, after extraction, because
 * where they lead depends on the repository layout and not on the file. One bad file never stops
 * the scan of the rest: what cannot be read or analysed becomes a notification.
 */
import { isUtf8 } from 'node:buffer';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import type { FileFacts } from '../facts/types.js';
import type { Notification } from '../report/summary.js';
import type { SqlParserName } from '../sql/index.js';
import { type CacheFolder, cacheSalt, contentHash, FactsCache, statKey } from './cache.js';
import type { ExtractJob, ExtractOutcome } from './jobs.js';
import { extractInWorkers, workersAvailable } from './pool.js';
import type { RepoSymbols } from './orm/symbols.js';
import type { ImportResolver } from './resolve-imports.js';

/** Larger files are generated code or data, not hand-written queries: reported as not analysed. */
export const MAX_FILE_BYTES = 2 * 1024 * 1024;

/**
 * A worker costs ~1.4 s of CPU to start (it loads the TypeScript compiler, the SQL parser and the ORM
 * readers) and extracts a file in ~1.5 ms: each worker gets at least this many files, so that its
 * start is paid back (measured with bench/ on a 2-core machine).
 */
export const FILES_PER_WORKER = 500;
/** Inline extraction reports progress after each batch of this size. */
const PROGRESS_BATCH = 25;

export interface ExtractOptions {
  sqlParser: SqlParserName;
  resolver: ImportResolver;
  /** Cache of facts between runs; none when undefined. */
  cache?: {
    folder: CacheFolder;
    /** The files are the whole repository: entries of files not among them are dropped. */
    wholeRepository?: boolean;
  };
  /** Worker threads: 1 extracts in this thread; undefined decides by the number of files to extract and the cores. */
  threads?: number;
  onProgress?: (done: number, total: number) => void;
  /** The repository's query-builder / ORM declarations (src/extract/orm): facts depend on them, so they salt the cache. */
  symbols?: RepoSymbols;
}

interface Pending {
  index: number;
  file: string;
  /** statKey() before reading, when trustworthy. */
  stat?: string;
}

type Job = Pending & ExtractJob & { hash: string };
type Extractor = (jobs: ExtractJob[]) => ExtractOutcome[];

export async function extractAll(root: string, files: string[], options: ExtractOptions, notifications: Notification[]): Promise<FileFacts[]> {
  const realRoot = realpathSync.native(root);
  const cache = options.cache && new FactsCache(options.cache.folder, `${cacheSalt(options.sqlParser)}:${options.symbols?.fingerprint ?? ''}`);
  const readNotes: Notification[][] = files.map(() => []);
  const outcomes = new Array<ExtractOutcome | undefined>(files.length);

  // Files whose recorded stats still hold come from the cache without being read.
  const pending: Pending[] = [];
  files.forEach((file, index) => {
    const stat = cache && statKey(path.join(realRoot, file));
    const unchanged = stat === undefined ? undefined : cache?.byStat(file, stat);
    if (unchanged) outcomes[index] = { facts: unchanged };
    else pending.push({ index, file, stat });
  });
  let done = files.length - pending.length;
  if (done > 0) options.onProgress?.(done, files.length);
  const progress = (count: number) => options.onProgress?.((done += count), files.length);

  // The others are read and hashed (the stats were taken before, so a change while reading shows
  // next time); what the cache does not hold for that hash is extracted.
  const toJob = (entry: Pending): Job | undefined => {
    const text = readSource(realRoot, entry.file, readNotes[entry.index]!);
    if (text === undefined) return undefined;
    const hash = contentHash(text);
    const cached = cache?.byHash(entry.file, hash, entry.stat);
    if (cached) outcomes[entry.index] = { facts: cached };
    return cached ? undefined : { ...entry, text, hash };
  };
  const settle = (job: Job, outcome: ExtractOutcome) => {
    outcomes[job.index] = outcome;
    if ('facts' in outcome) cache?.set(job.file, job.hash, outcome.facts, job.stat);
  };
  let extractor: Extractor | undefined;
  // Loaded only when needed: a run served from the cache never pays for the TypeScript compiler.
  const inline = async (): Promise<Extractor> => (extractor ??= await (await import('./jobs.js')).createExtractor(options.sqlParser, options.symbols?.data));

  if (threadCount(pending.length, options.threads) > 1 && workersAvailable()) {
    const jobs = pending.map(toJob).filter((job): job is Job => job !== undefined);
    progress(pending.length - jobs.length);
    const extracted = await extractWithWorkers(jobs, options, progress, notifications, inline);
    jobs.forEach((job, k) => settle(job, extracted[k]!));
  } else {
    // In this thread each batch is read, extracted and let go: the repository's text is never all in memory.
    for (let start = 0; start < pending.length; start += PROGRESS_BATCH) {
      const batch = pending.slice(start, start + PROGRESS_BATCH);
      const jobs = batch.map(toJob).filter((job): job is Job => job !== undefined);
      if (jobs.length > 0) (await inline())(jobs).forEach((outcome, k) => settle(jobs[k]!, outcome));
      progress(batch.length);
    }
  }
  if (cache) {
    if (options.cache!.wholeRepository) cache.retainOnly(new Set(files));
    const problem = cache.save();
    if (problem) notifications.push({ level: 'note', message: `Facts were not cached: ${problem}.` });
  }

  // The cache is written: from here on the facts may be resolved in place.
  const facts: FileFacts[] = [];
  files.forEach((file, index) => {
    notifications.push(...readNotes[index]!);
    const outcome = outcomes[index];
    if (!outcome) return;
    if ('error' in outcome) {
      notifications.push({ level: 'error', file, message: `could not be analysed: ${outcome.error}` });
      return;
    }
    for (const note of outcome.facts.notes) notifications.push({ level: 'note', file, ...note });
    for (const fact of outcome.facts.imports) fact.resolved = options.resolver.resolve(file, fact.specifier);
    facts.push(outcome.facts);
  });
  return facts;
}

/** Outcomes of the jobs, in their order: in workers when the files that changed are enough, else in this thread. */
async function extractWithWorkers(
  jobs: ExtractJob[],
  options: ExtractOptions,
  progress: (count: number) => void,
  notifications: Notification[],
  inline: () => Promise<Extractor>,
): Promise<ExtractOutcome[]> {
  const threads = threadCount(jobs.length, options.threads);
  if (threads > 1) {
    let extracted = 0;
    try {
      return await extractInWorkers(jobs, options.sqlParser, threads, (count) => {
        extracted += count;
        progress(count);
      }, options.symbols?.data);
    } catch (error) {
      progress(-extracted);
      notifications.push({ level: 'note', message: `Worker threads failed (${(error as Error).message}); the files were analysed in the main thread.` });
    }
  }
  const outcomes = (await inline())(jobs);
  progress(jobs.length);
  return outcomes;
}

function threadCount(jobs: number, requested: number | undefined): number {
  return requested !== undefined ? Math.min(requested, jobs) : autoThreads(jobs, availableParallelism(), loadavg()[0]!);
}

/**
 * Threads for `jobs` files: one per FILES_PER_WORKER, but no more than the cores other processes
 * leave idle (by the load average): on busy cores, workers only add their start-up to the CPU time.
 * 1 means extracting in the main thread.
 */
export function autoThreads(jobs: number, cores: number, load: number): number {
  const idle = Math.max(1, cores - Math.round(load));
  return Math.max(1, Math.min(idle, Math.floor(jobs / FILES_PER_WORKER)));
}

/** Reads a source file, refusing links that lead out of the root, binaries and oversized files. */
function readSource(realRoot: string, file: string, notifications: Notification[]): string | undefined {
  const absolute = path.join(realRoot, file);
  try {
    const real = realpathSync.native(absolute);
    if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
      notifications.push({ level: 'note', file, message: 'skipped: it is a link to a place outside the scanned root' });
      return undefined;
    }
    const stats = statSync(real);
    if (!stats.isFile()) {
      // A FIFO or device would block the read or never end.
      notifications.push({ level: 'note', file, message: 'skipped: not a regular file' });
      return undefined;
    }
    const size = stats.size;
    if (size > MAX_FILE_BYTES) {
      notifications.push({ level: 'note', file, message: `skipped: ${Math.round(size / 1024)} kB is over the ${MAX_FILE_BYTES / 1024} kB limit for source files` });
      return undefined;
    }
    const buffer = readFileSync(real);
    if (buffer.subarray(0, 8000).includes(0)) {
      notifications.push({ level: 'note', file, message: 'skipped: binary content (NUL bytes)' });
      return undefined;
    }
    // Not UTF-8: replacement characters would shift columns; Latin-1 keeps one column per byte.
    return buffer.toString(isUtf8(buffer) ? 'utf8' : 'latin1');
  } catch (error) {
    notifications.push({ level: 'error', file, message: `could not be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` });
    return undefined;
  }
}

