import path from 'node:path';
import { runDbCheck, type DbCheckOptions, type DbCheckOutcome } from '../../src/db/check.js';
import type { Finding } from '../../src/rules/finding.js';
import { REPO_ROOT, writeRepo } from '../helpers.js';

/** Starting PGlite runs initdb in WebAssembly: seconds on a busy machine, for each run. */
export const DB_TIMEOUT = 180_000;

export const fixture = (name: string) => path.join(REPO_ROOT, 'fixtures', name);

/** db check on a repository written from `files` (its map under ownership-map.yaml). */
export async function dbCheckRepo(files: Record<string, string>, options: Partial<DbCheckOptions> = {}): Promise<DbCheckOutcome & { root: string }> {
  const root = writeRepo(files);
  const outcome = await runDbCheck({ root, mapFile: path.join(root, 'ownership-map.yaml'), ...options });
  return { ...outcome, root };
}

/** What a test compares: rule, place, table. */
export function brief(findings: Finding[]): Array<[string, string, number, number, string | undefined]> {
  return findings.map((f) => [f.ruleId, f.file, f.line, f.column, f.table]);
}
