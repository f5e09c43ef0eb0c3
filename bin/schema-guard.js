#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

process.stdout.on('error', (error) => {
  // `schema-guard … | head` closes the pipe early: the rest of the report has no reader, but the
  // run goes on to its own exit code, so a blocking finding still fails it.
  if (error.code === 'EPIPE') return;
  // A full disk or a failing device: one line, and the exit code of an I/O error (1 would read as findings).
  process.stderr.write(`schema-guard: cannot write to standard output: ${error.message}\n`);
  process.exit(2);
});

process.exitCode = await main(process.argv.slice(2));
