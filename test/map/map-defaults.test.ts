import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check.js';
import { OwnershipIndex } from '../../src/map/resolve.js';
import { defaultGuardRule } from '../../src/map/schema.js';
import { brief, loadMapText, mapProblems, writeRepo } from '../helpers.js';

/** A map with only what a single application needs: ids, folders and tables. */
const MINIMAL = `version: 1
domains:
  orders: { folders: [src/orders/**] }
  billing: { folders: [src/billing/**] }
families:
  - id: billing-data
    targetOwner: billing
    tables: [invoices, webServerSettings]
`;

describe('a map with only ids, folders and tables', () => {
  it('loads, with names, kinds, current owners and guard rules filled in', () => {
    const { map } = loadMapText(MINIMAL);
    expect(map.domains.orders).toMatchObject({ name: 'orders', kind: 'product', folders: ['src/orders/**'], entry: [] });
    expect(map.families[0]).toMatchObject({ id: 'billing-data', name: 'billing-data', currentOwner: 'billing', guardRule: defaultGuardRule('billing') });
  });

  it('keeps what the map does say', () => {
    const { map } = loadMapText(MINIMAL.replace('{ folders: [src/orders/**] }', '{ name: Orders, kind: platform, folders: [src/orders/**] }') + '    guardRule: Ask billing.\n');
    expect(map.domains.orders).toMatchObject({ name: 'Orders', kind: 'platform' });
    expect(map.families[0]!.guardRule).toBe('Ask billing.');
  });

  it('reports a cross-domain query with the default guard rule', async () => {
    const root = writeRepo({ 'ownership-map.yaml': MINIMAL, 'src/orders/pay.ts': "pool.query('SELECT * FROM invoices');\n" });
    const { findings } = await runCheck({ root, mapFile: path.join(root, 'ownership-map.yaml'), rules: ['cross-domain-query'] });
    expect(brief(findings)).toEqual(['cross-domain-query src/orders/pay.ts:1:27 invoices']);
    expect(findings[0]!.message).toContain(defaultGuardRule('billing'));
  });
});

describe('table names in the map', () => {
  const index = new OwnershipIndex(loadMapText(MINIMAL).map);

  it('an unquoted name with upper-case letters is the identifier code quotes', () => {
    expect(index.ownerOfTable({ name: 'webServerSettings' })?.domain).toBe('billing');
    // Unquoted in SQL, WebServerSettings folds to webserversettings: another table.
    expect(index.ownerOfTable({ name: 'webserversettings' })).toBeUndefined();
  });

  it('finds the quoted table in code, and not an unquoted spelling', async () => {
    const root = writeRepo({
      'ownership-map.yaml': MINIMAL,
      'src/orders/settings.ts': ['pool.query(\'SELECT * FROM "webServerSettings"\');', "pool.query('SELECT * FROM webServerSettings');"].join('\n') + '\n',
    });
    const { findings } = await runCheck({ root, mapFile: path.join(root, 'ownership-map.yaml'), rules: ['cross-domain-query'] });
    expect(brief(findings)).toEqual(['cross-domain-query src/orders/settings.ts:1:27 webServerSettings']);
  });

  it('quotes are still accepted, and mean the same identifier', () => {
    const quoted = new OwnershipIndex(loadMapText(MINIMAL.replace('webServerSettings', `'"webServerSettings"'`)).map);
    expect(quoted.ownerOfTable({ name: 'webServerSettings' })?.domain).toBe('billing');
  });

  it('a name and its quoted lower-case spelling are one table, claimed once', () => {
    expect(mapProblems(MINIMAL.replace('webServerSettings', `'"invoices"'`))).toEqual([
      '8:24: families[0].tables[1]: table ""invoices"" is already claimed by family billing-data: expected it in one place only',
    ]);
  });
});

