import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check.js';
import { brief, guard, writeRepo } from '../helpers.js';

const rule = ['cross-domain-query'];

describe('cross-domain-query', () => {
  it('fires when a product package reads a platform-owned table (seed rule 1)', async () => {
    const findings = await guard(
      { 'packages/gpuaas/provisioning/src/orgs.ts': `export const load = (id: string) => pool.query('SELECT name FROM organizations WHERE id = $1', [id]);\n` },
      { rules: rule },
    );
    expect(brief(findings)).toEqual(['cross-domain-query packages/gpuaas/provisioning/src/orgs.ts:1:66 organizations']);
    expect(findings[0]).toMatchObject({ domain: 'gpuaas-provisioning', owner: 'platform-iam', operation: 'read', level: 'warning' });
    expect(findings[0]!.message).toContain('Product packages read through IAM/access APIs or read models');
  });

  it('fires when a platform package writes a product-owned table', async () => {
    const findings = await guard({ 'packages/platform/billing/src/nodes.ts': "await sql`UPDATE nodes SET billed = true WHERE id = ${id}`;\n" }, { rules: rule });
    expect(brief(findings)).toEqual(['cross-domain-query packages/platform/billing/src/nodes.ts:1:18 nodes']);
    expect(findings[0]).toMatchObject({ owner: 'gpuaas-provisioning', operation: 'update' });
  });

  it('fires on tables owned only through an owner-visible prefix', async () => {
    const findings = await guard({ 'packages/appplatform/runtime/x.ts': "pool.query('SELECT * FROM platform_billing_credit_notes');\n" }, { rules: rule });
    expect(findings.map((f) => f.owner)).toEqual(['platform-billing']);
  });

  it('stays quiet for a domain querying its own tables', async () => {
    const findings = await guard({ 'packages/platform/iam/src/orgs.ts': "pool.query('SELECT * FROM organizations JOIN projects ON projects.organization_id = organizations.id');\n" }, { rules: rule });
    expect(findings).toEqual([]);
  });

  it('honours read grants: terminal may read user_ssh_public_keys and allocations, but not write them', async () => {
    const findings = await guard(
      {
        'packages/gpuaas/terminal/src/keys.ts': [
          "pool.query('SELECT key FROM user_ssh_public_keys WHERE user_id = $1');",
          "pool.query('SELECT * FROM allocations WHERE id = $1');",
          "pool.query('DELETE FROM user_ssh_public_keys WHERE id = $1');",
        ].join('\n') + '\n',
      },
      { rules: rule },
    );
    expect(brief(findings)).toEqual(['cross-domain-query packages/gpuaas/terminal/src/keys.ts:3:25 user_ssh_public_keys']);
  });

  it('does not apply to files outside every domain (read models, scripts, root migrations)', async () => {
    const findings = await guard({ 'scripts/report.ts': "pool.query('SELECT * FROM organizations, nodes');\n", 'migrations/001.sql': 'UPDATE nodes SET x = 1;\n' }, { rules: rule });
    expect(findings).toEqual([]);
  });

  it('leaves a restricted table to its restricted-table rule at the same site', async () => {
    const findings = await guard({ 'packages/gpuaas/provisioning/src/charge.ts': "pool.query('INSERT INTO ledger_entries (amount) VALUES ($1)');\n" });
    expect(findings.map((f) => f.ruleId)).toEqual(['ledger-write']);
  });

  it('matches tables as PostgreSQL does: public. is the default schema, unquoted names fold, quoted keep case', async () => {
    const findings = await guard(
      {
        'packages/gpuaas/provisioning/src/q.ts': [
          "pool.query('SELECT * FROM public.organizations');",
          "pool.query('SELECT * FROM ORGANIZATIONS');",
          `pool.query('SELECT * FROM "Organizations"');`,
          "pool.query('SELECT * FROM other.organizations');",
        ].join('\n') + '\n',
      },
      { rules: rule },
    );
    expect(brief(findings)).toEqual([
      'cross-domain-query packages/gpuaas/provisioning/src/q.ts:1:27 organizations',
      'cross-domain-query packages/gpuaas/provisioning/src/q.ts:2:27 organizations',
    ]);
  });

  it('waives cmd/api files (transitional exception), even with an @owner header of another domain', async () => {
    const findings = await guard({ 'cmd/api/routes/nodes.ts': "// @owner platform-billing\npool.query('SELECT * FROM nodes');\n" }, { rules: rule });
    expect(findings).toEqual([]);
  });

  it('waives gpuaas-provisioning writing its attention reviews, which the audit family holds', async () => {
    const quiet = await guard({ 'packages/gpuaas/provisioning/src/reviews.ts': "pool.query('INSERT INTO gpuaas_provisioning_attention_reviews (node_id) VALUES ($1)');\n" }, { rules: rule });
    expect(quiet).toEqual([]);
    const loud = await guard({ 'packages/gpuaas/inventory/src/reviews.ts': "pool.query('INSERT INTO gpuaas_provisioning_attention_reviews (node_id) VALUES ($1)');\n" }, { rules: rule });
    expect(loud.map((f) => f.owner)).toEqual(['platform-audit']);
  });
});

describe('cross-domain-query on a map with a dependency chain (seed 001)', () => {
  const CHAIN_MAP = `version: 1
domains:
  identity: { name: identity, kind: platform, folders: [identity/**], schemas: [identity] }
  billing: { name: billing, kind: platform, folders: [billing/**], schemas: [billing] }
dependencyChain:
  order: [identity, billing]
  crossCutting: []
families: []
`;

  it('follows the chain for reads (downward is allowed, upward is left to dependency-direction) and still reports writes', async () => {
    const root = writeRepo({
      'map.yaml': CHAIN_MAP,
      'billing/src/people.ts': [
        "pool.query('SELECT * FROM identity.persons');",
        "pool.query('UPDATE identity.persons SET name = $1');",
      ].join('\n') + '\n',
      'identity/src/accounts.ts': "pool.query('SELECT * FROM billing.billing_accounts');\n",
    });
    const { findings } = await runCheck({ root, mapFile: path.join(root, 'map.yaml'), rules: ['cross-domain-query', 'dependency-direction'] });
    expect(brief(findings)).toEqual([
      'cross-domain-query billing/src/people.ts:2:20 identity.persons',
      'dependency-direction identity/src/accounts.ts:1:27 billing.billing_accounts',
    ]);
  });
});
