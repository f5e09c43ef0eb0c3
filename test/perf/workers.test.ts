import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check.js';
import { workersAvailable } from '../../src/extract/pool.js';
import { autoThreads, FILES_PER_WORKER, SQL_LANE_FILES } from '../../src/extract/run.js';
import type { RepoSymbolData } from '../../src/extract/orm/symbols.js';
import { REPO_ROOT, ROOT_MAP, writeRepo } from '../helpers.js';

const FIXTURE = path.join(REPO_ROOT, 'fixtures/platform-monorepo');
const BIN = path.join(REPO_ROOT, 'bin/schema-guard.js');

describe('extraction in worker threads', () => {
  // Workers run the compiled dist/extract/worker.js: this spawns the built CLI (npm test builds it first).
  it.skipIf(!existsSync(path.join(REPO_ROOT, 'dist/extract/worker.js')))('gives the report of extraction in the main thread', async () => {
    const report = async (threads: string) => {
      const result = await execa('node', [BIN, 'check', '--root', FIXTURE, '--map', ROOT_MAP, '--format', 'json', '--no-cache', '--quiet', '--threads', threads], { reject: false });
      expect(result.stderr).toBe('');
      return JSON.parse(result.stdout);
    };
    const inline = await report('1');
    const threaded = await report('2');
    expect(threaded.findings.length).toBeGreaterThan(20);
    expect(threaded).toEqual(inline);
  }, 60_000);

  it('falls back to the main thread where there is no compiled worker (TypeScript sources)', async () => {
    expect(workersAvailable()).toBe(false);
    const threaded = await runCheck({ root: FIXTURE, mapFile: ROOT_MAP, threads: 4 });
    const inline = await runCheck({ root: FIXTURE, mapFile: ROOT_MAP, threads: 1 });
    expect(threaded.facts).toEqual(inline.facts);
    expect(threaded.notifications).toEqual([]);
  });
});

