/**
 * The one V8 flag schema-guard sets, for WebAssembly: V8 recompiles libpg-query's hot functions with
 * TurboFan in background threads, and the process then waits ~0.2 s for them at its next turn of
 * the event loop. A run that parses a few statements pays that for nothing, and with Liftoff's code
 * alone a cold run of the 5,000-file bench tree (17,700 statements) is as fast.
 *
 * Flags are part of what V8 checks before it uses stored compiled code, so the flag is set before
 * anything is compiled with the build's code cache (typescript-compiler.ts), by the build that
 * stores it as by every scan, whichever loads first: the main thread or a worker.
 */
import v8 from 'node:v8';

let applied = false;

export function applyV8Flags(): void {
  if (applied) return;
  applied = true;
  v8.setFlagsFromString('--liftoff-only');
}
