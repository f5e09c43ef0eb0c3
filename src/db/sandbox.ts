/**
 * The embedded PostgreSQL that `db check --migrations` applies migrations to: PGlite in a worker
 * thread (sandbox-worker.ts). What the migrations can reach is what WebAssembly PostgreSQL on an
 * in-memory file system can reach: no host file (COPY, pg_read_file and lo_import see only the
 * in-memory file system), no program (COPY … PROGRAM has no process to start), no network (no
 * dblink, postgres_fdw or untrusted language exists in it). Each request has a time limit; a
 * statement that overruns it, crashes the worker or leaves the database unable to answer ends the
 * worker, and the caller starts a new one.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SandboxError, SandboxRequest, SandboxResponse, SandboxSetup } from './sandbox-worker.js';

/** Contrib extensions that PGlite bundles and a migration may create: data types, functions and index methods. Not file_fdw, nor inspection tools. */
export const BUNDLED_EXTENSIONS: Readonly<Record<string, string>> = {
  bloom: 'bloom',
  btree_gin: 'btree_gin',
  btree_gist: 'btree_gist',
  citext: 'citext',
  cube: 'cube',
  dict_int: 'dict_int',
  dict_xsyn: 'dict_xsyn',
  earthdistance: 'earthdistance',
  fuzzystrmatch: 'fuzzystrmatch',
  hstore: 'hstore',
  intarray: 'intarray',
  isn: 'isn',
  lo: 'lo',
  ltree: 'ltree',
  moddatetime: 'moddatetime',
  pg_trgm: 'pg_trgm',
  pgcrypto: 'pgcrypto',
  seg: 'seg',
  tablefunc: 'tablefunc',
  tcn: 'tcn',
  tsm_system_rows: 'tsm_system_rows',
  tsm_system_time: 'tsm_system_time',
  unaccent: 'unaccent',
  'uuid-ossp': 'uuid_ossp',
};

/** Starting PGlite runs initdb in WebAssembly: seconds on a busy machine. */
const START_TIMEOUT_MS = 120_000;

export type ExecOutcome =
  | { ok: true; rows: Record<string, unknown>[] }
  | { ok: false; error: SandboxError }
  /** The statement overran its time, crashed the worker or left the database unable to answer: the worker is gone. */
  | { ok: false; broken: string };

/**
 * initdb is most of a start. A process that starts a second database (after a statement broke the
 * first, or for another run) keeps that one's fresh data directory, dumped before any statement
 * ran, and later starts load it instead of running initdb again.
 */
let starts = 0;
let template: ArrayBuffer | undefined;

// From the TypeScript sources (the tests), the worker is the compiled one: build first.
const WORKER_URL = import.meta.url.endsWith('.ts') ? new URL('../../dist/db/sandbox-worker.js', import.meta.url) : new URL('./sandbox-worker.js', import.meta.url);

export class EmbeddedDatabase {
  private nextId = 1;
  private pending: { resolve: (response: SandboxResponse | { broken: string }) => void } | undefined;
  /** Why the worker is gone, once it is. */
  private gone: string | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (response: SandboxResponse) => this.settle(response));
    worker.on('error', (error) => this.settle({ broken: `the embedded database failed: ${error.message}` }));
    worker.on('exit', (code) => {
      this.gone ??= `the embedded database stopped (exit code ${code})`;
      this.settle({ broken: this.gone });
    });
    // Whatever PGlite or a statement writes to standard output stays out of the report.
    worker.stdout.resume();
    worker.stderr.resume();
  }

  /** Starts PGlite with the given bundled extensions (keys of BUNDLED_EXTENSIONS). */
  static async start(extensions: readonly string[]): Promise<EmbeddedDatabase> {
    if (!existsSync(fileURLToPath(WORKER_URL))) throw new Error(`the embedded database's worker ${fileURLToPath(WORKER_URL)} is missing: run npm run build`);
    const setup: SandboxSetup = {
      extensions: extensions.map((name) => BUNDLED_EXTENSIONS[name]!).filter(Boolean),
      ...(template ? { template } : { dumpTemplate: ++starts >= 2 }),
    };
    const worker = new Worker(WORKER_URL, { workerData: setup, stdout: true, stderr: true });
    const db = new EmbeddedDatabase(worker);
    const ready = await db.request(undefined, START_TIMEOUT_MS);
    if ('broken' in ready || !('ready' in ready) || !ready.ready) {
      await db.close();
      const reason = 'broken' in ready ? ready.broken : 'error' in ready ? ready.error.message : 'no answer';
      throw new Error(`the embedded PostgreSQL (PGlite) did not start: ${reason}`);
    }
    template ??= ready.template;
    return db;
  }

  /** Runs SQL for its effect, within `timeoutMs`. */
  exec(sql: string, timeoutMs: number): Promise<ExecOutcome> {
    return this.run({ id: this.nextId++, kind: 'exec', sql }, timeoutMs);
  }

  /** One statement with parameters, for its rows; any failure throws. */
  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = [], timeoutMs = 60_000): Promise<T[]> {
    const outcome = await this.run({ id: this.nextId++, kind: 'query', sql, params }, timeoutMs);
    if (!outcome.ok) throw new Error(`reading the embedded database's catalog failed: ${'broken' in outcome ? outcome.broken : outcome.error.message}`);
    return outcome.rows as T[];
  }

  async close(): Promise<void> {
    this.gone ??= 'the embedded database was closed';
    await this.worker.terminate();
  }

  private async run(request: SandboxRequest, timeoutMs: number): Promise<ExecOutcome> {
    const response = await this.request(request, timeoutMs);
    if ('broken' in response) return { ok: false, broken: response.broken };
    if (!('ok' in response)) return { ok: false, broken: 'the embedded database answered out of turn' };
    if (!response.alive) {
      await this.close();
      return { ok: false, broken: 'the embedded database stopped answering queries after it' };
    }
    return response.ok ? { ok: true, rows: response.rows } : { ok: false, error: response.error };
  }

  /** Sends a request (none: waits for the ready message) and waits for its answer; past the time limit the worker is ended. */
  private request(request: SandboxRequest | undefined, timeoutMs: number): Promise<SandboxResponse | { broken: string }> {
    return new Promise((resolve) => {
      if (this.gone) return resolve({ broken: this.gone });
      const timer = setTimeout(() => {
        this.gone = `it did not finish within ${timeoutMs / 1000} s`;
        this.settle({ broken: this.gone });
        void this.worker.terminate();
      }, timeoutMs);
      this.pending = {
        resolve: (response) => {
          clearTimeout(timer);
          resolve(response);
        },
      };
      if (request) this.worker.postMessage(request);
    });
  }

  private settle(response: SandboxResponse | { broken: string }): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.resolve(response);
  }
}
