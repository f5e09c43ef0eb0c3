#!/usr/bin/env node
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
// The published package ships dist/. A clone has none until built: there the first run builds it,
// so that `npm ci && node bin/schema-guard.js …` works without an install-time script.
if (!existsSync(fileURLToPath(entry))) buildFromSource();
const { main } = await import(entry.href);

process.stdout.on('error', (error) => {
  // `schema-guard … | head` closes the pipe early: the rest of the report has no reader, but the
  // run goes on to its own exit code, so a blocking finding still fails it.
  if (error.code === 'EPIPE') return;
  // A full disk or a failing device: one line, and the exit code of an I/O error (1 would read as findings).
  process.stderr.write(`schema-guard: cannot write to standard output: ${error.message}\n`);
  process.exit(2);
});

process.exitCode = await main(process.argv.slice(2));

/** Compiles src/ into dist/ with the repository's own TypeScript (a dev dependency), or says how to. */
function buildFromSource() {
  const tsconfig = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
  let tsc;
  try {
    tsc = createRequire(tsconfig).resolve('typescript/bin/tsc');
  } catch {
    // No compiler at hand: not a clone with its dev dependencies installed.
  }
  if (!tsc || !existsSync(fileURLToPath(new URL('../src/cli/main.ts', import.meta.url)))) {
    process.stderr.write('schema-guard: dist/ is missing: run `npm ci` then `npm run build` in the schema-guard folder.\n');
    process.exit(2);
  }
  process.stderr.write('schema-guard: building dist/ from src/ (first run in a clone; `npm run build` does it ahead)…\n');
  try {
    // The compiler's messages go to standard error: standard output carries the report.
    execFileSync(process.execPath, [tsc, '-p', tsconfig], { stdio: ['ignore', 2, 2] });
  } catch {
    process.stderr.write('schema-guard: the build failed; see the compiler errors above.\n');
    process.exit(2);
  }
}
