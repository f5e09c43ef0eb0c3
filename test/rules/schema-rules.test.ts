import { describe, expect, it } from 'vitest';
import { brief, guard } from '../helpers.js';

describe('cross-family-join', () => {
  const join = "pool.query('SELECT n.id, o.name FROM nodes n JOIN organizations o ON o.id = n.org_id');\n";

  it('fires when one statement joins families with different owners', async () => {
    const findings = await guard({ 'packages/gpuaas/provisioning/src/list.ts': join }, { rules: ['cross-family-join'] });
    expect(brief(findings)).toEqual(['cross-family-join packages/gpuaas/provisioning/src/list.ts:1:51 organizations']);
    expect(findings[0]!.message).toContain('nodes');
  });

  it('fires also outside every domain, e.g. in scripts', async () => {
    const findings = await guard({ 'scripts/export.ts': join }, { rules: ['cross-family-join'] });
    expect(findings).toHaveLength(1);
  });

  it('stays quiet in read-model code, in cmd/api, and for families of one owner', async () => {
    const findings = await guard({
      'packages/read-models/src/fleet.ts': join,
      'cmd/api/routes/fleet.ts': '// @owner gpuaas-provisioning\n' + join,
      'packages/platform/billing/src/q.ts': "pool.query('SELECT * FROM ledger_entries l JOIN usage_records u ON u.id = l.usage_id');\n",
    }, { rules: ['cross-family-join'] });
    expect(findings).toEqual([]);
  });
});

describe('unprefixed-table', () => {
  it('fires on CREATE TABLE of a table in no family and without an owner-visible prefix', async () => {
    const findings = await guard({ 'migrations/020_rollup.sql': 'CREATE TABLE IF NOT EXISTS node_metrics_rollup (id bigint);\n' }, { rules: ['unprefixed-table'] });
    expect(brief(findings)).toEqual(['unprefixed-table migrations/020_rollup.sql:1:28 node_metrics_rollup']);
  });

  it('stays quiet for prefixed new tables and for family tables', async () => {
    const findings = await guard({
      'packages/platform/billing/migrations/001.sql': 'CREATE TABLE platform_billing_credit_notes (id bigint);\nCREATE TABLE ledger_entries (id bigint);\n',
    }, { rules: ['unprefixed-table'] });
    expect(findings).toEqual([]);
  });
});

describe('prefix-owner-mismatch', () => {
  it("fires when a domain creates a table with another domain's prefix", async () => {
    const findings = await guard({ 'packages/gpuaas/provisioning/migrations/003.sql': 'CREATE TABLE platform_billing_gpu_rates (id bigint);\n' }, { rules: ['prefix-owner-mismatch'] });
    expect(brief(findings)).toEqual(['prefix-owner-mismatch packages/gpuaas/provisioning/migrations/003.sql:1:14 platform_billing_gpu_rates']);
    expect(findings[0]!.owner).toBe('platform-billing');
  });

  it('stays quiet for its own prefixes and outside domains', async () => {
    const findings = await guard({
      'packages/gpuaas/provisioning/migrations/003.sql': 'CREATE TABLE gpuaas_node_health (id bigint);\n',
      'migrations/003.sql': 'CREATE TABLE platform_billing_gpu_rates (id bigint);\n',
    }, { rules: ['prefix-owner-mismatch'] });
    expect(findings).toEqual([]);
  });
});

describe('unmapped-table', () => {
  it('fires once per statement for a used table no family or prefix assigns', async () => {
    const findings = await guard({ 'packages/appplatform/src/flags.ts': "pool.query('SELECT * FROM feature_flags f WHERE f.id IN (SELECT id FROM feature_flags)');\n" }, { rules: ['unmapped-table'] });
    expect(brief(findings)).toEqual(['unmapped-table packages/appplatform/src/flags.ts:1:27 feature_flags']);
  });

  it('stays quiet for created tables (unprefixed-table speaks), CTE names and system catalogs', async () => {
    const findings = await guard({
      'migrations/1.sql': 'CREATE TABLE scratch (id int);\nINSERT INTO scratch VALUES (1);\n',
      'scripts/x.ts': "pool.query('WITH recent AS (SELECT * FROM nodes) SELECT * FROM recent');\npool.query('SELECT * FROM pg_catalog.pg_tables');\npool.query('SELECT * FROM information_schema.columns');\n",
    }, { rules: ['unmapped-table'] });
    expect(findings).toEqual([]);
  });
});

describe('interpolated table names', () => {
  it('are synthetic: no rule guesses who owns them, and the rest of the statement is still judged', async () => {
    const findings = await guard({
      'packages/gpuaas/provisioning/src/dyn.ts': "await sql`SELECT * FROM ${table} t JOIN organizations o ON o.id = t.org_id`;\n",
    });
    expect(brief(findings)).toEqual(['cross-domain-query packages/gpuaas/provisioning/src/dyn.ts:1:41 organizations']);
  });
});

describe('sql-parse-error', () => {
  it('fires on SQL in a query position that cannot be parsed, and the rest of the file is still scanned', async () => {
    const findings = await guard({
      'packages/gpuaas/provisioning/src/bad.ts': "pool.query('SELEC * FROM nodes');\npool.query('SELECT * FROM organizations');\n",
    }, { rules: ['sql-parse-error', 'cross-domain-query'] });
    expect(brief(findings)).toEqual([
      'sql-parse-error packages/gpuaas/provisioning/src/bad.ts:1:13',
      'cross-domain-query packages/gpuaas/provisioning/src/bad.ts:2:27 organizations',
    ]);
  });

  it('stays quiet for log messages that mention tables', async () => {
    const findings = await guard({ 'packages/platform/billing/src/log.ts': "logger.error('update ledger_entries failed');\nconst msg = `delete node ${id} failed`;\n" });
    expect(findings).toEqual([]);
  });

  it('reports an unparseable statement in a .sql migration and keeps the others', async () => {
    const findings = await guard({ 'packages/platform/billing/migrations/002.sql': 'CREATE TABLE platform_billing_x (id int);\nCREATE TABLEE oops;\nUPDATE ledger_entries SET a = 1;\n' }, { rules: ['sql-parse-error', 'ledger-immutable'] });
    expect(findings.map((f) => `${f.ruleId}:${f.line}`)).toEqual(['sql-parse-error:2', 'ledger-immutable:3']);
  });
});
