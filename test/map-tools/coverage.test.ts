import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, ROOT_MAP, writeRepo, runCli } from '../helpers.js';

const FIXTURE = path.join(REPO_ROOT, 'fixtures/platform-monorepo');

const run = runCli;

const SHOP_MAP = `version: 1
domains:
  shop:
    name: Shop
    kind: product
    folders: [packages/shop/**]
families:
  - id: orders
    name: Orders
    tables: [orders, order_lines]
    currentOwner: Shop
    targetOwner: shop
    guardRule: Orders belong to the shop
`;

describe('schema-guard map coverage', () => {
  it('on the fixture: the two unowned tables, the owned tables nothing uses, the folders in no domain', async () => {
    const result = await run(['map', 'coverage', '--root', FIXTURE, '--map', ROOT_MAP, '--format', 'json']);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.unownedTables).toEqual([
      {
        table: 'feature_flags',
        operations: ['create', 'read'],
        uses: 2,
        files: 2,
        firstUse: { file: 'migrations/0002_feature_flags.sql', line: 2, column: 14 },
      },
      {
        table: 'node_metrics_rollup',
        operations: ['create'],
        uses: 1,
        files: 1,
        firstUse: { file: 'packages/gpuaas/provisioning/migrations/001_node_health.sql', line: 10, column: 14 },
      },
    ]);
    expect(report.unusedTables).toContainEqual({ table: 'users', family: 'user-identity-and-federation', owner: 'platform-iam' });
    const unused = report.unusedTables.map((t: { table: string }) => t.table);
    for (const used of ['ledger_entries', 'organizations', 'nodes', 'platform_outbox_events']) expect(unused).not.toContain(used);
    expect(report.foldersWithoutDomain.map((f: { folder: string; filesWithoutDomain: number; files: number }) => `${f.folder} ${f.filesWithoutDomain}/${f.files}`)).toEqual([
      'cmd/api 2/3',
      'migrations 2/2',
      'packages/read-models 2/2',
      'packages/services/legacy-billing 2/2',
      'packages/shared/db 1/1',
      'packages/shared/logging 1/1',
      'packages/shared/policy 2/2',
    ]);
    expect(report.filesScanned).toBe(41);
  });

  it('prints three tables in text', async () => {
    const result = await run(['map', 'coverage', '--root', FIXTURE, '--map', ROOT_MAP]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(
      [
        'Tables the code or migrations use that the map does not own (2)',
        '  TABLE                OPERATIONS    USES  FILES  FIRST USE',
        '  feature_flags        create, read  2     2      migrations/0002_feature_flags.sql:2:14',
        '  node_metrics_rollup  create        1     1      packages/gpuaas/provisioning/migrations/001_node_health.sql:10:14',
      ].join('\n'),
    );
    expect(result.stdout).toMatch(/^Tables the map owns that nothing uses \(\d+\)\n  TABLE +FAMILY +OWNER\n/m);
    expect(result.stdout).toContain('  cmd/api                           2 of 3              cmd/api/health.ts\n');
    expect(result.stdout.endsWith('\n41 files scanned.\n')).toBe(true);
  });

  it('groups files by package folder, else by top-level folder, and names schema-qualified tables', async () => {
    const root = writeRepo({
      'ownership-map.yaml': SHOP_MAP,
      'packages/shop/package.json': '{}',
      'packages/shop/src/orders.ts': "pool.query('SELECT * FROM orders JOIN order_lines USING (id)');\n",
      'packages/tools/package.json': '{}',
      'packages/tools/report.ts': "pool.query('SELECT * FROM analytics.events');\n",
      'scripts/seed.ts': "pool.query('DELETE FROM analytics.events');\n",
      'seed.sql': 'SELECT 1;\n',
    });
    const report = JSON.parse((await run(['map', 'coverage', '--root', root, '--format', 'json'])).stdout);
    expect(report.unownedTables).toEqual([
      { table: 'analytics.events', operations: ['delete', 'read'], uses: 2, files: 2, firstUse: { file: 'packages/tools/report.ts', line: 1, column: 27 } },
    ]);
    expect(report.unusedTables).toEqual([]);
    expect(report.foldersWithoutDomain).toEqual([
      { folder: '.', files: 1, filesWithoutDomain: 1, example: 'seed.sql' },
      { folder: 'packages/tools', files: 1, filesWithoutDomain: 1, example: 'packages/tools/report.ts' },
      { folder: 'scripts', files: 1, filesWithoutDomain: 1, example: 'scripts/seed.ts' },
    ]);
  });

  it('says "none" where the map and the code agree', async () => {
    const root = writeRepo({
      'ownership-map.yaml': SHOP_MAP,
      'packages/shop/src/orders.ts': "pool.query('SELECT * FROM orders JOIN order_lines USING (id)');\n",
    });
    const result = await run(['map', 'coverage', '--root', root]);
    expect(result.stdout).toBe(
      [
        'Query sites read: 1 of 1 (sql 1/1); 0 unread',
        '',
        "Imports of the repository's own code that lead to no file: 0",
        '',
        'Tables the code or migrations use that the map does not own (0)',
        '  none',
        '',
        'Tables the map owns that nothing uses (0)',
        '  none',
        '',
        'Folders with files in no domain (0)',
        '  none',
        '',
        '1 file scanned.',
        '',
      ].join('\n'),
    );
  });

  it('counts and lists the imports of the repository’s own code that lead to no file, and not third-party ones', async () => {
    const root = writeRepo({
      'ownership-map.yaml': SHOP_MAP,
      'package.json': JSON.stringify({ name: 'root', workspaces: ['packages/*'] }),
      'packages/db/package.json': JSON.stringify({ name: '@acme/db', exports: { './client': './src/client.ts' } }),
      'packages/db/src/client.ts': 'export const db = 1;\n',
      'packages/shop/package.json': JSON.stringify({ name: '@acme/shop' }),
      'packages/shop/src/orders.ts': [
        "import { db } from '@acme/db/client';",
        "import { x } from '@acme/db/src/client';",
        "import { y } from './gone';",
        "import React from 'react';",
        "import './styles.css';",
        '',
      ].join('\n'),
    });
    const text = await run(['map', 'coverage', '--root', root, '--imports']);
    expect(text.stdout).toContain("Imports of the repository's own code that lead to no file: 2\n");
    expect(text.stdout).toMatch(/packages\/shop\/src\/orders\.ts:2:\d+ +@acme\/db\/src\/client +@acme\/db \(packages\/db\) does not export '\.\/src\/client'/);
    expect(text.stdout).toMatch(/packages\/shop\/src\/orders\.ts:3:\d+ +\.\/gone +no file packages\/shop\/src\/gone/);
    const json = JSON.parse((await run(['map', 'coverage', '--root', root, '--format', 'json'])).stdout);
    expect(json.unresolvedImports.unresolved).toBe(2);
    expect(json.unresolvedImports.imports.map((entry: { specifier: string }) => entry.specifier)).toEqual(['@acme/db/src/client', './gone']);

    const check = await run(['check', '--root', root, '--format', 'json', '--no-cache']);
    const report = JSON.parse(check.stdout);
    expect(report.summary.unresolvedImports).toBe(2);
    expect(report.unresolvedImports).toEqual([
      expect.objectContaining({ file: 'packages/shop/src/orders.ts', line: 2, specifier: '@acme/db/src/client' }),
      expect.objectContaining({ file: 'packages/shop/src/orders.ts', line: 3, specifier: './gone', reason: expect.stringMatching(/^no file packages\/shop\/src\/gone/) }),
    ]);
    const summary = await run(['check', '--root', root, '--no-cache']);
    expect(summary.stdout).toContain("2 imports of the repository's own code lead to no file (schema-guard map coverage --imports lists them)");
  });

  it('exits 2 with the located loader message for a malformed map', async () => {
    const root = writeRepo({ 'ownership-map.yaml': 'version: 2\n' });
    const result = await run(['map', 'coverage', '--root', root]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^schema-guard: .*ownership-map\.yaml:1:1: domains: expected a mapping, found nothing/);
    expect(result.stderr).toMatch(/ownership-map\.yaml:1:10: version: expected 1, found a number \(2\)\n$/);
  });
});
