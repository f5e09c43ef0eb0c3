// The runtime guard's cost per query: node-postgres against PGlite served on 127.0.0.1, the same
// statements through an unwrapped pool and through guard.wrap(pool), in record mode.
//
//   npm run build && node bench/runtime.mjs [--queries 2000] [--distinct 300] [--repeat 3]
//
//   cached       one statement text sent again and again: after the first, a stack capture and two lookups
//   first-seen   a new text each time: parsed, judged with the rules and written to the record
// Each row gives the time per query with the database round trip, and the guard's own share
// measured without one (guard.checkStatement on the same texts). Best of --repeat rounds.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import { createRuntimeGuard } from '../dist/runtime/index.js';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const APP = path.join(REPO_ROOT, 'fixtures/runtime-app');
const options = parseArgs(process.argv.slice(2));

const db = await PGlite.create();
await db.exec("CREATE TABLE billing_invoices (id integer PRIMARY KEY, product_id integer NOT NULL, amount_cents integer NOT NULL); INSERT INTO billing_invoices VALUES (1, 1, 100)");
const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
await server.start();
const [host, port] = server.getServerConn().split(':');
const config = { host, port: Number(port), user: 'postgres', database: 'postgres', max: 1 };
const reportDir = mkdtempSync(path.join(os.tmpdir(), 'schema-guard-bench-runtime-'));

// The fixture app's map, with this repository as the root: the bench's own frames are the callers,
// and runAs makes them reporting's, so every statement is judged and found crossing into billing.
const guard = await createRuntimeGuard({ root: REPO_ROOT, map: path.join(APP, 'ownership-map.yaml'), reportDir });
const plain = new pg.Pool(config);
const wrapped = guard.wrap(new pg.Pool(config));

const CACHED = 'SELECT amount_cents FROM billing_invoices WHERE id = $1';
let round = 0;
const distinctTexts = () => Array.from({ length: options.distinct }, (_, i) => `SELECT amount_cents AS a${round}_${i} FROM billing_invoices WHERE id = $1`);

try {
  const rows = [];
  for (let r = 0; r < options.repeat; r++) {
    round = r;
    const texts = distinctTexts();
    const measured = {
      'cached, unwrapped': await perQuery(() => runQueries(plain, options.queries, () => CACHED)),
      'cached, guarded': await perQuery(() => guard.runAs('reporting', () => runQueries(wrapped, options.queries, () => CACHED))),
      'cached, guard alone': perQuerySync(options.queries * 10, () => guard.runAs('reporting', () => checkAll(guard, options.queries * 10, () => CACHED))),
    };
    const fresh = distinctTexts().map((text) => text.replace('AS a', 'AS u'));
    measured['first-seen, unwrapped'] = await perQuery(() => runQueries(plain, fresh.length, (i) => fresh[i]));
    measured['first-seen, guarded'] = await perQuery(() => guard.runAs('reporting', () => runQueries(wrapped, texts.length, (i) => texts[i])));
    const alone = texts.map((text) => text.replace('AS a', 'AS b'));
    measured['first-seen, guard alone'] = perQuerySync(alone.length, () => guard.runAs('reporting', () => checkAll(guard, alone.length, (i) => alone[i])));
    for (const [step, ms] of Object.entries(measured)) rows.push({ step, ms });
  }
  const best = new Map();
  for (const { step, ms } of rows) best.set(step, Math.min(best.get(step) ?? Infinity, ms.perQuery));
  console.log(`${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()}, node ${process.version}; best of ${options.repeat} rounds`);
  console.log(`${options.queries} cached queries, ${options.distinct} first-seen statement texts per round\n`);
  const table = [['statement', 'µs per query'], ...[...best].map(([step, ms]) => [step, (ms * 1000).toFixed(1)])];
  for (const [a, b] of table) console.log(`${a.padEnd(26)}${b.padStart(14)}`);
  const overhead = (kind) => ((best.get(`${kind}, guarded`) - best.get(`${kind}, unwrapped`)) * 1000).toFixed(1);
  console.log(`\noverhead per query through the pool: cached ${overhead('cached')} µs, first-seen ${overhead('first-seen')} µs`);
  console.log(`the guard alone: cached ${(best.get('cached, guard alone') * 1000).toFixed(1)} µs, first-seen ${(best.get('first-seen, guard alone') * 1000).toFixed(1)} µs (analysis, rules and the record line)`);
} finally {
  await plain.end();
  await wrapped.end();
  await server.stop();
  await db.close();
  rmSync(reportDir, { recursive: true, force: true });
}

async function runQueries(pool, count, textOf) {
  for (let i = 0; i < count; i++) await pool.query(textOf(i), [1]);
  return count;
}

function checkAll(guardToUse, count, textOf) {
  for (let i = 0; i < count; i++) guardToUse.checkStatement(textOf(i), 'pg');
  return count;
}

async function perQuery(run) {
  const start = performance.now();
  const count = await run();
  return { perQuery: (performance.now() - start) / count };
}

function perQuerySync(count, run) {
  const start = performance.now();
  run();
  return { perQuery: (performance.now() - start) / count };
}

function parseArgs(args) {
  const parsed = { queries: 2000, distinct: 300, repeat: 3 };
  for (let i = 0; i < args.length; i += 2) {
    const key = args[i]?.replace(/^--/, '');
    const value = Number(args[i + 1]);
    if (!(key in parsed) || !Number.isInteger(value) || value < 1) {
      console.error(`usage: node bench/runtime.mjs [--queries N] [--distinct N] [--repeat N]`);
      process.exit(2);
    }
    parsed[key] = value;
  }
  return parsed;
}
