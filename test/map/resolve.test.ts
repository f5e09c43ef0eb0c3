import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOwnershipMap } from '../../src/map/load.js';
import { formatTableName, parseTableName } from '../../src/map/names.js';
import { matches, operationMatches, OwnershipIndex } from '../../src/map/resolve.js';
import { OwnershipMapSchema, type OwnershipMapInput } from '../../src/map/schema.js';

const { map } = loadOwnershipMap(path.resolve(import.meta.dirname, '../../ownership-map.yaml'));
const index = new OwnershipIndex(map);

describe('ownerOfTable', () => {
  it('finds a family table, unqualified or public-qualified', () => {
    const owner = index.ownerOfTable({ name: 'ledger_entries' });
    expect(owner).toMatchObject({ domain: 'platform-billing', via: 'family', table: 'ledger_entries' });
    expect(owner?.family?.id).toBe('ledger-and-finance');
    expect(index.ownerOfTable({ schema: 'public', name: 'ledger_entries' })).toMatchObject({
      domain: 'platform-billing',
      table: 'public.ledger_entries',
    });
    expect(index.ownerOfTable({ name: 'allocations' })?.domain).toBe('gpuaas-provisioning');
    expect(index.ownerOfTable({ name: 'platform_outbox_events' })?.family?.id).toBe('outbox');
  });

  it('keeps a quoted name’s case: "Ledger_Entries" is another table', () => {
    expect(index.ownerOfTable({ name: 'Ledger_Entries' })).toBeUndefined();
    expect(index.ownerOfTable({ name: 'ledger_entries', schema: 'audit' })).toBeUndefined();
    expect(formatTableName({ name: 'Ledger_Entries' })).toBe('"Ledger_Entries"');
  });

  it('falls back to the owner-visible prefix, longest first, after the families', () => {
    expect(index.ownerOfTable({ name: 'platform_billing_credit_notes' })).toEqual({
      domain: 'platform-billing',
      via: 'prefix',
      table: 'platform_billing_credit_notes',
    });
    // Listed in the audit family although it carries gpuaas-provisioning's prefix: the listing wins.
    expect(index.ownerOfTable({ name: 'gpuaas_provisioning_attention_reviews' })).toMatchObject({ domain: 'platform-audit', via: 'family' });
    expect(index.ownerOfTable({ name: 'orders' })).toBeUndefined();
    expect(index.hasPrefixOf('gpuaas_node_leases')).toBe('gpuaas-provisioning');
    expect(index.hasPrefixOf('Platform_billing_x')).toBeUndefined();

    const nested = new OwnershipIndex(parse({
      domains: { a: domain({ prefixes: ['app_'] }), b: domain({ prefixes: ['app_runtime_'] }) },
    }));
    expect(nested.prefixOwner('app_runtime_jobs')).toEqual({ domain: 'b', prefix: 'app_runtime_' });
    expect(nested.hasPrefixOf('app_jobs')).toBe('a');
  });

  it('owns whole schemas and schema-qualified family tables', () => {
    const schemas = new OwnershipIndex(parse({
      domains: { billing: domain({ schemas: ['billing'] }), shop: domain({ prefixes: ['shop_'] }) },
      families: [
        family({ id: 'invoices', tables: ['billing.invoices'], targetOwner: 'shop' }),
        family({ id: 'tenancy', schemas: ['tenancy'], targetOwner: 'billing' }),
      ],
    }));
    expect(schemas.ownerOfTable({ schema: 'billing', name: 'invoices' })).toMatchObject({ domain: 'shop', via: 'family' });
    expect(schemas.ownerOfTable({ name: 'invoices' })).toBeUndefined();
    expect(schemas.ownerOfTable({ schema: 'billing', name: 'payments' })).toEqual({ domain: 'billing', via: 'schema', table: 'billing.payments' });
    expect(schemas.ownerOfTable({ schema: 'tenancy', name: 'tenants' })).toMatchObject({ domain: 'billing', via: 'schema', family: { id: 'tenancy' } });
    expect(schemas.ownerOfTable({ schema: 'billing', name: 'shop_orders' })?.domain).toBe('billing');
  });

  it('reads map table names as PostgreSQL stores them: an unquoted name keeps its case, quotes are optional', () => {
    expect(parseTableName('public.ledger_entries')).toEqual({ schema: 'public', name: 'ledger_entries' });
    expect(parseTableName('Public.Ledger_Entries')).toEqual({ schema: 'Public', name: 'Ledger_Entries' });
    expect(parseTableName('"webServerSettings"')).toEqual(parseTableName('webServerSettings'));
    expect(parseTableName('"Odd.Schema"."Say ""hi"""')).toEqual({ schema: 'Odd.Schema', name: 'Say "hi"' });
  });
});

