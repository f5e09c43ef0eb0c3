import { describe, expect, it } from 'vitest';
import { brief, guard } from '../helpers.js';

/** A workspace with a billing package (entry index.ts, internals in src/) and a retired legacy service. */
const workspace = {
  'package.json': JSON.stringify({ private: true, workspaces: ['packages/*/*'] }),
  'tsconfig.json': '{ "compilerOptions": { "baseUrl": ".", "paths": { "@acme/billing/*": ["packages/platform/billing/*"] } } }',
  'packages/platform/billing/package.json': JSON.stringify({ name: '@acme/platform-billing', main: 'index.ts' }),
  'packages/platform/billing/index.ts': "export { charge } from './src/charge';\n",
  'packages/platform/billing/src/charge.ts': 'export const charge = () => 1;\n',
  'packages/platform/billing/src/internal/ledger.ts': 'export type Entry = { id: string };\nexport const post = () => 1;\n',
  'packages/services/legacy-billing/src/charge.ts': 'export const legacyCharge = () => 1;\n',
};

describe('cross-domain-import', () => {
  it("fires on imports into another domain's internals by relative path, tsconfig alias, workspace subpath, require and import()", async () => {
    const findings = await guard({
      ...workspace,
      'packages/gpuaas/provisioning/src/bill.ts': [
        "import { post } from '../../../platform/billing/src/internal/ledger';",
        "import { charge } from '@acme/billing/src/charge';",
        "export { post as p } from '@acme/platform-billing/src/internal/ledger';",
        "const l = require('../../../platform/billing/src/internal/ledger');",
        "const m = await import('@acme/billing/src/internal/ledger.js');",
      ].join('\n') + '\n',
    }, { rules: ['cross-domain-import'] });
    expect(brief(findings)).toEqual([1, 2, 3, 4, 5].map((line) => `cross-domain-import packages/gpuaas/provisioning/src/bill.ts:${line}:${[22, 24, 27, 19, 24][line - 1]}`));
    expect(findings[0]).toMatchObject({ domain: 'gpuaas-provisioning', owner: 'platform-billing', specifier: '../../../platform/billing/src/internal/ledger' });
  });

  it('stays quiet for the package entry, type-only imports and imports inside the domain', async () => {
    const findings = await guard({
      ...workspace,
      'packages/gpuaas/provisioning/src/ok.ts': [
        "import { charge } from '@acme/platform-billing';",
        "import { charge as c } from '../../../platform/billing';",
        "import type { Entry } from '../../../platform/billing/src/internal/ledger';",
        "import { type Entry as E } from '@acme/billing/src/internal/ledger';",
      ].join('\n') + '\n',
      'packages/platform/billing/src/use.ts': "import { post } from './internal/ledger';\n",
    }, { rules: ['cross-domain-import'] });
    expect(findings).toEqual([]);
  });
});

describe('retired-import', () => {
  it('fires on imports that resolve into packages/services/**, from any file, type-only included', async () => {
    const findings = await guard({
      ...workspace,
      'cmd/api/routes/charge.ts': "// @owner platform-billing\nimport { legacyCharge } from '../../../packages/services/legacy-billing/src/charge';\n",
      'packages/gpuaas/provisioning/src/x.ts': "import type { T } from '../../../services/legacy-billing/src/charge';\n",
    }, { rules: ['retired-import'] });
    expect(brief(findings)).toEqual([
      'retired-import cmd/api/routes/charge.ts:2:30',
      'retired-import packages/gpuaas/provisioning/src/x.ts:1:24',
    ]);
    expect(findings[0]!.level).toBe('error');
  });

  it('stays quiet for imports within the retired package itself and for live packages', async () => {
    const findings = await guard({
      ...workspace,
      'packages/services/legacy-billing/src/index.ts': "export * from './charge';\n",
      'packages/gpuaas/provisioning/src/y.ts': "import { charge } from '@acme/platform-billing';\n",
    }, { rules: ['retired-import'] });
    expect(findings).toEqual([]);
  });
});

describe('route-owner-missing', () => {
  it('fires on a cmd/api file with SQL or domain imports and no @owner header, or an unknown domain in it', async () => {
    const findings = await guard({
      ...workspace,
      'cmd/api/routes/nodes.ts': "export const list = () => pool.query('SELECT * FROM nodes');\n",
      'cmd/api/routes/bill.ts': "import { charge } from '@acme/platform-billing';\n",
      'cmd/api/routes/typo.ts': "// @owner platform-bililng\npool.query('SELECT * FROM nodes');\n",
    }, { rules: ['route-owner-missing'] });
    expect(brief(findings)).toEqual([
      'route-owner-missing cmd/api/routes/bill.ts:1:1',
      'route-owner-missing cmd/api/routes/nodes.ts:1:1',
      'route-owner-missing cmd/api/routes/typo.ts:1:4',
    ]);
    expect(findings[2]!.message).toContain("'platform-bililng'");
  });

  it('stays quiet with a valid header, for files without SQL or domain imports, and outside cmd/api', async () => {
    const findings = await guard({
      'cmd/api/routes/nodes.ts': "// @owner gpuaas-provisioning\npool.query('SELECT * FROM nodes');\n",
      'cmd/api/server.ts': "import express from 'express';\nexport const app = express();\n",
      'packages/gpuaas/provisioning/src/n.ts': "pool.query('SELECT * FROM nodes');\n",
    }, { rules: ['route-owner-missing'] });
    expect(findings).toEqual([]);
  });
});
