import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check.js';
import { main } from '../../src/cli/main.js';
import { loadOwnershipMap } from '../../src/map/load.js';
import { REPO_ROOT } from '../helpers.js';

const ROOT = path.join(REPO_ROOT, 'fixtures/tenancy-service');
const MAP = path.join(ROOT, 'ownership-map.yaml');

/** Each row is explained in fixtures/tenancy-service/EXPECTED.md. */
const EXPECTED = [
  'rls-missing warning migrations/001_tenancy.sql:40:14 tenant_jobs',
  'rls-missing warning migrations/002_environment_variables.sql:3:14 environment_variables',
  'tenant-column-missing warning migrations/002_environment_variables.sql:3:14 environment_variables',
  'sensitive-column-read warning src/support/tenant-overview.ts:11:52 tenant_webhooks',
  'tenant-filter-missing note src/tenancy/jobs.ts:14:28 tenant_jobs',
  'append-only error src/tenancy/lifecycle.ts:24:33 tenant_audit',
];

describe('fixtures/tenancy-service', () => {
  it('maps seed 004’s five tables, all but the registry tenant-scoped under row-level tenancy', () => {
    const { map } = loadOwnershipMap(MAP);
    const tables = map.families.flatMap((f) => f.tables);
    expect(tables).toEqual(expect.arrayContaining(['tenants', 'environments', 'tenant_audit', 'tenant_jobs', 'tenant_webhooks']));
    expect(map.tenancy).toEqual({
      mode: 'row-level',
      column: 'tenant_id',
      scoped: { families: ['tenant-environments', 'tenant-lifecycle'], schemas: [], tables: [] },
    });
    expect(map.sensitiveColumns).toEqual([{ table: 'tenant_webhooks', columns: ['secret'] }]);
  });

  it('reports exactly the findings the fixture means to show', async () => {
    const result = await runCheck({ root: ROOT, mapFile: MAP });
    const actual = result.findings.map((f) => `${f.ruleId} ${f.level} ${f.file}:${f.line}:${f.column} ${f.table}`);
    expect(actual).toEqual(EXPECTED);
    expect(result.notifications).toEqual([]);
  });

  it('runs from the README command', async () => {
    let stdout = '';
    const io = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: () => true } };
    const code = await main(['check', '--root', ROOT, '--map', MAP, '--format', 'json'], io);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { findings: unknown[] }).findings).toHaveLength(EXPECTED.length);
  });
});
