/**
 * The rules of db check, where they fire and where they stay quiet, on one small repository whose
 * migrations hold both sides of each rule (one embedded database for all of them).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { DbCheckOutcome } from '../../src/db/check.js';
import { isReported } from '../../src/rules/finding.js';
import { naturalCompare, splitMigration } from '../../src/db/migrations.js';
import { brief, DB_TIMEOUT, dbCheckRepo } from './helpers.js';

const MAP = `version: 1
domains:
  identity:
    name: Identity
    kind: platform
    folders: [modules/identity/**]
    schemas: [identity]
  billing:
    name: Billing
    kind: platform
    folders: [modules/billing/**]
    prefixes: [billing_]
  audit:
    name: Audit
    kind: platform
    folders: [modules/audit/**]
    prefixes: [audit_]
dependencyChain:
  order: [identity, billing]
  crossCutting: [audit]
families:
  - id: people
    name: People
    tables: [identity.persons]
    currentOwner: identity team
    targetOwner: identity
    guardRule: Identity owns who people are
  - id: invoices
    name: Invoices
    tables: [billing_invoices, billing_lines, billing_payments, billing_refunds, billing_usage]
    currentOwner: billing team
    targetOwner: billing
    guardRule: Billing owns what people pay
  - id: planned
    name: Planned
    tables: [billing_forecasts, billing_budgets]
    currentOwner: billing team
    targetOwner: billing
    guardRule: Not built yet
tenancy:
  mode: row-level
  scoped:
    families: [invoices]
exceptions:
  - id: legacy-refunds
    reason: refunds move to the new ledger next quarter
    link: docs/ledger.md
    rules: [tenant-column-missing]
    tables: [billing_refunds]
`;

const IDENTITY = `CREATE SCHEMA identity;
CREATE TABLE identity.persons (person_id int PRIMARY KEY);
-- An upward key: identity is before billing in the chain.
ALTER TABLE identity.persons ADD COLUMN last_invoice int,
  ADD CONSTRAINT persons_last_invoice_fk FOREIGN KEY (last_invoice) REFERENCES billing_invoices (invoice_id);
`;

const BILLING = `CREATE EXTENSION IF NOT EXISTS citext;
-- Secured: tenant column, row-level security and a policy, added in later statements.
CREATE TABLE billing_invoices (invoice_id int PRIMARY KEY, person_id int REFERENCES identity.persons (person_id));
ALTER TABLE billing_invoices ADD COLUMN tenant_id int NOT NULL;
ALTER TABLE billing_invoices ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON billing_invoices USING (tenant_id = current_setting('app.tenant')::int);
-- A policy, but row-level security is never enabled.
CREATE TABLE billing_lines (line_id int, tenant_id int, invoice_id int REFERENCES billing_invoices (invoice_id));
CREATE POLICY tenant_isolation ON billing_lines USING (tenant_id = current_setting('app.tenant')::int);
-- Partitioned and secured: its partitions are judged through it.
CREATE TABLE billing_usage (tenant_id int NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE billing_usage_2026 PARTITION OF billing_usage FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
ALTER TABLE billing_usage ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON billing_usage USING (tenant_id = current_setting('app.tenant')::int);
-- Created by CREATE TABLE … AS: no column list to read, but the catalog has its columns.
CREATE TABLE billing_payments AS SELECT 1 AS payment_id, 2 AS invoice_id;
ALTER TABLE billing_payments ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON billing_payments USING (true);
-- No tenant column, waived by the map's exception; a suppression comment for rls-missing.
-- schema-guard-ignore-next-line rls-missing -- refunds are read by support staff only, through a view
CREATE TABLE billing_refunds (refund_id int);
-- A view under billing's prefix: owned, and not tenant-judged.
CREATE VIEW billing_open_invoices AS SELECT invoice_id FROM billing_invoices;
CREATE TABLE schema_migrations (version text PRIMARY KEY);
CREATE TABLE scratch (id int);
`;

const AUDIT = `-- Cross-cutting audit observes the chain: its keys into it are allowed.
CREATE TABLE audit_events (event_id int, person_id int REFERENCES identity.persons (person_id), invoice_id int REFERENCES billing_invoices (invoice_id));
`;

describe('db check rules', () => {
  let outcome: DbCheckOutcome;

  beforeAll(async () => {
    outcome = await dbCheckRepo(
      {
        'ownership-map.yaml': MAP,
        'modules/identity/migrations/001_identity.sql': IDENTITY,
        'modules/billing/migrations/001_billing.sql': BILLING,
        'modules/audit/migrations/001_audit.sql': AUDIT,
      },
      { migrations: ['modules/identity/migrations/*.sql', 'modules/billing/migrations/*.sql', 'modules/audit/migrations/*.sql'] },
    );
  }, DB_TIMEOUT);

  it('reports exactly these, each at the statement that created the object', () => {
    expect(brief(outcome.findings.filter(isReported))).toEqual([
      // billing_lines: a policy and a tenant column, but row-level security was never enabled.
      ['rls-missing', 'modules/billing/migrations/001_billing.sql', 8, 14, 'billing_lines'],
      // billing_payments (CREATE TABLE … AS) has no tenant_id; its row-level security and policy are there.
      ['tenant-column-missing', 'modules/billing/migrations/001_billing.sql', 16, 14, 'billing_payments'],
      // Nothing owns scratch.
      ['unmapped-table', 'modules/billing/migrations/001_billing.sql', 25, 14, 'scratch'],
      // identity's upward key, at the referenced table in the ALTER TABLE that added it.
      ['dependency-direction', 'modules/identity/migrations/001_identity.sql', 5, 80, 'billing_invoices'],
      // The planned family exists in no migration.
      ['stale-map-entry', 'ownership-map.yaml', 34, 5, undefined],
    ]);
  });

  it('judges the catalog, not the statements: a foreign key added by ALTER TABLE, a tenant column added later, a policy in another statement', () => {
    const [rls, column, , direction, stale] = outcome.findings.filter(isReported);
    expect(rls!.message).toBe(
      'billing_lines is tenant-scoped under row-level tenancy, but in the database the migrations build row-level security is not enabled: ' +
        'ALTER TABLE billing_lines ENABLE ROW LEVEL SECURITY and a CREATE POLICY … ON billing_lines isolate its tenants.',
    );
    expect(column!.message).toContain('billing_payments has no tenant_id column in the database the migrations build');
    expect(direction!.message).toContain('identity.persons (identity) holds a foreign key (persons_last_invoice_fk) into billing_invoices (billing), a module later in the dependency chain (identity → billing)');
    expect(direction).toMatchObject({ domain: 'identity', owner: 'billing', family: 'invoices', operation: 'reference' });
    expect(stale!.message).toBe('Family "planned" (billing) lists 2 tables, and the database the migrations build has none of them: the family is stale, or its tables are created elsewhere.');
  });

  it('stays quiet on partitions, views, extension objects, migration-tool tables, allowed keys, exceptions and suppression comments', () => {
    const tables = outcome.findings.map((f) => f.table);
    for (const quiet of ['billing_usage', 'billing_usage_2026', 'billing_open_invoices', 'schema_migrations', 'audit_events', 'billing_invoices', 'identity.persons']) {
      expect(tables.filter((t) => t === quiet && outcome.findings.find((f) => f.table === t)?.ruleId !== 'dependency-direction')).toEqual([]);
    }
    // billing_refunds: tenant-column-missing waived by the exception, rls-missing suppressed by the comment above its CREATE TABLE.
    expect(outcome.findings.filter((f) => f.table === 'billing_refunds').map((f) => [f.ruleId, f.suppressed])).toEqual([
      ['rls-missing', { reason: 'refunds are read by support staff only, through a view' }],
    ]);
    // A key from billing to identity follows the chain; audit's keys are an observer's.
    expect(outcome.findings.filter((f) => f.ruleId === 'dependency-direction')).toHaveLength(1);
    // The upward key needs billing's table: it applied once billing's file ran.
    expect(outcome.notifications.map((n) => [n.level, n.file, n.line])).toEqual([['warning', 'modules/identity/migrations/001_identity.sql', 4]]);
  });
});

describe('migration files', () => {
  it('are ordered by natural order of their paths', () => {
    const files = ['m/10_b.sql', 'm/2_a.sql', 'm/1_c.sql', 'm/002_x.sql', 'n/1.sql', 'm/V1_1__x.sql', 'm/V1_10__x.sql', 'm/V1_2__x.sql'];
    expect(files.sort(naturalCompare)).toEqual(['m/1_c.sql', 'm/2_a.sql', 'm/002_x.sql', 'm/10_b.sql', 'm/V1_1__x.sql', 'm/V1_2__x.sql', 'm/V1_10__x.sql', 'n/1.sql']);
  });

  it('are cut into statements located at their first token, with what db check skips marked', () => {
    const text = [
      '-- header',
      'BEGIN;',
      'CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;',
      "  CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\"; COPY t FROM STDIN; COPY t FROM '/data/x.csv';",
      "COMMENT ON TABLE t IS 'copy from stdin';",
      'COMMIT;',
    ].join('\n');
    expect(splitMigration('m/1.sql', text).map(({ line, column, kind, extension }) => [line, column, kind, extension])).toEqual([
      [2, 1, 'transaction', undefined],
      [3, 1, 'sql', undefined],
      [4, 3, 'sql', 'uuid-ossp'],
      [4, 47, 'copy', undefined],
      [4, 66, 'sql', undefined],
      [5, 1, 'sql', undefined],
      [6, 1, 'transaction', undefined],
    ]);
  });
});

describe("check's exception audit", () => {
  it('does not call an exception unused when it waives only rules that db check runs', async () => {
    const { auditExceptions } = await import('../../src/filter/exception-audit.js');
    const { parseOwnershipMap } = await import('../../src/map/load.js');
    const map = parseOwnershipMap(
      'ownership-map.yaml',
      `${MAP.replace(/exceptions:[\s\S]*$/, '')}exceptions:
  - id: forecasts-elsewhere
    reason: the forecasting service creates these tables
    link: docs/forecasts.md
    rules: [stale-map-entry]
  - id: unused
    reason: nothing left
    link: docs/x.md
    rules: [stale-map-entry, unmapped-table]
`,
    );
    const audit = auditExceptions(map, { mapFile: 'ownership-map.yaml', today: '2026-01-01', used: new Set(), fullRun: true });
    expect(audit.map((f) => [f.ruleId, f.message.slice(0, 20)])).toEqual([['unused-exception', 'Exception "unused" w']]);
  });
});
