import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check.js';
import { main } from '../../src/cli/main.js';
import { loadOwnershipMap } from '../../src/map/load.js';
import { OwnershipIndex } from '../../src/map/resolve.js';
import { REPO_ROOT } from '../helpers.js';

const ROOT = path.join(REPO_ROOT, 'fixtures/module-schemas');
const MAP = path.join(ROOT, 'ownership-map.yaml');

/** Seed 001's Module Directory: module, type, table count. */
const MODULES: Array<[string, 'domain' | 'cross-cutting', number]> = [
  ['identity', 'domain', 5],
  ['organization', 'domain', 8],
  ['entitlements', 'domain', 13],
  ['billing', 'domain', 20],
  ['cooperative', 'domain', 2],
  ['audit', 'cross-cutting', 5],
  ['integration', 'cross-cutting', 2],
];

/** Each row is explained in fixtures/module-schemas/EXPECTED.md. */
const EXPECTED = [
  'append-only modules/billing/src/credits.ts:13:28 billing.credit_transactions',
  'dependency-direction modules/billing/src/subscriptions.ts:13:38 audit.audit_logs',
  'dependency-direction modules/entitlements/migrations/001_entitlements.sql:22:35 billing.subscriptions',
  'dependency-direction modules/identity/src/account-status.ts:2:33 @coop/organization',
  'dependency-direction modules/identity/src/account-status.ts:10:47 billing.billing_accounts',
  'dependency-direction modules/organization/migrations/002_workspace_pools.sql:5:70 entitlements.resource_pools',
];

describe('fixtures/module-schemas: the map transcribes seed 001', () => {
  const { map } = loadOwnershipMap(MAP);

  it('has the seven modules, five in the chain from foundational to derived and two cross-cutting', () => {
    expect(Object.keys(map.domains)).toEqual(MODULES.map(([id]) => id));
    expect(map.dependencyChain).toEqual({
      order: ['identity', 'organization', 'entitlements', 'billing', 'cooperative'],
      crossCutting: ['audit', 'integration'],
    });
  });

  it('gives each module its own schema and lists its tables there: 55 in all', () => {
    for (const [id, , count] of MODULES) {
      expect(map.domains[id]!.schemas).toEqual([id]);
      const family = map.families.find((f) => f.targetOwner === id)!;
      expect(family.tables).toHaveLength(count);
      expect(family.tables.every((table) => table.startsWith(`${id}.`))).toBe(true);
    }
    expect(map.families.flatMap((f) => f.tables)).toHaveLength(55);
  });

  it('marks seed 001’s three immutable tables append-only, for every module', () => {
    expect(map.restrictedTables).toEqual([
      expect.objectContaining({
        rule: 'append-only',
        tables: ['audit.audit_logs', 'billing.subscription_changes', 'billing.credit_transactions'],
        operations: ['update', 'delete', 'truncate', 'merge'],
        allow: { domains: [], folders: [] },
      }),
    ]);
  });
});

describe('fixtures/module-schemas', () => {
  it('reports exactly the findings the fixture means to show', async () => {
    const result = await runCheck({ root: ROOT, mapFile: MAP });
    const actual = result.findings.map((f) => `${f.ruleId} ${f.file}:${f.line}:${f.column} ${f.table ?? f.specifier}`);
    expect(actual).toEqual(EXPECTED);
    expect(result.notifications).toEqual([]);
  });

  it('creates the 55 tables in their modules’ migrations, each in its module’s schema', async () => {
    const result = await runCheck({ root: ROOT, mapFile: MAP });
    const index = new OwnershipIndex(result.loadedMap.map);
    const created = result.facts.flatMap((facts) =>
      facts.accesses.filter((a) => a.operation === 'create').map((a) => ({ file: facts.file, table: a.table })));
    expect(created).toHaveLength(55);
    for (const { file, table } of created) {
      expect(index.ownerOfTable(table)).toMatchObject({ domain: table.schema, via: 'family' });
      expect(index.domainOfFile(file)).toBe(table.schema);
    }
  });

  it('names the chain in its messages', async () => {
    const result = await runCheck({ root: ROOT, mapFile: MAP, rules: ['dependency-direction'] });
    const byTable = (table: string) => result.findings.find((f) => f.table === table)!;
    expect(byTable('entitlements.resource_pools').message).toBe(
      'organization.workspaces (organization) holds a foreign key into entitlements.resource_pools (entitlements), ' +
        'a module later in the dependency chain (identity → organization → entitlements → billing → cooperative). ' +
        'Dependencies flow strictly downward: each module depends only on modules earlier in the chain.',
    );
    expect(byTable('audit.audit_logs').message).toBe(
      'billing code reads audit.audit_logs (audit), a cross-cutting module: it observes the modules of the chain and is depended upon by none.',
    );
    expect(byTable('audit.audit_logs')).toMatchObject({ level: 'warning', domain: 'billing', owner: 'audit', family: 'audit', operation: 'read' });
  });

  it('runs from the README command, and fails it with --fail-on error for the append-only write', async () => {
    let stdout = '';
    const io = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: () => true } };
    expect(await main(['check', '--root', ROOT, '--map', MAP], io)).toBe(0);
    expect(stdout).toContain('6 findings (1 error, 5 warnings, 0 notes)');
    expect(await main(['check', '--root', ROOT, '--map', MAP, '--fail-on', 'error', '--format', 'json'], io)).toBe(1);
  });
});
