import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check.js';
import { workersAvailable } from '../../src/extract/pool.js';
import { autoThreads, FILES_PER_WORKER } from '../../src/extract/run.js';
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
