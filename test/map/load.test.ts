import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOwnershipMap } from '../../src/map/load.js';
import { MapError } from '../../src/map/map-file.js';
import { temporaryFolder } from '../temporary.js';

const ROOT_MAP = path.resolve(import.meta.dirname, '../../ownership-map.yaml');
const dir = temporaryFolder('schema-guard-map-');
let count = 0;

function writeMap(text: string): string {
  const file = path.join(dir, `map-${++count}.yaml`);
  writeFileSync(file, text);
  return file;
}

/** The MapError a map text raises, with messages relative to the temp file's name. */
function errorOf(text: string): MapError {
  const file = writeMap(text);
  try {
    loadOwnershipMap(file);
  } catch (error) {
    expect(error).toBeInstanceOf(MapError);
    return error as MapError;
  }
  throw new Error('expected the map to be rejected');
}

function lines(error: MapError): string[] {
  return error.message.split('\n').map((l) => l.slice(error.file.length + 1));
}

const VALID = `version: 1
domains:
  billing:
    name: Billing
    kind: platform
    folders: [packages/billing/**]
    prefixes: [billing_]
  shop:
    name: Shop
    kind: product
    folders: [packages/shop/**]
    prefixes: [shop_]
families:
  - id: ledger
    name: Ledger
    tables: [ledger_entries]
    currentOwner: Billing
    targetOwner: billing
    guardRule: Only billing writes.
`;

describe('the root ownership map', () => {
  const loaded = loadOwnershipMap(ROOT_MAP);
  const { map } = loaded;
  const family = (id: string) => map.families.find((f) => f.id === id)!;

  it('has the seed’s 22 families and the 14 domains of issue 2', () => {
    expect(map.families).toHaveLength(22);
    expect(Object.keys(map.domains)).toEqual([
      'platform-iam', 'platform-billing', 'platform-audit', 'platform-statusops', 'platform-registry',
      'platform-secrets', 'platform-policy', 'platform-api', 'shared-outbox', 'gpuaas-inventory',
      'gpuaas-provisioning', 'gpuaas-terminal', 'gpuaas-storage', 'appplatform',
    ]);
    expect(map.domains['gpuaas-provisioning']).toMatchObject({
      kind: 'product',
      folders: ['packages/gpuaas/provisioning/**', 'packages/gpuaas/maas/**', 'packages/gpuaas/nodes/**'],
      prefixes: ['gpuaas_node_', 'gpuaas_allocation_', 'gpuaas_provisioning_'],
    });
    expect(map.domains['platform-billing'].owners).toEqual({ primary: 'Platform Lead', secondary: 'Backend Engineer', severity: 'SEV-1' });
    expect(map.ownershipRules).toHaveLength(6);
  });

  it('lists each family’s tables as the seed does', () => {
    expect(family('ledger-and-finance').tables).toEqual([
      'ledger_entries', 'refund_requests', 'stripe_events', 'payment_sessions', 'payment_disputes',
      'billing_provider_customers', 'billing_accounts', 'billing_reconciliation_runs', 'billing_tax_profiles',
      'invoice_headers', 'invoice_lines', 'financial_restrictions',
    ]);
    expect(family('node-lifecycle-and-state').tables).toHaveLength(10);
    expect(family('app-runtime-instances').tables).toContain('shared_runtime_operator_credentials');
    expect(family('audit-and-operator-acknowledgement').tables).toEqual([
      'platform_audit_logs', 'platform_status_admin_ack_suppressions', 'gpuaas_provisioning_attention_reviews',
    ]);
    expect(family('user-access-material')).toMatchObject({
      tables: ['user_ssh_public_keys', 'platform_iam_user_posix_identities'],
      targetOwner: 'platform-iam',
      readers: ['gpuaas-terminal', 'gpuaas-provisioning'],
      guardRule: 'Guard flags direct use from billing/app runtime; terminal/provisioning may consume via explicit contract',
    });
    expect(family('allocation-and-placement').readers).toEqual(['gpuaas-terminal']);
    expect(family('commit-release-contracts').targetOwner).toBe('platform-statusops');
    expect(family('storage').targetOwner).toBe('gpuaas-storage');
  });

  it('declares the seed’s four restricted-table rules and three exceptions', () => {
    expect(map.restrictedTables.map((r) => [r.rule, r.blocking])).toEqual([
      ['ledger-write', false], ['ledger-immutable', true], ['audit-write', false], ['outbox-publish', false],
    ]);
    expect(map.exceptions.map((e) => e.id)).toHaveLength(3);
  });

  it('locates families and exceptions in the file', () => {
    const ledger = loaded.locateFamily('ledger-and-finance');
    expect(ledger.column).toBe(5);
    expect(loaded.locate(['families', map.families.indexOf(family('ledger-and-finance'))])).toEqual(ledger);
    expect(loaded.locateException('cmd-api-multi-domain').line).toBeGreaterThan(ledger.line);
  });
});

