import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { samplePaths } from '../../src/map/validate.js';
import { REPO_ROOT, writeRepo, runCli } from '../helpers.js';

const FIXTURE = path.join(REPO_ROOT, 'fixtures/platform-monorepo');

const run = runCli;

/** A repository holding `map` as its ownership-map.yaml, plus `files`. */
function repoWithMap(map: string, files: Record<string, string> = {}) {
  const root = writeRepo({ 'ownership-map.yaml': map, ...files });
  return { root, map: path.join(root, 'ownership-map.yaml') };
}

const TWO_DOMAINS = `version: 1
domains:
  shop:
    name: Shop
    kind: product
    folders: [packages/shop/**]
    prefixes: [shop_]
  billing:
    name: Billing
    kind: platform
    folders: [packages/billing/**]
    prefixes: [billing_]
families:
  - id: orders
    name: Orders
    tables: [orders]
    currentOwner: Shop
    targetOwner: shop
    guardRule: Orders belong to the shop
`;

describe('schema-guard map validate', () => {
  it('accepts the root map on the fixture, warning only about folders the fixture does not have', async () => {
    const result = await run(['map', 'validate', '--root', FIXTURE, '--map', path.join(REPO_ROOT, 'ownership-map.yaml')]);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('ownership-map.yaml: 0 errors, 11 warnings');
    for (const line of lines.slice(0, -1)) expect(line).toMatch(/^ownership-map\.yaml:\d+:\d+: warning: domains\.[a-z-]+\.folders\[\d\]: "[^"]+" matches no file under the root/);
    expect(lines[0]).toBe(
      'ownership-map.yaml:29:41: warning: domains.platform-iam.folders[1]: "packages/platform/auth/**" matches no file under the root: expected a path that exists, or remove the glob',
    );
  });

  it('says "no problems" and exits 0 for a clean map', async () => {
    const { root, map } = repoWithMap(TWO_DOMAINS, { 'packages/shop/a.ts': '', 'packages/billing/b.ts': '' });
    const result = await run(['map', 'validate', '--root', root]);
    expect(result).toEqual({ exitCode: 0, stdout: `${map}: no problems\n`, stderr: '' });
  });

  it('reports overlapping folders, nested prefixes, unknown rules in exceptions and globs that match no file', async () => {
    const { root, map } = repoWithMap(
      `version: 1
domains:
  shop:
    name: Shop
    kind: product
    folders: [packages/shop/**, packages/common]
    prefixes: [shop_]
  shop-admin:
    name: Shop admin
    kind: product
    folders: [packages/shop/admin/**, packages/billing/legacy/**]
    prefixes: [shop_admin_]
  billing:
    name: Billing
    kind: platform
    folders: [packages/billing/**]
    prefixes: [billing_]
families: []
restrictedTables:
  - rule: orders-write
    description: Only the shop writes orders.
    tables: [orders]
    operations: [insert]
exceptions:
  - id: legacy
    reason: Moving out
    link: https://example.com/1
    rules: [cross-domain-query, orders-write, cross-domian-query]
ignore: [generated/**]
`,
      {
        'packages/shop/b.ts': '',
        'packages/shop/admin/a.ts': '',
        'packages/shop/admin/c.ts': '',
        'packages/billing/c.ts': '',
        'packages/common/d.ts': '',
      },
    );
    const result = await run(['map', 'validate', '--root', root, '--map', map]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout.split('\n')).toEqual([
      `${map}:6:33: warning: domains.shop.folders[1]: "packages/common" matches the folder packages/common but no file in it: expected a glob over files, such as packages/common/**`,
      `${map}:11:15: error: domains.shop-admin.folders[0]: folder "packages/shop/admin/**" of domain shop-admin overlaps "packages/shop/**" of domain shop: both match 2 files, e.g. packages/shop/admin/a.ts, which only the longer glob gives to shop-admin; expected each file in one domain's folders`,
      `${map}:11:39: warning: domains.shop-admin.folders[1]: "packages/billing/legacy/**" matches no file under the root: expected a path that exists, or remove the glob`,
      `${map}:12:16: warning: domains.shop-admin.prefixes[0]: prefix "shop_admin_" of domain shop-admin starts with "shop_" of domain shop: shop_admin_… tables go to shop-admin only because the longer prefix wins; expected prefixes that do not nest across domains`,
      `${map}:16:15: error: domains.billing.folders[0]: folder "packages/billing/**" of domain billing overlaps "packages/billing/legacy/**" of domain shop-admin: both match paths such as packages/billing/legacy/x (no such file yet), which only the longer glob gives to shop-admin; expected each file in one domain's folders`,
      `${map}:28:47: error: exceptions[0].rules[2]: unknown rule "cross-domian-query": expected a rule from rules/ or the map's restrictedTables, did you mean "cross-domain-query"?`,
      `${map}:29:10: warning: ignore[0]: "generated/**" matches no file under the root: expected a path that exists, or remove the glob`,
      `${map}: 3 errors, 4 warnings`,
      '',
    ]);
  });

  it('lists the known rules, the map\'s own among them, when an unknown one is not a near miss', async () => {
    const { root } = repoWithMap(
      TWO_DOMAINS +
        `restrictedTables:
  - { rule: orders-write, description: Only the shop writes orders., tables: [orders], operations: [insert] }
exceptions:
  - { id: legacy, reason: Moving out, link: https://example.com/1, rules: [orders-write, no-such-rule] }
`,
      { 'packages/shop/a.ts': '', 'packages/billing/b.ts': '' },
    );
    const result = await run(['map', 'validate', '--root', root]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toMatch(/:23:90: error: exceptions\[0\]\.rules\[1\]: unknown rule "no-such-rule": expected a rule from rules\/ or the map's restrictedTables, one of [a-z, -]*\bcross-domain-query, [a-z, -]*\borders-write\b/);
    expect(result.stdout).not.toContain('orders-write": ');
  });

  it('reports the loader\'s schema errors at their line and column', async () => {
    const { root, map } = repoWithMap(TWO_DOMAINS.replace('kind: product', 'kind: service'));
    const result = await run(['map', 'validate', '--root', root]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe(
      `${map}:5:11: error: domains.shop.kind: expected one of "platform", "product", found a string ("service")\n${map}: 1 error, 0 warnings\n`,
    );
  });

  it('reports every cross-reference error together: unknown domain, a table in two families, a prefix claimed twice', async () => {
    const broken = TWO_DOMAINS.replace('prefixes: [billing_]', 'prefixes: [shop_]').replace('targetOwner: shop', 'targetOwner: warehouse') +
      `  - id: legacy-orders
    name: Legacy orders
    tables: ['"orders"']
    currentOwner: Billing
    targetOwner: billing
    guardRule: none
`;
    const { root, map } = repoWithMap(broken, { 'packages/shop/a.ts': '', 'packages/billing/b.ts': '' });
    const result = await run(['map', 'validate', '--root', root, '--format', 'json']);
    expect(result.exitCode).toBe(2);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ map, valid: false, summary: { errors: 3, warnings: 0 } });
    expect(report.problems.map((p: { line: number; column: number; level: string; path: string }) => `${p.line}:${p.column} ${p.level} ${p.path}`)).toEqual([
      '12:16 error domains.billing.prefixes[0]',
      '18:18 error families[0].targetOwner',
      '22:14 error families[1].tables[0]',
    ]);
    expect(report.problems[1]).toMatchObject({ file: map, message: expect.stringContaining('unknown domain "warehouse"') });
    expect(report.problems[2].message).toContain('table ""orders"" is already claimed by family orders');
  });

  it('the JSON form of a clean map is valid with no problems', async () => {
    const { root, map } = repoWithMap(TWO_DOMAINS, { 'packages/shop/a.ts': '', 'packages/billing/b.ts': '' });
    const result = await run(['map', 'validate', '--root', root, '--format', 'json']);
    expect(JSON.parse(result.stdout)).toEqual({ map, valid: true, problems: [], summary: { errors: 0, warnings: 0 } });
  });

  it('exits 2 with a clear message for a root that is not a directory', async () => {
    const { root } = repoWithMap(TWO_DOMAINS);
    const result = await run(['map', 'validate', '--root', path.join(root, 'nope')]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(`schema-guard: --root ${path.join(root, 'nope')} does not exist (see schema-guard map validate --help)\n`);
  });

  it('the real binary prints a YAML syntax error at its location, exit 2, no stack trace', async () => {
    const { root, map } = repoWithMap(TWO_DOMAINS);
    writeFileSync(map, 'version: 1\ndomains:\n  shop: [unclosed\n');
    const result = await execa('node', [path.join(REPO_ROOT, 'bin/schema-guard.js'), 'map', 'validate'], { cwd: root, reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toMatch(/^ownership-map\.yaml:\d+:\d+: error: invalid YAML: /);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toMatch(/^ownership-map\.yaml: \d+ errors?, 0 warnings$/);
    expect(result.stderr).toBe('');
  });
});

describe('samplePaths', () => {
  it('fills every wildcard and expands braces, keeping only paths the glob matches', () => {
    expect(samplePaths('packages/shop/**')).toEqual(['packages/shop/x']);
    expect(samplePaths('packages/{shop,billing}/src/*.ts')).toEqual(['packages/shop/src/x.ts', 'packages/billing/src/x.ts']);
    expect(samplePaths('cmd/api')).toEqual(['cmd/api']);
  });

  it('gives nothing for a negated glob', () => {
    expect(samplePaths('!packages/shop/**')).toEqual([]);
  });
});
