import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check.js';
import { brief, writeRepo } from '../helpers.js';

/** Three modules in a chain, one cross-cutting observer, one module outside both. */
const MAP = `version: 1
domains:
  identity: { name: identity, kind: platform, folders: [modules/identity/**], schemas: [identity] }
  billing: { name: billing, kind: platform, folders: [modules/billing/**], schemas: [billing], dependsOn: [outbox] }
  cooperative: { name: cooperative, kind: platform, folders: [modules/cooperative/**], schemas: [cooperative] }
  audit: { name: audit, kind: platform, folders: [modules/audit/**], schemas: [audit] }
  outbox: { name: outbox, kind: platform, folders: [modules/outbox/**], schemas: [outbox] }
  reports: { name: reports, kind: product, folders: [modules/reports/**], schemas: [reports] }
dependencyChain:
  order: [identity, billing, cooperative]
  crossCutting: [audit, outbox]
families: []
`;

async function check(files: Record<string, string>, map = MAP) {
  const root = writeRepo({ ...files, 'ownership-map.yaml': map });
  const result = await runCheck({ root, mapFile: path.join(root, 'ownership-map.yaml'), rules: ['dependency-direction'] });
  return result.findings;
}

describe('dependency-direction fires', () => {
  it('on a query of a module later in the chain, reads and writes alike', async () => {
    const findings = await check({
      'modules/identity/src/status.ts': [
        "pool.query('SELECT 1 FROM billing.accounts a JOIN cooperative.patrons p ON p.account_id = a.id');",
        "pool.query('INSERT INTO billing.accounts (person_id) VALUES ($1)');",
      ].join('\n'),
    });
    expect(brief(findings)).toEqual([
      'dependency-direction modules/identity/src/status.ts:1:27 billing.accounts',
      'dependency-direction modules/identity/src/status.ts:1:51 cooperative.patrons',
      'dependency-direction modules/identity/src/status.ts:2:25 billing.accounts',
    ]);
    expect(findings.map((f) => f.operation)).toEqual(['read', 'read', 'insert']);
  });

  it('on a REFERENCES clause into a later module, judged by the table holding the key wherever the migration sits', async () => {
    const findings = await check({
      'modules/identity/migrations/001.sql': 'CREATE TABLE identity.persons (id uuid PRIMARY KEY, account_id uuid REFERENCES billing.accounts (id));\n',
      'migrations/002.sql': 'ALTER TABLE identity.persons ADD CONSTRAINT persons_patron_fk FOREIGN KEY (patron_id) REFERENCES cooperative.patrons (id);\n',
    });
    expect(brief(findings)).toEqual([
      'dependency-direction migrations/002.sql:1:98 cooperative.patrons',
      'dependency-direction modules/identity/migrations/001.sql:1:80 billing.accounts',
    ]);
    expect(findings[0]).toMatchObject({ domain: null, owner: 'cooperative', operation: 'reference' });
    expect(findings[0]!.message).toMatch(/^identity\.persons \(identity\) holds a foreign key into cooperative\.patrons \(cooperative\), a module later/);
  });

  it('on a domain module holding a foreign key into, or reading, a cross-cutting module', async () => {
    const findings = await check({
      'modules/billing/migrations/001.sql': 'CREATE TABLE billing.accounts (id uuid PRIMARY KEY, created_log bigint REFERENCES audit.logs (id));\n',
      'modules/cooperative/src/history.ts': "pool.query('SELECT * FROM audit.logs WHERE org_id = $1');\n",
    });
    expect(brief(findings)).toEqual([
      'dependency-direction modules/billing/migrations/001.sql:1:83 audit.logs',
      'dependency-direction modules/cooperative/src/history.ts:1:27 audit.logs',
    ]);
    expect(findings[1]!.message).toContain('a cross-cutting module: it observes the modules of the chain and is depended upon by none');
  });

  it('between cross-cutting modules, unless dependsOn lists the provider', async () => {
    const findings = await check({ 'modules/audit/src/relay.ts': "pool.query('SELECT * FROM outbox.events');\n" });
    expect(brief(findings)).toEqual(['dependency-direction modules/audit/src/relay.ts:1:27 outbox.events']);
  });

  it('on an import into a later module’s folder, type-only imports included', async () => {
    const findings = await check({
      'modules/identity/src/a.ts': "import { charge } from '../../billing/src/charge';\nimport type { Patron } from '../../cooperative/index';\n",
      'modules/billing/src/charge.ts': 'export const charge = 1;\n',
      'modules/cooperative/index.ts': 'export type Patron = { id: string };\n',
    });
    expect(brief(findings)).toEqual([
      'dependency-direction modules/identity/src/a.ts:1:24',
      'dependency-direction modules/identity/src/a.ts:2:29',
    ]);
    expect(findings[0]).toMatchObject({ owner: 'billing', specifier: '../../billing/src/charge' });
    expect(findings[0]!.message).toBe(
      "identity code imports '../../billing/src/charge' (modules/billing/src/charge.ts, billing), a module later in the dependency chain " +
        '(identity → billing → cooperative). Dependencies flow strictly downward: each module depends only on modules earlier in the chain.',
    );
  });

  it('on a dependency a dependsOn-only map does not declare', async () => {
    const map = `version: 1
domains:
  shop: { name: Shop, kind: product, folders: [shop/**], schemas: [shop], dependsOn: [catalog] }
  catalog: { name: Catalog, kind: product, folders: [catalog/**], schemas: [catalog] }
  payments: { name: Payments, kind: platform, folders: [payments/**], schemas: [payments] }
families: []
`;
    const findings = await check({ 'shop/cart.ts': "pool.query('SELECT * FROM catalog.items');\npool.query('SELECT * FROM payments.cards');\n" }, map);
    expect(brief(findings)).toEqual(['dependency-direction shop/cart.ts:2:27 payments.cards']);
    expect(findings[0]!.message).toBe("shop code reads payments.cards (payments), a module that shop's dependsOn in the ownership map does not list.");
  });
});

