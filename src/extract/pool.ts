/**
 * Extraction in worker threads, for runs with enough files to pay for each worker loading its own
 * TypeScript parser and SQL analyzer. Files go out in small batches to whichever worker is free, and
 * outcomes come back in the order of the jobs, so the result is the same as extracting inline.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SqlParserName } from '../sql/index.js';
import type { ExtractJob, ExtractOutcome } from './jobs.js';
import type { RepoSymbolData } from './orm/symbols.js';

const WORKER_URL = new URL('./worker.js', import.meta.url);
const BATCH_SIZE = 32;

/** Workers run the compiled worker.js; from TypeScript sources (tests) there is none and extraction stays inline. */
export function workersAvailable(): boolean {
  return import.meta.url.endsWith('.js') && existsSync(fileURLToPath(WORKER_URL));
}

/** Rejects when a worker fails to start or dies; the caller can then extract inline. */
export function extractInWorkers(
  jobs: ExtractJob[],
  sqlParser: SqlParserName,
  threads: number,
  progress: (count: number) => void,
  symbols?: RepoSymbolData,
): Promise<ExtractOutcome[]> {
  if (jobs.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const outcomes = new Array<ExtractOutcome>(jobs.length);
    const workers: Worker[] = [];
    let next = 0;
    let done = 0;
    let settled = false;
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      for (const worker of workers) void worker.terminate();
      if (error) reject(error);
      else resolve(outcomes);
    };

    for (let i = 0; i < Math.min(threads, jobs.length); i++) {
      const worker = new Worker(WORKER_URL, { workerData: { sqlParser, symbols } });
      workers.push(worker);
      let batchStart = 0;
      const sendBatch = (): void => {
        if (next >= jobs.length) return;
        batchStart = next;
        next = Math.min(jobs.length, next + BATCH_SIZE);
        worker.postMessage(jobs.slice(batchStart, next).map(({ file, text }) => ({ file, text })));
      };
      worker.on('message', (results: ExtractOutcome[]) => {
        results.forEach((outcome, k) => (outcomes[batchStart + k] = outcome));
        done += results.length;
        progress(results.length);
        if (done === jobs.length) finish();
        else sendBatch();
      });
      worker.on('error', (error) => finish(error));
      worker.on('exit', (code) => finish(new Error(`an extraction worker stopped early (exit code ${code})`)));
      sendBatch();
    }
  });
}
