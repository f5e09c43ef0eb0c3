/**
 * Inputs that made the work or the memory of a run grow without bound: runs of `;` for
 * pgsql-ast-parser, a baseline of 150,000 entries, more threads than cores. Repositories are built
 * in temporary folders, removed afterwards; no test measures time.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { threadsFor } from '../../src/cli/main.js';
import { runCli, SMALL_MAP, VIOLATING_FILE } from './cli-run.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function repo(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'schema-guard-hostile-sizes-'));
  made.push(root);
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  }
  return root;
}

describe('bounded work', () => {
  it.each([
    ['a run of `;`', ';'.repeat(15_000)],
    ['`;` between comments', ';/**/'.repeat(3_000)],
  ])('pgsql-ast-parser reads %s in linear time, and the statement after it', async (_, run) => {
    const root = repo({ 'ownership-map.yaml': SMALL_MAP, 'packages/shop/src/orders.ts': `export const q = () => pool.query('SELECT 1${run}SELECT * FROM accounts');\n` });
    const result = await runCli(['--root', root, '--no-cache', '--format', 'json', '--sql-parser', 'pgsql-ast-parser']);
    expect(JSON.parse(result.stdout).findings.map((finding: { ruleId: string }) => finding.ruleId)).toEqual(['cross-domain-query']);
  }, 120_000);

  // 150,000: past what spreading into push() takes (about 125,000 arguments on Node's default stack).
  it('reports a baseline of 150,000 entries that no longer occur', async () => {
    const findings = Array.from({ length: 150_000 }, (_, i) => ({ ruleId: 'cross-domain-query', file: `packages/shop/src/gone-${i}.ts`, table: 'accounts', count: 1 }));
    const root = repo({ 'ownership-map.yaml': SMALL_MAP, ...VIOLATING_FILE, '.schema-guard-baseline.json': JSON.stringify({ version: 1, findings }) });
    const text = await runCli(['--root', root, '--no-cache']);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain('packages/shop/src/gone-149999.ts');
  }, 120_000);

  it('caps --threads at the number of cores', async () => {
    expect(threadsFor(200, 2)).toBe(2);
    expect(threadsFor(1, 8)).toBe(1);
    expect(threadsFor(undefined, 8)).toBeUndefined();
    const root = repo({ 'ownership-map.yaml': SMALL_MAP, ...VIOLATING_FILE });
    const result = await runCli(['--root', root, '--no-cache', '--format', 'json', '--threads', '200']);
    expect(JSON.parse(result.stdout).findings).toHaveLength(1);
  }, 120_000);
});
