// How long `schema-guard db check` takes on the fixtures' migrations: whole processes (each one
// starts PGlite cold), and the steps in this process: applying the statements and reading the
// catalog. PGlite's start is shown apart: cold (initdb in WebAssembly, as every CLI run does it) and
// warm (from the fresh data directory a process keeps once it started a second database).
//
//   npm run build && node bench/db-check.mjs [--repeat 3]
//
// Best of --repeat runs of each (the machine may be shared). A run starts PGlite, which runs initdb
// in WebAssembly: that start is most of the time on small migration sets.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(REPO_ROOT, 'bin/schema-guard.js');
const FIXTURES = [
  { name: 'tenancy-service', root: 'fixtures/tenancy-service', map: 'fixtures/tenancy-service/ownership-map.yaml' },
  { name: 'module-schemas', root: 'fixtures/module-schemas', map: 'fixtures/module-schemas/ownership-map.yaml' },
  { name: 'platform-monorepo', root: 'fixtures/platform-monorepo', map: 'ownership-map.yaml' },
];

const repeatAt = process.argv.indexOf('--repeat');
const repeat = repeatAt > 0 ? Number(process.argv[repeatAt + 1]) : 3;
if (!Number.isInteger(repeat) || repeat < 1) throw new Error('--repeat expects a whole number of 1 or more');
if (!existsSync(path.join(REPO_ROOT, 'dist/db/check.js'))) {
  console.error('dist/ is missing: run `npm run build` first.');
  process.exit(2);
}

const [{ loadOwnershipMap }, { findMigrationFiles, readMigration }, { applyMigrations }, { EmbeddedDatabase }, { readCatalog }] = await Promise.all([
  import('../dist/map/load.js'),
  import('../dist/db/migrations.js'),
  import('../dist/db/apply.js'),
  import('../dist/db/sandbox.js'),
  import('../dist/db/catalog.js'),
]);

console.log(`${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} cores, Node ${process.version}, load ${os.loadavg()[0].toFixed(1)}`);
console.log(`best of ${repeat}; seconds\n`);
const header = ['fixture', 'files', 'statements', 'relations', 'process', 'apply', 'catalog'];
const startTimes = [];
const rows = [];
for (const fixture of FIXTURES) {
  const root = path.join(REPO_ROOT, fixture.root);
  const mapFile = path.join(REPO_ROOT, fixture.map);
  const best = { process: Infinity, apply: Infinity, catalog: Infinity };
  let shape;
  for (let round = 0; round < repeat; round++) {
    // The whole command, as CI runs it.
    let t = performance.now();
    const child = spawnSync(process.execPath, [BIN, 'db', 'check', '--root', root, '--map', mapFile, '--format', 'json'], { encoding: 'utf8' });
    if (child.status !== 0 && child.status !== 1) throw new Error(`db check on ${fixture.name} exited ${child.status}: ${child.stderr}`);
    best.process = Math.min(best.process, (performance.now() - t) / 1000);

    // Its steps, in this process.
    const files = (await findMigrationFiles(root, ['**/migrations/**/*.sql'], loadOwnershipMap(mapFile).map.ignore)).map((file) => readMigration(root, file));
    let started = 0;
    t = performance.now();
    const applied = await applyMigrations(files, {
      timeoutMs: 10_000,
      start: async (extensions) => {
        const s = performance.now();
        const db = await EmbeddedDatabase.start(extensions);
        started += performance.now() - s;
        startTimes.push(performance.now() - s);
        return db;
      },
    });
    const applying = performance.now() - t - started;
    t = performance.now();
    const catalog = await readCatalog((sql) => applied.database.query(sql));
    const reading = performance.now() - t;
    await applied.database.close();
    best.apply = Math.min(best.apply, applying / 1000);
    best.catalog = Math.min(best.catalog, reading / 1000);
    shape = { files: files.length, statements: files.reduce((n, f) => n + f.statements.length, 0), relations: catalog.relations.length };
  }
  rows.push([fixture.name, shape.files, shape.statements, shape.relations, ...['process', 'apply', 'catalog'].map((k) => best[k].toFixed(2))]);
}
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
for (const row of [header, ...rows]) console.log(row.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join('  '));
const [cold, ...warm] = startTimes;
console.log(`\nPGlite start in this process: cold ${(cold / 1000).toFixed(2)} s (initdb), warm ${(Math.min(...warm.slice(1)) / 1000).toFixed(2)} s (kept data directory; the second start pays for keeping it)`);