describe('extraction lanes', () => {
  const built = path.join(REPO_ROOT, 'dist/extract/pool.js');

  // A worker that cannot start (here: a symbol table it cannot read) hands its files back to this thread.
  it.skipIf(!existsSync(built))('finish the work in this thread when a worker fails, and say so once', async () => {
    const { runLanes } = (await import(pathToFileURL(built).href)) as typeof import('../../src/extract/pool.js');
    const { createExtractor } = (await import(pathToFileURL(path.join(REPO_ROOT, 'dist/extract/jobs.js')).href)) as typeof import('../../src/extract/jobs.js');
    const root = writeRepo(Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`m/${i}.sql`, `SELECT * FROM t${i};\n`])));
    const realRoot = realpathSync(root);
    const jobs = Array.from({ length: 100 }, (_, i) => ({ file: `m/${i}.sql` }));
    const failures: string[] = [];
    const outcomes = await runLanes(jobs, {
      setup: { realRoot, sqlParser: 'libpg-query', symbols: { exports: null } as unknown as RepoSymbolData },
      lanes: 3,
      inline: () => createExtractor({ realRoot, sqlParser: 'libpg-query' }),
      progress: () => {},
      onWorkerFailure: (reason) => failures.push(reason),
    });
    expect(failures).toHaveLength(1);
    expect(outcomes.map((outcome) => outcome.facts?.accesses[0]?.table.name)).toEqual(jobs.map((_, i) => `t${i}`));
  });

  it.skipIf(!existsSync(built))('take workers started before the setup was known, and hand back the work of one that failed meanwhile', async () => {
    const { runLanes, ExtractionWorker } = (await import(pathToFileURL(built).href)) as typeof import('../../src/extract/pool.js');
    const { createExtractor } = (await import(pathToFileURL(path.join(REPO_ROOT, 'dist/extract/jobs.js')).href)) as typeof import('../../src/extract/jobs.js');
    const root = writeRepo(Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`m/${i}.sql`, `SELECT * FROM t${i};\n`])));
    const realRoot = realpathSync(root);
    const jobs = Array.from({ length: 200 }, (_, i) => ({ file: `m/${i}.sql` }));
    const run = async (started: InstanceType<typeof ExtractionWorker>[]) => {
      let inline = 0;
      const failures: string[] = [];
      const outcomes = await runLanes(jobs, {
        setup: { realRoot, sqlParser: 'libpg-query' },
        lanes: 2,
        started,
        inline: async () => {
          const extract = await createExtractor({ realRoot, sqlParser: 'libpg-query' });
          return (batch) => {
            inline += batch.length;
            return extract(batch);
          };
        },
        progress: () => {},
        onWorkerFailure: (reason) => failures.push(reason),
      });
      expect(outcomes.map((outcome) => outcome.facts?.accesses[0]?.table.name)).toEqual(jobs.map((_, i) => `t${i}`));
      return { inline, failures };
    };
    // The started worker is sent its first batches at once: this thread cannot have done them all.
    const used = await run([new ExtractionWorker('libpg-query')]);
    expect(used.inline).toBeLessThan(jobs.length);
    expect(used.failures).toEqual([]);

    const stopped = new ExtractionWorker('libpg-query');
    stopped.close();
    await new Promise((resolve) => stopped.worker.once('exit', resolve));
    const handedBack = await run([stopped]);
    expect(handedBack.inline).toBe(jobs.length);
    expect(handedBack.failures).toHaveLength(1);
  });

  it.skipIf(!existsSync(built))('stop the workers and pass the error on when this thread cannot load its extractor', async () => {
    const { runLanes } = (await import(pathToFileURL(built).href)) as typeof import('../../src/extract/pool.js');
    const root = writeRepo(Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`m/${i}.sql`, `SELECT 1;\n`])));
    const run = runLanes(Array.from({ length: 100 }, (_, i) => ({ file: `m/${i}.sql` })), {
      setup: { realRoot: realpathSync(root), sqlParser: 'libpg-query' },
      lanes: 2,
      inline: () => Promise.reject(new Error('no parser here')),
      progress: () => {},
      onWorkerFailure: () => {},
    });
    await expect(run).rejects.toThrow('no parser here');
  });
});

/** Files of every kind of SQL site: query calls, tagged templates, strings that are SQL only if they parse, errors, migrations, PL/pgSQL. */
function sqlRepo(count: number): Record<string, string> {
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) =>
      i % 4 === 3
        ? [`migrations/${String(i).padStart(4, '0')}_m.sql`, `CREATE TABLE billing_t${i} (id int, tenant_id int);\nINSERT INTO billing_t${i % 7} SELECT * FROM users;\nCREATE FUNCTION f${i}() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DELETE FROM ledger_entries WHERE id = ${i}; END $$;\nSELECT * FROM (;\n`]
        : [
            `packages/gpuaas/provisioning/src/f${i}.ts`,
            `import { sql } from 'slonik';\nexport const a = (db: any) => db.query('SELECT * FROM organizations WHERE id = $1 AND n = ${i % 50}');\n` +
              `export const b = sql\`UPDATE gpu_nodes SET x = ${i % 9} WHERE id = \${1}\`;\nexport const c = 'update ledger entries failed ${i % 3}';\nexport const d = 'DELETE FROM invoices';\nexport const e = (db: any) => db.query('SELEC broken ${i % 5}');\n`,
          ],
    ),
  );
}

