/**
 * db check on the fixtures' migrations, applied to PGlite, with the maps their static tests use:
 * the catalog confirms what check finds in the SQL, and finds what only the database knows.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDbCheck } from '../../src/db/check.js';
import { ROOT_MAP } from '../helpers.js';
import { brief, DB_TIMEOUT, fixture } from './helpers.js';

describe('db check on tenancy-service', () => {
  it('reports the tables that miss row-level security or the tenant column, where check reports them, and nothing else', { timeout: DB_TIMEOUT }, async () => {
    const root = fixture('tenancy-service');
    const outcome = await runDbCheck({ root, mapFile: path.join(root, 'ownership-map.yaml'), migrations: ['migrations/*.sql'] });
    expect(brief(outcome.findings)).toEqual([
      // 003 enables row-level security on tenant_jobs and writes no policy.
      ['rls-missing', 'migrations/001_tenancy.sql', 40, 14, 'tenant_jobs'],
      ['rls-missing', 'migrations/002_environment_variables.sql', 3, 14, 'environment_variables'],
      ['tenant-column-missing', 'migrations/002_environment_variables.sql', 3, 14, 'environment_variables'],
    ]);
    expect(outcome.findings[0]!.message).toContain('it has no policy');
    expect(outcome.findings[0]!.message).not.toContain('not enabled');
    expect(outcome.findings[1]!.message).toContain('row-level security is not enabled and it has no policy');
    expect(outcome.findings.every((f) => f.owner === 'tenancy')).toBe(true);
    expect(outcome).toMatchObject({ source: 'migrations', filesApplied: 3, relations: 6, notifications: [] });
  });
});

describe('db check on module-schemas', () => {
  const root = fixture('module-schemas');
  const mapFile = path.join(root, 'ownership-map.yaml');
  const upwardKeys = [
    ['dependency-direction', 'modules/entitlements/migrations/001_entitlements.sql', 22, 35, 'billing.subscriptions'],
    ['dependency-direction', 'modules/organization/migrations/002_workspace_pools.sql', 5, 70, 'entitlements.resource_pools'],
  ];

  it('finds the two upward foreign keys at the references check reports, with the chain applied in path order', { timeout: DB_TIMEOUT }, async () => {
    // Path order puts audit (which references identity and organization) first: those statements apply once later files ran.
    const outcome = await runDbCheck({ root, mapFile });
    expect(brief(outcome.findings)).toEqual(upwardKeys);
    expect(outcome.relations).toBe(55);
    expect(outcome.findings[0]!.message).toContain('entitlements.pool_provisions (entitlements) holds a foreign key (pool_provisions_subscription_id_fkey) into billing.subscriptions (billing)');
    const late = outcome.notifications.map((n) => `${n.file}:${n.line}`);
    expect(late).toContain('modules/audit/migrations/001_audit.sql:6');
    expect(outcome.notifications.every((n) => n.level === 'warning' && n.message.startsWith('Applied only after later migration files'))).toBe(true);
    // One note per file, not one per statement.
    expect(new Set(late.map((l) => l.split(':')[0])).size).toBe(late.length);
  });

  it('applies the modules in chain order when --migrations names their folders in that order; only the upward references wait for a later file', { timeout: DB_TIMEOUT }, async () => {
    const order = ['identity', 'organization', 'entitlements', 'billing', 'cooperative', 'audit', 'integration'];
    const outcome = await runDbCheck({ root, mapFile, migrations: order.map((m) => `modules/${m}/migrations/*.sql`) });
    expect(brief(outcome.findings)).toEqual(upwardKeys);
    // organization's 002 references entitlements, and entitlements billing.subscriptions: both wait for a later file.
    expect(outcome.notifications.map((n) => `${n.file}:${n.line}`)).toEqual([
      'modules/organization/migrations/002_workspace_pools.sql:3',
      'modules/entitlements/migrations/001_entitlements.sql:18',
    ]);
  });
});

describe('db check on platform-monorepo', () => {
  it('reports the unmapped tables at their CREATE TABLE, the trigger on a table no migration creates, and the families the migrations do not build', { timeout: DB_TIMEOUT }, async () => {
    const outcome = await runDbCheck({ root: fixture('platform-monorepo'), mapFile: ROOT_MAP });
    const inMigrations = outcome.findings.filter((f) => f.file !== ROOT_MAP);
    expect(brief(inMigrations)).toEqual([
      ['unmapped-table', 'migrations/0002_feature_flags.sql', 2, 14, 'feature_flags'],
      ['unmapped-table', 'packages/gpuaas/provisioning/migrations/001_node_health.sql', 10, 14, 'node_metrics_rollup'],
      ['migration-error', 'packages/platform/iam/migrations/001_membership_audit.sql', 10, 1, undefined],
    ]);
    expect(inMigrations[1]!.domain).toBe('gpuaas-provisioning');
    expect(inMigrations[2]!.message).toBe('This migration statement did not apply, so what it creates is missing from db check: relation "tenant_memberships" does not exist (SQLSTATE 42P01).');

    // The sample migrations build 8 of the map's tables: every other family and table is stale for them.
    const stale = outcome.findings.filter((f) => f.file === ROOT_MAP);
    expect(stale.every((f) => f.ruleId === 'stale-map-entry')).toBe(true);
    const mapText = (await import('node:fs')).readFileSync(ROOT_MAP, 'utf8').split('\n');
    // Each sits on its entry: a family's `- id:` line, or the table's name in `tables`.
    for (const finding of stale) {
      const line = mapText[finding.line - 1]!;
      if (finding.table) expect(line.slice(finding.column - 1)).toMatch(new RegExp(`^${finding.table}\\b`));
      else expect(line.slice(finding.column - 1)).toMatch(/^id: /);
    }
    // Tables the migrations create are not stale: ledger_entries is in the same family as the missing invoice tables.
    expect(stale.map((f) => f.table)).not.toContain('ledger_entries');
    expect(stale.map((f) => f.table)).toContain('invoice_lines');
    // The trigger that failed names tenant_memberships: its stale entry says so.
    expect(stale.find((f) => f.table === 'tenant_memberships')!.message).toContain('A migration statement that names it failed (packages/platform/iam/migrations/001_membership_audit.sql:10)');
    expect(stale.find((f) => f.table === 'invoice_lines')!.message).not.toContain('failed');
  });
});
