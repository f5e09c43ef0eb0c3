import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check.js';
import { brief, writeRepo } from '../helpers.js';

/** Two domains of one application; billing's extra map keys come in `billing`. */
function mapOf(folders: { orders: string; billing: string }, billing = ''): string {
  return `version: 1
domains:
  orders: { folders: ['${folders.orders}'] }
  billing: { folders: ['${folders.billing}']${billing} }
families: []
`;
}

async function importFindings(files: Record<string, string>) {
  const root = writeRepo(files);
  const { findings } = await runCheck({ root, mapFile: path.join(root, 'ownership-map.yaml'), rules: ['cross-domain-import'] });
  return findings;
}

describe('cross-domain-import and the entry: of a domain', () => {
  const app = mapOf({ orders: 'src/orders/**', billing: 'src/billing/**' }, ', entry: [src/billing/api.ts]');

  it('lets other domains import the entry files, and names them in the fix', async () => {
    const findings = await importFindings({
      'ownership-map.yaml': app,
      'src/billing/api.ts': 'export const charge = () => 1;\n',
      'src/billing/internal/ledger.ts': 'export const post = () => 1;\n',
      'src/orders/pay.ts': "import { charge } from '../billing/api';\nimport { post } from '../billing/internal/ledger';\n",
    });
    expect(brief(findings)).toEqual(['cross-domain-import src/orders/pay.ts:2:22']);
    expect(findings[0]!.message).toContain("Import billing's entry src/billing/api.ts instead");
  });

  it("takes a domain folder's index file as a way in", async () => {
    const findings = await importFindings({
      'ownership-map.yaml': mapOf({ orders: 'src/orders/**', billing: 'src/billing/**' }),
      'src/billing/index.ts': "export { post } from './internal/ledger';\n",
      'src/billing/internal/ledger.ts': 'export const post = () => 1;\n',
      'src/orders/pay.ts': "import { post } from '../billing';\nimport { post as p } from '../billing/internal/ledger';\n",
    });
    expect(brief(findings)).toEqual(['cross-domain-import src/orders/pay.ts:2:27']);
    expect(findings[0]!.message).toContain("Import billing's entry src/billing/index.ts instead");
  });

  it('entry globs may be negated', async () => {
    const findings = await importFindings({
      'ownership-map.yaml': mapOf({ orders: 'src/orders/**', billing: 'src/billing/**' }, ", entry: ['src/billing/public/**', '!src/billing/public/draft.ts']"),
      'src/billing/public/charge.ts': 'export const charge = () => 1;\n',
      'src/billing/public/draft.ts': 'export const draft = () => 1;\n',
      'src/orders/pay.ts': "import { charge } from '../billing/public/charge';\nimport { draft } from '../billing/public/draft';\n",
    });
    expect(brief(findings)).toEqual(['cross-domain-import src/orders/pay.ts:2:23']);
    expect(findings[0]!.message).toContain('src/billing/public/charge.ts');
  });
});

describe('cross-domain-import between domains that are folders of one package', () => {
  const pkg = mapOf({ orders: 'packages/app/src/orders/**', billing: 'packages/app/src/billing/**' });

  it("names the other domain's index file, not the package entry that belongs to the importer's domain", async () => {
    const findings = await importFindings({
      'ownership-map.yaml': pkg,
      'packages/app/package.json': JSON.stringify({ name: '@acme/app', main: 'src/orders/main.ts' }),
      'packages/app/src/orders/main.ts': 'export const start = () => 1;\n',
      'packages/app/src/billing/index.ts': "export { post } from './ledger';\n",
      'packages/app/src/billing/ledger.ts': 'export const post = () => 1;\n',
      'packages/app/src/orders/pay.ts': "import { post } from '../billing/ledger';\nimport { post as p } from '../billing';\n",
    });
    expect(brief(findings)).toEqual(['cross-domain-import packages/app/src/orders/pay.ts:1:22']);
    expect(findings[0]!.message).toContain("Import billing's entry packages/app/src/billing/index.ts instead");
  });

  it('never names a file of the importing domain, nor the importing file itself, when the other domain has no entry', async () => {
    const findings = await importFindings({
      'ownership-map.yaml': pkg,
      'packages/app/package.json': JSON.stringify({ name: '@acme/app', main: 'src/orders/main.ts' }),
      'packages/app/src/billing/ledger.ts': 'export const post = () => 1;\n',
      'packages/app/src/orders/main.ts': "import { post } from '../billing/ledger';\nexport const start = () => post();\n",
    });
    expect(brief(findings)).toEqual(['cross-domain-import packages/app/src/orders/main.ts:1:22']);
    expect(findings[0]!.message).not.toContain('packages/app/src/orders/');
    expect(findings[0]!.message).toContain("Import billing's public entry instead (the map's `entry:` for billing names it)");
  });

  it("keeps the package's own entry as the way into a domain that is a whole package", async () => {
    const findings = await importFindings({
      'ownership-map.yaml': mapOf({ orders: 'packages/orders/**', billing: 'packages/billing/**' }),
      'package.json': JSON.stringify({ private: true, workspaces: ['packages/*'] }),
      'packages/billing/package.json': JSON.stringify({ name: '@acme/billing', main: 'src/main.ts' }),
      'packages/billing/src/main.ts': "export { post } from './ledger';\n",
      'packages/billing/src/ledger.ts': 'export const post = () => 1;\n',
      'packages/orders/pay.ts': "import { post } from '@acme/billing';\nimport { post as p } from '../billing/src/ledger';\n",
    });
    expect(brief(findings)).toEqual(['cross-domain-import packages/orders/pay.ts:2:27']);
    expect(findings[0]!.message).toContain("Import billing's entry packages/billing/src/main.ts instead");
  });
});