describe('restricted rules', () => {
  it('covers a table by name or through its family', () => {
    expect(index.restrictedRulesFor({ name: 'ledger_entries' }).map((r) => r.rule)).toEqual(['ledger-write', 'ledger-immutable']);
    expect(index.restrictedRulesFor({ schema: 'public', name: 'invoice_lines' }).map((r) => r.rule)).toEqual(['ledger-write']);
    expect(index.restrictedRulesFor({ name: 'platform_audit_logs' }).map((r) => r.rule)).toEqual(['audit-write']);
    expect(index.restrictedRulesFor({ name: 'usage_records' })).toEqual([]);
  });

  it('treats write as every write operation', () => {
    expect(operationMatches(['write'], 'truncate')).toBe(true);
    expect(operationMatches(['write'], 'read')).toBe(false);
    expect(operationMatches(['read', 'insert'], 'insert')).toBe(true);
  });
});

describe('files', () => {
  it('finds the domain of a file by its folder', () => {
    expect(index.domainOfFile('packages/platform/billing/src/ledger.ts')).toBe('platform-billing');
    expect(index.domainOfFile('packages/gpuaas/maas/sites.ts')).toBe('gpuaas-provisioning');
    expect(index.domainOfFile('packages/appplatform/runtime/.hidden/x.ts')).toBe('appplatform');
    expect(index.domainOfFile('packages/platform/billingx/a.ts')).toBeUndefined();
    expect(index.domainOfFile('cmd/api/routes/billing.ts')).toBeUndefined();
    expect(index.domainOfFile('migrations/001_init.sql')).toBeUndefined();
  });

  it('prefers the most specific folder when two domains overlap', () => {
    const overlap = new OwnershipIndex(parse({
      domains: { outer: domain({ folders: ['packages/**'] }), inner: domain({ folders: ['packages/inner/**'] }) },
    }));
    expect(overlap.domainOfFile('packages/inner/a.ts')).toBe('inner');
    expect(overlap.domainOfFile('packages/other/a.ts')).toBe('outer');
  });

  it('knows read-model, owner-header and retired folders', () => {
    expect(index.isReadModel('packages/read-models/usage.ts')).toBe(true);
    expect(index.isReadModel('packages/platform/billing/usage.ts')).toBe(false);
    expect(index.requiresOwnerHeader('cmd/api/routes/billing.ts')).toBe(true);
    expect(index.retiredFolderOf('packages/services/legacy-billing/index.ts')?.reason).toMatch(/fix-now import-boundary drift/);
    expect(index.retiredFolderOf('packages/services')).toBeDefined();
    expect(index.retiredFolderOf('packages/shared/outbox/index.ts')).toBeUndefined();
    expect(matches(map.readModelFolders, 'packages/read-models/a/b.ts')).toBe(true);
    expect(index.domain('platform-iam')?.kind).toBe('platform');
    expect(index.domain('toString')).toBeUndefined();
  });
});

