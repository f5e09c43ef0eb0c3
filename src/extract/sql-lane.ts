/**
 * The SQL lane: a worker thread that analyses SQL texts for a thread that parses TypeScript. Parsing
 * a file's TypeScript needs no SQL analysis, so while the lane analyses one batch's statements the
 * extracting thread parses the next batch; on the bench's 5,000-file tree SQL analysis is a quarter
 * of extraction. The lane loads only the SQL parser, not the TypeScript compiler.
 *
 * Answers are the analyses SqlAnalyzer.analyze gives in this thread (a pure function of the text
 * and the parser): facts do not depend on where their SQL was analysed.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { detachString } from '../facts/detach.js';
import type { SqlAnalysis } from '../facts/types.js';
import type { SqlParserName } from '../sql/index.js';

const WORKER_URL = new URL('./sql-lane-worker.js', import.meta.url);
/** Analyses kept here, so that a text met again (the same query in many files) is not sent again. */
const KEPT = 5_000;

/** The lane runs the compiled sql-lane-worker.js; from TypeScript sources (tests) there is none. */
export function sqlLaneAvailable(): boolean {
  return import.meta.url.endsWith('.js') && existsSync(fileURLToPath(WORKER_URL));
}

export class SqlLane {
  private readonly worker: Worker;
  private readonly kept = new Map<string, SqlAnalysis>();
  /** Requests sent and not yet answered, oldest first: the worker answers in order. */
  private readonly waiting: Array<{ resolve(analyses: SqlAnalysis[]): void; reject(error: Error): void }> = [];
  private failure: Error | undefined;

  constructor(sqlParser: SqlParserName) {
    this.worker = new Worker(WORKER_URL, { workerData: sqlParser });
    this.worker.on('message', (analyses: SqlAnalysis[]) => this.waiting.shift()?.resolve(analyses));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the SQL worker stopped early (exit code ${code})`)));
  }

  /**
   * The analysis of each of `texts`, as a lookup that answers for them; rejects when the worker has
   * failed or fails before it answers (the caller then analyses them itself).
   */
  async analyze(texts: Iterable<string>): Promise<(sql: string) => SqlAnalysis> {
    const answers = new Map<string, SqlAnalysis>();
    const missing = new Set<string>();
    for (const text of texts) {
      const kept = this.kept.get(text);
      if (kept) answers.set(text, kept);
      else missing.add(text);
    }
    if (missing.size > 0) {
      if (this.failure) throw this.failure;
      const sent = [...missing];
      const analyses = await new Promise<SqlAnalysis[]>((resolve, reject) => {
        this.waiting.push({ resolve, reject });
        this.worker.postMessage(sent);
      });
      sent.forEach((text, k) => {
        answers.set(text, analyses[k]!);
        if (this.kept.size >= KEPT) this.kept.delete(this.kept.keys().next().value!); // oldest first
        // The text is often cut from a file's text: a copy, so that what is kept does not hold the file.
        this.kept.set(detachString(text), analyses[k]!);
      });
    }
    return (sql) => answers.get(sql)!;
  }

  /** Stops the worker; requests still waiting are rejected. */
  close(): void {
    this.fail(new Error('the SQL worker was stopped'));
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    void this.worker.terminate();
    for (const waiting of this.waiting.splice(0)) waiting.reject(error);
  }
}
