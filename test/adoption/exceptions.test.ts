import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check.js';
import { loadOwnershipMap } from '../../src/map/load.js';
import { brief, REPO_ROOT, ROOT_MAP, writeRepo } from '../helpers.js';
import { temporaryFolder } from '../temporary.js';

const ORGS_FILE = 'packages/gpuaas/provisioning/src/orgs.ts';

/** The root map with its exceptions replaced: one that covers the read of organizations and can expire, one that matches nothing. */
function mapWithExceptions(expires: string): string {
  const text = readFileSync(ROOT_MAP, 'utf8');
  return `${text.slice(0, text.indexOf('\nexceptions:'))}
exceptions:
  - id: orgs-read-until-q3
    reason: provisioning reads organizations until IAM exposes getOrg
    link: https://tracker.example.com/IAM-7
    rules: [cross-domain-query]
    domains: [gpuaas-provisioning]
    tables: [organizations]
    expires: ${expires}
  - id: never-used
    reason: nothing matches it
    link: https://tracker.example.com/X-1
    rules: [ledger-write]
    folders: [packages/nowhere/**]
`;
}

function repo(expires = '2026-06-30'): { root: string; lineOf: (id: string) => number } {
  const map = mapWithExceptions(expires);
  const root = writeRepo({
    'ownership-map.yaml': map,
    [ORGS_FILE]: "export const orgs = () => pool.query('SELECT * FROM organizations');\n",
  });
  const lines = map.split('\n');
  return { root, lineOf: (id) => lines.indexOf(`  - id: ${id}`) + 1 };
}

const check = (root: string, options: { today?: string; paths?: string[]; rules?: string[]; map?: string } = {}) =>
  runCheck({ root, mapFile: options.map ?? path.join(root, 'ownership-map.yaml'), ...options });

describe('expired-exception and unused-exception', () => {
  it('an exception that waives something through its last day is quiet; one that waives nothing is an unused-exception note at its line', async () => {
    const { root, lineOf } = repo();
    const result = await check(root, { today: '2026-06-30' });
    expect(brief(result.findings)).toEqual([`unused-exception ownership-map.yaml:${lineOf('never-used')}:5`]);
    expect(result.findings[0]).toMatchObject({
      level: 'note',
      domain: null,
      message: expect.stringMatching(/^Exception "never-used" waived no finding in this run: .*\(https:\/\/tracker\.example\.com\/X-1\)\.$/),
    });
    expect(result.waived.map((w) => w.exception)).toEqual(['orgs-read-until-q3']);
  });

  it('the day after expires, the exception is an expired-exception warning at its line and what it waived comes back', async () => {
    const { root, lineOf } = repo();
    const result = await check(root, { today: '2026-07-01' });
    expect(brief(result.findings)).toEqual([
      `expired-exception ownership-map.yaml:${lineOf('orgs-read-until-q3')}:5`,
      `unused-exception ownership-map.yaml:${lineOf('never-used')}:5`,
      `cross-domain-query ${ORGS_FILE}:1:53 organizations`,
    ]);
    expect(result.findings[0]).toMatchObject({
      level: 'warning',
      message:
        'Exception "orgs-read-until-q3" expired on 2026-06-30: it no longer waives cross-domain-query, so what it allowed is reported again. ' +
        'Fix that code and delete the exception, or renew it with a new date and reason (https://tracker.example.com/IAM-7).',
    });
  });

  it('does not call an exception unused when paths or --rule narrowed the run', async () => {
    const { root } = repo();
    expect(brief((await check(root, { today: '2026-06-30', paths: ['packages/gpuaas'] })).findings)).toEqual([]);
    expect(brief((await check(root, { today: '2026-06-30', rules: ['cross-domain-query', 'unused-exception'] })).findings)).toEqual([]);
  });

  it('reports nothing about a map outside the scanned root, which may govern more than the root', async () => {
    const { root } = repo();
    const mapDir = temporaryFolder('schema-guard-map-');
    const map = path.join(mapDir, 'ownership-map.yaml');
    writeFileSync(map, mapWithExceptions('2026-06-30'));
    expect(brief((await check(root, { today: '2026-07-01', map })).findings)).toEqual([`cross-domain-query ${ORGS_FILE}:1:53 organizations`]);
  });

  it('still requires a reason and a tracking link on every exception', () => {
    const root = writeRepo({ 'ownership-map.yaml': mapWithExceptions('2026-06-30').replace('    link: https://tracker.example.com/IAM-7\n', '') });
    expect(() => loadOwnershipMap(path.join(root, 'ownership-map.yaml'))).toThrow(/exceptions\[0\]\.link: expected a string, found nothing/);
  });

  it('the real CLI reports an expired exception in the map with its location', async () => {
    const { root, lineOf } = repo('2020-01-31');
    const result = await execa('node', [path.join(REPO_ROOT, 'bin/schema-guard.js'), 'check', '--fail-on', 'warning'], { cwd: root, reject: false, env: { NO_COLOR: '1' } });
    expect(result.exitCode).toBe(1);
    // The headline with its rule id in the aligned column; the advice after it on a line of its own.
    expect(result.stdout).toMatch(new RegExp(`ownership-map.yaml\n  ${lineOf('orgs-read-until-q3')}:5 +warning +expired-exception +Exception "orgs-read-until-q3" expired on 2020-01-31[^\n]*\n +\\S`));
  }, 60_000);
});
