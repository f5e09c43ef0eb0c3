/**
 * Runs extraction jobs in lanes: this thread, and, when more lanes are asked for, worker threads
 * that each load their own parsers. Every lane takes small batches from one queue, so a faster lane
 * takes more, and each lane reads its own files, so the repository's text is never all in memory.
 * Outcomes come back in the order of the jobs: the same as extracting in this thread alone.
 * A worker that fails hands its batch back; this thread finishes the work.
 *
 * A worker may be started before the run knows its setup (ExtractionWorker): it loads its parsers
 * (about a second) while this thread lists and pre-reads the repository, and takes the setup as its
 * first message.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SqlParserName } from '../sql/index.js';
import type { ExtractJob, Extractor, ExtractorSetup, ExtractOutcome } from './jobs.js';

const WORKER_URL = new URL('./worker.js', import.meta.url);
/** Small enough to spread the files evenly and to keep this thread answering the workers. */
const BATCH_SIZE = 32;
/** Batches a worker holds at once (see runLanes). */
const IN_FLIGHT = 2;
/**
 * Batches this thread keeps going: while the SQL lane analyses one batch's SQL, it parses the next.
 * With two, the main thread still waited ~150 ms for answers over the 5k bench tree; with three ~120 ms.
 */
const INLINE_DEPTH = 3;

/** Workers run the compiled worker.js; from TypeScript sources (tests) there is none and extraction stays in this thread. */
export function workersAvailable(): boolean {
  return import.meta.url.endsWith('.js') && existsSync(fileURLToPath(WORKER_URL));
}

/** An extraction worker thread, loading its parsers from the start; why it failed, if it did before runLanes took it. */
export class ExtractionWorker {
  readonly worker: Worker;
  failure: string | undefined;

  /** @param stackSizeMb the thread's stack, when it must hold more than a default worker's (4 MB). */
  constructor(sqlParser: SqlParserName, stackSizeMb?: number) {
    this.worker = new Worker(WORKER_URL, { workerData: sqlParser, ...(stackSizeMb ? { resourceLimits: { stackSizeMb } } : {}) });
    // Listened to at once: an 'error' nobody listens to would be thrown in this thread.
    this.worker.on('error', (error) => (this.failure ??= error.message));
    this.worker.on('exit', (code) => (this.failure ??= `an extraction worker stopped early (exit code ${code})`));
  }

  close(): void {
    void this.worker.terminate();
  }
}

/** The outcomes of `jobs`, extracted by one worker of its own with the given stack; rejects when the worker fails. */
export async function extractInWorker(jobs: ExtractJob[], setup: ExtractorSetup, stackSizeMb: number): Promise<ExtractOutcome[]> {
  const lane = new ExtractionWorker(setup.sqlParser, stackSizeMb);
  try {
    return await new Promise<ExtractOutcome[]>((resolve, reject) => {
      lane.worker.on('message', resolve);
      lane.worker.on('error', reject);
      lane.worker.on('exit', (code) => reject(new Error(`the worker stopped early (exit code ${code})`)));
      lane.worker.postMessage(setup);
      lane.worker.postMessage(jobs);
    });
  } finally {
    lane.close();
  }
}

export interface LaneOptions {
  setup: ExtractorSetup;
  /** Threads that extract, this one included. */
  lanes: number;
  /** Workers started earlier, taken before new ones are started; runLanes stops those it takes. */
  started?: ExtractionWorker[];
  /** This thread's extractor, loaded on first use. */
  inline: () => Promise<Extractor>;
  progress: (count: number) => void;
  /** Called once when a worker fails; its files are extracted by the remaining lanes. */
  onWorkerFailure: (message: string) => void;
}

export async function runLanes(jobs: ExtractJob[], options: LaneOptions): Promise<ExtractOutcome[]> {
  if (jobs.length === 0) return [];
  const outcomes = new Array<ExtractOutcome>(jobs.length);
  const queue: Array<[number, number]> = [];
  for (let start = 0; start < jobs.length; start += BATCH_SIZE) queue.push([start, Math.min(jobs.length, start + BATCH_SIZE)]);
  let remaining = jobs.length;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const place = ([start]: [number, number], results: ExtractOutcome[]) => {
    results.forEach((outcome, k) => (outcomes[start + k] = outcome));
    remaining -= results.length;
    options.progress(results.length);
  };

  const workerCount = options.lanes > 1 && workersAvailable() ? Math.min(options.lanes - 1, queue.length - 1) : 0;
  const stops: Array<() => void> = [];
  let failed = false;
  const started = [...(options.started ?? [])];
  for (let i = 0; i < workerCount; i++) {
    const lane = started.shift() ?? new ExtractionWorker(options.setup.sqlParser);
    const worker = lane.worker;
    // Batches sent and not yet answered, oldest first. A worker holds IN_FLIGHT batches, so that it
    // never waits for this thread, which hands out batches only between its own.
    const sent: Array<[number, number]> = [];
    let done = false;
    const stop = () => {
      if (done) return;
      done = true;
      void worker.terminate();
    };
    stops.push(stop);
    const fill = () => {
      while (sent.length < IN_FLIGHT) {
        const batch = queue.shift();
        if (!batch) break;
        sent.push(batch);
        worker.postMessage(jobs.slice(batch[0], batch[1]));
      }
      if (sent.length === 0) stop();
    };
    worker.on('message', (results: ExtractOutcome[]) => {
      // An answer that arrives after a failure handed the batches back is not used twice.
      if (done) return;
      place(sent.shift()!, results);
      fill();
      notify();
    });
    const fail = (reason: string) => {
      if (done) return;
      queue.unshift(...sent.splice(0));
      stop();
      if (!failed) options.onWorkerFailure(reason);
      failed = true;
      notify();
    };
    worker.on('error', (error) => fail(error.message));
    worker.on('exit', (code) => fail(`an extraction worker stopped early (exit code ${code})`));
    if (lane.failure !== undefined) {
      fail(lane.failure);
      continue;
    }
    worker.postMessage(options.setup);
    fill();
  }

  try {
    const extract = await options.inline();
    const inline: Array<Promise<void>> = [];
    while (remaining > 0) {
      const batch = inline.length < INLINE_DEPTH ? queue.shift() : undefined;
      if (batch) {
        const placed = extract(jobs.slice(batch[0], batch[1])).then((results) => place(batch, results));
        placed.catch(() => {}); // handled where it is awaited: not an unhandled rejection meanwhile
        inline.push(placed);
        // Lets the workers' answers in, so that they get their next batch without waiting for this thread.
        await new Promise((resolve) => setImmediate(resolve));
      } else if (inline.length > 0) {
        await inline.shift();
      } else {
        // The queue is empty but workers still hold batches: wait for an answer (or a failure, which requeues).
        await new Promise<void>((resolve) => (wake = resolve));
      }
    }
    return outcomes;
  } finally {
    // Normally every worker has stopped already; not when this thread's extractor could not load.
    for (const stop of stops) stop();
  }
}
