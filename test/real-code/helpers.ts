import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCheck } from '../../src/check.js';
import { brief, writeRepo } from '../helpers.js';

/**
 * The map of the real-code repros: domain `a` is src/a/**, domain `b` is src/b/**; family `fa` (ta)
 * belongs to a, family `fb` (tb, and whatever `tables` adds) to b.
 */
export function abMap(options: { bTables?: string[]; extra?: string } = {}): string {
  const bTables = ['tb', ...(options.bTables ?? [])].map((table) => JSON.stringify(table)).join(', ');
  return [
    'version: 1',
    'domains:',
    '  a: { name: A, kind: product, folders: [src/a/**] }',
    '  b: { name: B, kind: platform, folders: [src/b/**] }',
    'families:',
    '  - { id: fa, name: FA, tables: [ta], currentOwner: a, targetOwner: a, guardRule: a owns ta }',
    `  - { id: fb, name: FB, tables: [${bTables}], currentOwner: b, targetOwner: b, guardRule: b owns tb }`,
    options.extra ?? '',
  ].join('\n');
}

/** Runs check on a repository written from `files` with `map` (abMap() by default); findings as "rule file:line:col table". */
export async function check(files: Record<string, string>, map = abMap()): Promise<string[]> {
  const root = writeRepo(files);
  const mapFile = path.join(root, 'ownership-map.yaml');
  writeFileSync(mapFile, map);
  const result = await runCheck({ root, mapFile });
  return brief(result.findings);
}