describe('exceptionsFor', () => {
  const today = '2026-06-01';
  const ids = (q: Parameters<OwnershipIndex['exceptionsFor']>[0]) => index.exceptionsFor(q).map((e) => e.id);

  it('lets cmd/api cross domains and join families', () => {
    expect(ids({ ruleId: 'cross-domain-query', file: 'cmd/api/routes/a.ts', table: { name: 'ledger_entries' }, operation: 'insert', today })).toEqual(['cmd-api-multi-domain']);
    expect(ids({ ruleId: 'cross-family-join', file: 'cmd/api/routes/a.ts', today })).toEqual(['cmd-api-multi-domain']);
    expect(ids({ ruleId: 'ledger-write', file: 'cmd/api/routes/a.ts', table: { name: 'ledger_entries' }, operation: 'insert', today })).toEqual([]);
  });

  it('lets packages/shared/policy read policy tables, by glob, and nothing more', () => {
    const q = { ruleId: 'cross-domain-query', file: 'packages/shared/policy/client.ts', today };
    expect(ids({ ...q, table: { name: 'platform_policy_values' }, operation: 'read' })).toEqual(['shared-policy-reads-policy-tables']);
    expect(ids({ ...q, table: { schema: 'public', name: 'policy_rules' }, operation: 'read' })).toEqual(['shared-policy-reads-policy-tables']);
    expect(ids({ ...q, table: { name: 'platform_policy_values' }, operation: 'update' })).toEqual([]);
    expect(ids({ ...q, table: { schema: 'other', name: 'policy_rules' }, operation: 'read' })).toEqual([]);
    expect(ids({ ...q, table: { name: 'ledger_entries' }, operation: 'read' })).toEqual([]);
    expect(ids({ ...q, operation: 'read' })).toEqual([]);
  });

  it('lets gpuaas-provisioning write its attention reviews, by domain', () => {
    const q = { ruleId: 'cross-domain-query', table: { name: 'gpuaas_provisioning_attention_reviews' }, today };
    expect(ids({ ...q, file: 'packages/gpuaas/nodes/review.ts', domain: 'gpuaas-provisioning', operation: 'update' })).toEqual(['provisioning-writes-attention-reviews']);
    expect(ids({ ...q, file: 'packages/gpuaas/terminal/review.ts', domain: 'gpuaas-terminal', operation: 'update' })).toEqual([]);
    expect(ids({ ...q, file: 'packages/gpuaas/nodes/review.ts', domain: 'gpuaas-provisioning', operation: 'reference' })).toEqual([]);
  });

  it('matches folders or domains, and stops after the expiry day', () => {
    const expiring = new OwnershipIndex(parse({
      domains: { a: domain({}) },
      exceptions: [{ id: 'x', reason: 'r', link: 'l', rules: ['r1'], folders: ['legacy/**'], domains: ['a'], expires: '2026-06-30' }],
    }));
    const q = { ruleId: 'r1', file: 'legacy/a.ts', today: '2026-06-30' };
    expect(expiring.exceptionsFor(q)).toHaveLength(1);
    expect(expiring.exceptionsFor({ ...q, file: 'src/a.ts', domain: 'a' })).toHaveLength(1);
    expect(expiring.exceptionsFor({ ...q, file: 'src/a.ts' })).toHaveLength(0);
    expect(expiring.exceptionsFor({ ...q, today: '2026-07-01' })).toHaveLength(0);
    expect(expiring.exceptionsFor({ ...q, ruleId: 'r2' })).toHaveLength(0);
  });
});

function parse(input: Partial<OwnershipMapInput>) {
  return OwnershipMapSchema.parse({ version: 1, domains: {}, families: [], ...input });
}

function domain(over: Partial<OwnershipMapInput['domains'][string]>) {
  return { name: 'D', kind: 'platform' as const, folders: [], ...over };
}

function family(over: Partial<OwnershipMapInput['families'][number]> & { id: string; targetOwner: string }) {
  return { name: over.id, currentOwner: 'c', guardRule: 'g', ...over };
}