describe('the SQL lane', () => {
  const built = (file: string) => path.join(REPO_ROOT, 'dist/extract', file);
  const load = async <T>(file: string) => (await import(pathToFileURL(built(file)).href)) as T;

  // The lane runs the compiled dist/extract/sql-lane-worker.js: this spawns the built CLI.
  it.skipIf(!existsSync(built('sql-lane-worker.js')))('gives the report of extraction in the main thread alone', async () => {
    const root = writeRepo(sqlRepo(SQL_LANE_FILES + 40));
    const report = async (...threads: string[]) => {
      const result = await execa('node', [BIN, 'check', '--root', root, '--map', ROOT_MAP, '--format', 'json', '--no-cache', '--quiet', ...threads], { reject: false });
      expect(result.stderr).toBe('');
      return JSON.parse(result.stdout);
    };
    const withLane = await report(); // no --threads: a lone extracting thread with a SQL lane, on any machine of two cores or more
    const alone = await report('--threads', '1');
    expect(alone.findings.length).toBeGreaterThan(SQL_LANE_FILES);
    expect(withLane).toEqual(alone);
  }, 60_000);

  it.skipIf(!existsSync(built('sql-lane-worker.js')))('hands the SQL back to this thread when the lane fails, and says so once', async () => {
    const { createExtractor } = await load<typeof import('../../src/extract/jobs.js')>('jobs.js');
    const { SqlLane } = await load<typeof import('../../src/extract/sql-lane.js')>('sql-lane.js');
    const root = realpathSync(writeRepo(sqlRepo(40)));
    const jobs = Object.keys(sqlRepo(40)).map((file) => ({ file }));
    const inline = await (await createExtractor({ realRoot: root, sqlParser: 'libpg-query' }))(jobs);

    const lane = new SqlLane('libpg-query');
    // A list that is not texts makes the worker throw: it stops, and what waits on it is rejected.
    await expect(lane.analyze([42 as unknown as string])).rejects.toThrow();
    const failures: string[] = [];
    const extract = await createExtractor({ realRoot: root, sqlParser: 'libpg-query' }, { sqlLane: lane, onSqlLaneFailure: (reason) => failures.push(reason) });
    expect(await extract(jobs.slice(0, 20))).toEqual(inline.slice(0, 20));
    expect(await extract(jobs.slice(20))).toEqual(inline.slice(20));
    expect(failures).toHaveLength(1);
  });

  it.skipIf(!existsSync(built('sql-lane.js')))('starts only for enough files, with a second core, without --threads and without extraction workers', async () => {
    const { startThreads } = await load<typeof import('../../src/extract/run.js')>('run.js');
    const started = (files: number, threads: number | undefined, cores: number) => {
      const early = startThreads(files, threads, 'libpg-query', cores);
      early.close();
      return { lane: early.sqlLane !== undefined, workers: early.workers.length };
    };
    expect(started(SQL_LANE_FILES, undefined, 2)).toEqual({ lane: true, workers: 0 });
    expect(started(SQL_LANE_FILES - 1, undefined, 2)).toEqual({ lane: false, workers: 0 });
    expect(started(SQL_LANE_FILES, 1, 2)).toEqual({ lane: false, workers: 0 });
    expect(started(SQL_LANE_FILES, undefined, 1)).toEqual({ lane: false, workers: 0 });
    expect(started(2 * FILES_PER_WORKER - 1, undefined, 2)).toEqual({ lane: true, workers: 0 });
    // Files enough for extraction workers: they take the other cores, started at once too.
    expect(started(2 * FILES_PER_WORKER, undefined, 2)).toEqual({ lane: false, workers: 1 });
    expect(started(3 * FILES_PER_WORKER, undefined, 16)).toEqual({ lane: false, workers: 2 });
    expect(started(SQL_LANE_FILES, 3, 2)).toEqual({ lane: false, workers: 2 });
  });
});

describe('autoThreads', () => {
  it('extracts in the main thread below two workers’ worth of files', () => {
    expect(autoThreads(0, 16)).toBe(1);
    expect(autoThreads(2 * FILES_PER_WORKER - 1, 16)).toBe(1);
  });

  it('adds a worker per FILES_PER_WORKER files, up to the cores', () => {
    expect(autoThreads(2 * FILES_PER_WORKER, 16)).toBe(2);
    expect(autoThreads(5 * FILES_PER_WORKER, 16)).toBe(5);
    expect(autoThreads(100 * FILES_PER_WORKER, 16)).toBe(16);
    expect(autoThreads(100 * FILES_PER_WORKER, 2)).toBe(2);
    expect(autoThreads(100 * FILES_PER_WORKER, 1)).toBe(1);
  });
});