describe('dependency-direction stays quiet', () => {
  it('for reads, foreign keys and imports toward earlier modules, and within a module', async () => {
    const findings = await check({
      'modules/cooperative/migrations/001.sql': [
        'CREATE TABLE cooperative.patrons (id uuid PRIMARY KEY, account_id uuid REFERENCES billing.accounts (id), person_id uuid REFERENCES identity.persons (id));',
        'CREATE TABLE cooperative.events (patron_id uuid REFERENCES cooperative.patrons (id));',
      ].join('\n'),
      'modules/billing/src/open.ts': "import { find } from '../../identity/src/find';\npool.query('SELECT * FROM identity.persons p JOIN billing.accounts a ON a.person_id = p.id');\n",
      'modules/identity/src/find.ts': 'export const find = 1;\n',
    });
    expect(findings).toEqual([]);
  });

  it('for a cross-cutting observer referencing and reading the chain, and for a dependency dependsOn lists', async () => {
    const findings = await check({
      'modules/audit/migrations/001.sql': 'CREATE TABLE audit.logs (id bigint PRIMARY KEY, actor uuid REFERENCES identity.persons (id));\n',
      'modules/audit/src/who.ts': "pool.query('SELECT * FROM cooperative.patrons');\n",
      'modules/billing/src/publish.ts': "pool.query('INSERT INTO outbox.events (subject) VALUES ($1)');\n",
    });
    expect(findings).toEqual([]);
  });

  it('for modules outside the chain without dependsOn, for unowned tables and for interpolated names', async () => {
    const findings = await check({
      'modules/reports/src/r.ts': "pool.query('SELECT * FROM billing.accounts JOIN audit.logs ON true');\n",
      'modules/identity/src/x.ts': "pool.query('SELECT * FROM elsewhere.things');\nawait sql`SELECT * FROM ${table}`;\n",
      'scripts/backfill.ts': "pool.query('SELECT * FROM cooperative.patrons');\n",
    });
    expect(findings).toEqual([]);
  });

  it('when the map declares no chain and no dependsOn: the root map never triggers it', async () => {
    const map = MAP.replace(/dependencyChain:[\s\S]*?(?=families)/, '').replace(', dependsOn: [outbox]', '');
    const findings = await check({ 'modules/identity/src/status.ts': "pool.query('SELECT * FROM billing.accounts');\n" }, map);
    expect(findings).toEqual([]);
  });
});