describe('negated globs', () => {
  const withGlobs = (extra: string, folders = '[src/orders/**]') => MINIMAL.replace('{ folders: [src/orders/**] }', `{ folders: ${folders} }`) + extra;

  it("take files out of a domain's folders, whatever their order", () => {
    const map = loadMapText(withGlobs('', "['!src/orders/legacy/**', 'src/orders/**']")).map;
    const index = new OwnershipIndex(map);
    expect(index.domainOfFile('src/orders/a.ts')).toBe('orders');
    expect(index.domainOfFile('src/orders/legacy/b.ts')).toBeUndefined();
  });

  it('leave a file taken out of one domain to another domain that covers it', () => {
    const map = loadMapText(withGlobs('', "[src/**, '!src/billing/**']").replace('{ folders: [src/billing/**] }', '{ folders: [src/billing/**] }')).map;
    const index = new OwnershipIndex(map);
    expect(index.domainOfFile('src/billing/x.ts')).toBe('billing');
    expect(index.domainOfFile('src/other/x.ts')).toBe('orders');
  });

  it('take files out of readModelFolders, exception folders and allow.folders', () => {
    const map = loadMapText(
      withGlobs(`readModelFolders: [src/**/read/**, '!src/orders/read/raw/**']
exceptions:
  - id: legacy
    reason: being moved
    link: docs/moves.md
    rules: [cross-domain-query]
    folders: [src/orders/**, '!src/orders/new/**']
`),
    ).map;
    const index = new OwnershipIndex(map);
    expect(index.isReadModel('src/orders/read/x.ts')).toBe(true);
    expect(index.isReadModel('src/orders/read/raw/x.ts')).toBe(false);
    const waived = (file: string) => index.exceptionsFor({ ruleId: 'cross-domain-query', file, domain: 'orders', today: '2030-01-01' }).length;
    expect(waived('src/orders/old.ts')).toBe(1);
    expect(waived('src/orders/new/x.ts')).toBe(0);
  });

  it('are refused where they cannot work, at the glob', () => {
    expect(mapProblems(withGlobs("ignore: [dist/**, '!dist/keep/**']\n"))).toEqual([
      '9:19: ignore[1]: negated globs are not supported in ignore: expected a glob without `!`, listing what it covers',
    ]);
    expect(mapProblems(withGlobs("retiredImports:\n  - { folder: '!src/old/**', reason: gone }\n"))).toEqual([
      '10:15: retiredImports[0].folder: negated globs are not supported in retiredImports: expected the glob of the retired folder',
    ]);
  });

  it('are refused in a list that has nothing else: they would exclude from nothing', () => {
    expect(mapProblems(withGlobs('', "['!src/orders/legacy/**']"))).toEqual([
      "3:23: domains.orders.folders[0]: a negated glob only takes files out of the list's other globs: expected at least one glob without `!` in this list",
    ]);
  });

  it('are not confused with the !(…) extglob, which the bounded matcher refuses with a located error', () => {
    expect(mapProblems(withGlobs('', "['src/orders/!(legacy)/**']"))).toEqual([expect.stringMatching(/: expected a glob without extglob groups such as @\(a\|b\): use \{a,b\}$/)]);
  });

  it('are judged by map validate: a negated glob that takes out no file is stale', async () => {
    const root = writeRepo({ 'src/orders/a.ts': '', 'src/billing/b.ts': '' });
    writeFileSync(path.join(root, 'ownership-map.yaml'), withGlobs('', "[src/orders/**, '!src/orders/gone/**']"));
    const { validateMap } = await import('../../src/map/validate.js');
    const problems = validateMap(path.join(root, 'ownership-map.yaml'), root).problems.map((p) => `${p.path}: ${p.message}`);
    expect(problems).toContain('domains.orders.folders[1]: "!src/orders/gone/**" matches no file under the root: expected a path that exists, or remove the glob');
  });

  it('keep domains from overlapping in map validate', async () => {
    const root = writeRepo({ 'src/a.ts': '', 'src/billing/b.ts': '' });
    writeFileSync(path.join(root, 'ownership-map.yaml'), withGlobs('', "[src/**, '!src/billing/**']"));
    const { validateMap } = await import('../../src/map/validate.js');
    expect(validateMap(path.join(root, 'ownership-map.yaml'), root).errors).toBe(0);
  });
});