describe('loadOwnershipMap errors', () => {
  it('accepts the minimal map', () => {
    expect(loadOwnershipMap(writeMap(VALID)).map.families[0].id).toBe('ledger');
  });

  it('locates the pieces of a map', () => {
    const loaded = loadOwnershipMap(writeMap(VALID));
    expect(loaded.locate(['families', 0, 'targetOwner'])).toEqual({ line: 18, column: 18 });
    expect(loaded.locate(['domains', 'shop', 'prefixes', 0])).toEqual({ line: 12, column: 16 });
    // Absent keys fall back to the nearest ancestor in the file.
    expect(loaded.locate(['families', 0, 'readers', 0])).toEqual({ line: 14, column: 5 });
  });

  it('locates values reached through an alias where the anchored value is written', () => {
    const shared = VALID.replace('folders: [packages/billing/**]', 'folders: &shared [packages/billing/**, packages/common/**]');
    const loaded = loadOwnershipMap(writeMap(shared.replace('folders: [packages/shop/**]', 'folders: *shared')));
    expect(loaded.map.domains.shop!.folders).toEqual(['packages/billing/**', 'packages/common/**']);
    // The alias itself where it is written, its items where the anchor wrote them.
    expect(loaded.locate(['domains', 'shop', 'folders'])).toEqual({ line: 11, column: 14 });
    expect(loaded.locate(['domains', 'shop', 'folders', 1])).toEqual({ line: 6, column: 44 });
    expect(loaded.locate(['domains', 'billing', 'folders', 1])).toEqual({ line: 6, column: 44 });
  });

  it('reports an alias written before its anchor at the alias', () => {
    const early = VALID.replace('folders: [packages/billing/**]', 'folders: *later').replace('folders: [packages/shop/**]', 'folders: &later [packages/shop/**]');
    expect(lines(errorOf(early))).toEqual(['6:14: alias *later comes before its anchor: expected &later to be set earlier in the file']);
  });

  it('reports an unreadable file', () => {
    const file = path.join(dir, 'missing.yaml');
    expect(() => loadOwnershipMap(file)).toThrow(`${file}:1:1: cannot read the ownership map (ENOENT)`);
  });

  it('reports invalid YAML where the parser stopped', () => {
    const error = errorOf('version: 1\ndomains:\n  a: [x, y\nfamilies: []\n');
    expect(error.line).toBe(4);
    expect(error.column).toBe(1);
    expect(lines(error)[0]).toMatch(/^4:1: invalid YAML: /);
  });

  it('reports duplicate keys, all of them', () => {
    const error = errorOf(VALID.replace('    kind: platform\n', '    kind: platform\n    kind: product\n') + 'version: 1\n');
    expect(lines(error)).toEqual([
      '6:5: duplicate key "kind": expected each key once in a mapping',
      '21:1: duplicate key "version": expected each key once in a mapping',
    ]);
  });

  it('reports a root that is not a mapping', () => {
    expect(lines(errorOf('- a\n- b\n'))).toEqual(['1:1: expected a mapping (key: value lines) at the root, found a list']);
    expect(lines(errorOf('# nothing\n'))).toEqual(['1:1: expected a mapping (key: value lines) at the root, found an empty document']);
  });

  it('refuses an alias bomb', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
    ].join('\n');
    const error = errorOf(bomb);
    expect(lines(error)).toEqual(['3:8: expected at most 50,000 values, aliases expanded: the map holds more']);
  });

  it('reports a wrong type at a nested key, saying what was expected', () => {
    const error = errorOf(VALID.replace('folders: [packages/shop/**]', 'folders: packages/shop').replace('kind: product', 'kind: 42'));
    expect(lines(error)).toEqual([
      '10:11: domains.shop.kind: expected one of "platform", "product", found a number (42)',
      '11:14: domains.shop.folders: expected a list, found a string ("packages/shop")',
    ]);
  });

  it('takes globs of many `*` and `**` (they are matched in bounded time), and refuses the syntax the matcher does not read', () => {
    expect(() => loadOwnershipMap(writeMap(VALID.replace('folders: [packages/shop/**]', 'folders: ["packages/**/*a*a*a*a*a*b", "**/a/**/a/**/a/**/a/**/a/b"]')))).not.toThrow();
    expect(() => loadOwnershipMap(writeMap(VALID.replace('folders: [packages/shop/**]', 'folders: ["packages/**/*.{ts,sql}"]')))).not.toThrow();
    const error = errorOf(VALID.replace('folders: [packages/shop/**]', 'folders: ["packages/@(a|b)/**", "packages/!(x)/**"]'));
    expect(lines(error)).toEqual([
      '11:15: domains.shop.folders[0]: expected a glob without extglob groups such as @(a|b): use {a,b}',
      '11:37: domains.shop.folders[1]: expected a glob without extglob groups such as @(a|b): use {a,b}',
    ]);
  });

  it('reports missing keys, unknown keys and bad ids with the zod path', () => {
    const text = VALID.replace('    currentOwner: Billing\n', '    curentOwner: Billing\n').replace('  shop:', '  Shop:').replace('targetOwner: billing', 'targetOwner: Bill ing').replace(/    folders: \[packages\/billing\/\*\*\]\n/, '');
    expect(lines(errorOf(text))).toEqual([
      '4:5: domains.billing.folders: expected a list, found nothing (the key is missing)',
      '7:3: domains.Shop: invalid key "Shop": expected a domain id: lower-case letters, digits and dashes',
      '16:5: families[0].curentOwner: unknown key "curentOwner": expected one of id, name, tables, schemas, currentOwner, targetOwner, targetOwnerText, guardRule, readers',
      '17:18: families[0].targetOwner: expected a domain id: lower-case letters, digits and dashes',
    ]);
  });

  it('reports an unknown domain id where it is used', () => {
    const text = VALID.replace('targetOwner: billing', 'targetOwner: payments') + '    readers: [shop, warehouse]\n';
    const error = errorOf(text);
    expect(error.line).toBe(18);
    expect(error.column).toBe(18);
    expect(lines(error)).toEqual([
      '18:18: families[0].targetOwner: unknown domain "payments": expected one of billing, shop',
      '20:21: families[0].readers[1]: unknown domain "warehouse": expected one of billing, shop',
    ]);
  });

  it('reports a table listed in two families, as PostgreSQL names it', () => {
    const text = `${VALID}  - id: shop-orders
    name: Orders
    tables: [orders, 'public."ledger_entries"']
    currentOwner: Shop
    targetOwner: shop
    guardRule: Shop owns orders.
`;
    expect(lines(errorOf(text))).toEqual([
      '22:22: families[1].tables[1]: table "public."ledger_entries"" is already claimed by family ledger: expected it in one place only',
    ]);
  });

  it('keeps quoted and schema-qualified names apart', () => {
    const text = `${VALID}  - id: other
    name: Other
    tables: ['"Ledger_Entries"', audit.ledger_entries]
    currentOwner: Shop
    targetOwner: shop
    guardRule: Shop owns orders.
`;
    expect(loadOwnershipMap(writeMap(text)).map.families).toHaveLength(2);
  });

  it('reports a prefix claimed by two domains', () => {
    const text = VALID.replace('prefixes: [shop_]', 'prefixes: [shop_, billing_]');
    expect(lines(errorOf(text))).toEqual([
      '12:23: domains.shop.prefixes[1]: prefix "billing_" is already claimed by domain billing: expected it in one place only',
    ]);
  });

  it('checks restricted rules and exceptions against the map', () => {
    const text = `${VALID}restrictedTables:
  - rule: ledger-write
    description: Only billing writes the ledger.
    families: [ledger, ledgers]
    operations: [insert]
    allow: { domains: [billing, payments] }
exceptions:
  - id: legacy
    reason: Legacy code.
    link: seed 000
    rules: [cross-domain-query]
    expires: 2026-02-30
`;
    expect(lines(errorOf(text))).toEqual([
      '23:24: restrictedTables[0].families[1]: unknown family "ledgers": expected the id of a family in this map',
      '25:33: restrictedTables[0].allow.domains[1]: unknown domain "payments": expected one of billing, shop',
      '31:14: exceptions[0].expires: "2026-02-30" is not a calendar date: expected a real date YYYY-MM-DD',
    ]);
  });

  it('formats messages as file:line:column: path: message', () => {
    const error = errorOf(VALID.replace('version: 1', 'version: 2'));
    expect(error.message).toBe(`${error.file}:1:10: version: expected 1, found a number (2)`);
    expect(error.issues).toEqual([{ line: 1, column: 10, path: 'version', message: 'expected 1, found a number (2)' }]);
  });
});
