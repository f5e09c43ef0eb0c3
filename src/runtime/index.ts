/**
 * schema-guard/runtime: the ownership map enforced on the statements a test suite actually runs.
 *
 *   const guard = await createRuntimeGuard({ map: 'ownership-map.yaml', root, mode: 'record' });
 *   const pool = guard.wrap(new pg.Pool(…));
 *
 * docs/runtime.md has the setup for vitest and jest with node-postgres, Kysely and Prisma.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';

export { createRuntimeGuard, RuntimeGuard, RuntimeViolationError, type RuntimeFinding, type RuntimeGuardOptions } from './guard.js';

/**
 * Empties the record folder before a test run (call it from vitest's or jest's globalSetup, once,
 * not from each worker): without it, `check --runtime` would also read the records of earlier runs.
 */
export function clearRuntimeRecord(reportDir: string): void {
  rmSync(path.resolve(reportDir), { recursive: true, force: true });
}
