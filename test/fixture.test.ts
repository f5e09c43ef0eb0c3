import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../src/check.js';
import { REPO_ROOT, ROOT_MAP } from './helpers.js';

/**
 * fixtures/platform-monorepo is built so that every rule fires at least once and every exception
 * and read grant is exercised on its allowed side; EXPECTED.md there explains each row below.
 */
const EXPECTED = [
  'route-owner-missing cmd/api/routes/nodes.ts:1:1',
  'retired-import cmd/api/routes/nodes.ts:17:40 @acme/legacy-billing',
  'unprefixed-table migrations/0002_feature_flags.sql:2:14 feature_flags',
  'cross-domain-import packages/appplatform/runtime/src/instances.ts:2:30 ../../../platform/billing/src/internal/ledger',
  'cross-domain-query packages/appplatform/runtime/src/instances.ts:10:13 user_ssh_public_keys',
  'cross-family-join packages/appplatform/runtime/src/instances.ts:10:13 user_ssh_public_keys',
  'ledger-write packages/appplatform/runtime/src/instances.ts:20:24 invoice_lines',
  'cross-domain-import packages/gpuaas/inventory/src/catalog.ts:3:29 @acme/platform-billing/src/pricing',
  'cross-domain-query packages/gpuaas/inventory/src/catalog.ts:22:59 pricing_plans',
  'unprefixed-table packages/gpuaas/provisioning/migrations/001_node_health.sql:10:14 node_metrics_rollup',
  'prefix-owner-mismatch packages/gpuaas/provisioning/migrations/001_node_health.sql:17:28 platform_billing_node_charges',
  'cross-domain-import packages/gpuaas/provisioning/src/allocate.ts:2:30 @acme/billing/src/internal/ledger',
  'outbox-publish packages/gpuaas/provisioning/src/allocate.ts:4:46 platform_outbox_events',
  'cross-domain-query packages/gpuaas/provisioning/src/allocate.ts:10:13 organizations',
  'audit-write packages/gpuaas/provisioning/src/attention.ts:10:18 platform_audit_logs',
  'retired-import packages/gpuaas/provisioning/src/legacy-charge.ts:1:31 ../../../services/legacy-billing/src/charge',
  'sql-parse-error packages/gpuaas/provisioning/src/node-state.ts:10:38',
  'cross-domain-query packages/gpuaas/terminal/src/session.ts:20:21 account_sessions',
  'cross-domain-query packages/gpuaas/terminal/src/session.ts:24:18 allocation_access_grants',
  'ledger-immutable packages/platform/billing/src/ledger.ts:15:30 ledger_entries',
  'cross-domain-query packages/platform/billing/src/usage-report.ts:13:13 nodes',
  'cross-family-join packages/platform/billing/src/usage-report.ts:13:13 nodes',
  'audit-write packages/platform/iam/migrations/001_membership_audit.sql:4:15 platform_audit_logs',
  'unmapped-table packages/platform/policy/src/evaluate.ts:12:55 feature_flags',
  'ledger-write packages/services/legacy-billing/src/charge.ts:6:17 ledger_entries',
  'ledger-immutable packages/services/legacy-billing/src/charge.ts:12:40 ledger_entries',
  'ledger-write packages/services/legacy-billing/src/charge.ts:12:40 ledger_entries',
];

describe('fixtures/platform-monorepo', () => {
  it('reports exactly the findings the fixture means to show', async () => {
    const result = await runCheck({ root: path.join(REPO_ROOT, 'fixtures/platform-monorepo'), mapFile: ROOT_MAP });
    const actual = result.findings.map((f) => `${f.ruleId} ${f.file}:${f.line}:${f.column}${f.table || f.specifier ? ' ' + (f.table ?? f.specifier) : ''}`);
    expect(actual).toEqual(EXPECTED);
    expect(result.notifications).toEqual([]);
    expect(result.waived.map((w) => w.exception).sort()).toEqual(
      expect.arrayContaining(['cmd-api-multi-domain', 'provisioning-writes-attention-reviews']),
    );
  });
});
