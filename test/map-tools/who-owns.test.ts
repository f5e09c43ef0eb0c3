import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, ROOT_MAP, writeRepo, runCli } from '../helpers.js';

const FIXTURE = path.join(REPO_ROOT, 'fixtures/platform-monorepo');
const inFixture = (relative: string) => path.join(FIXTURE, relative);

const run = runCli;
const whoOwns = (subject: string, ...flags: string[]) => run(['who-owns', subject, '--root', FIXTURE, '--map', ROOT_MAP, ...flags]);

describe('schema-guard who-owns <table>', () => {
  it('names the family, owner and contacts, guard rule, readers, restricted-table rules and exceptions', async () => {
    const result = await whoOwns('ledger_entries');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(
      [
        'table ledger_entries',
        '  owner          platform-billing (Platform Billing / Payments), by family',
        '  contacts       primary Platform Lead, secondary Backend Engineer, on-call SEV-1',
        '  family         ledger-and-finance: Ledger and finance',
        '  current owner  Billing/payments',
        '  guard rule     Immutable ledger rule is blocking; products never write finance tables directly',
        '  readers        none besides the owner',
        '  restricted     ledger-write: insert, update, delete, truncate, merge, copy only by platform-billing (error)',
        '                 ledger-immutable: update, delete, truncate by nobody (error, blocking)',
        '  exceptions     cmd-api-multi-domain: waives cross-domain-query, cross-family-join in cmd/api/** on every table (Schema Ownership Map § Allowed transitional exceptions)',
        '',
      ].join('\n'),
    );
  });

  it('lists read grants and the exceptions whose table globs cover the table, in JSON', async () => {
    const readers = JSON.parse((await whoOwns('USER_SSH_PUBLIC_KEYS', '--format', 'json')).stdout);
    expect(readers).toMatchObject({ kind: 'table', table: 'user_ssh_public_keys', readers: ['gpuaas-terminal', 'gpuaas-provisioning'], restrictedRules: [] });

    const policy = JSON.parse((await whoOwns('platform_policy_values', '--format', 'json')).stdout);
    expect(policy.owner).toEqual({ id: 'platform-policy', name: 'Platform Policy / Entitlements', kind: 'platform', via: 'family' });
    expect(policy.exceptions.map((e: { id: string }) => e.id)).toEqual(['cmd-api-multi-domain', 'shared-policy-reads-policy-tables']);
    expect(policy.exceptions[1]).toMatchObject({ tables: ['platform_policy_*', 'policy_*'], operations: ['read'], expired: false });

    // The provisioning exception names one table only.
    const nodes = JSON.parse((await whoOwns('nodes', '--format', 'json')).stdout);
    expect(nodes.exceptions.map((e: { id: string }) => e.id)).toEqual(['cmd-api-multi-domain']);
  });

  it('a table owned by an owner-visible prefix says so', async () => {
    const result = JSON.parse((await whoOwns('platform_billing_node_charges', '--format', 'json')).stdout);
    expect(result).toMatchObject({ owner: { id: 'platform-billing', via: 'prefix' }, family: null, readers: [] });
  });

  it('a table the map does not own is answered "none", exit 1', async () => {
    const result = await whoOwns('feature_flags');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n').slice(0, 3)).toEqual([
      'table feature_flags',
      "  owner       none: no family lists it, and no domain's schema or prefix covers it",
      '  restricted  none',
    ]);
    expect(JSON.parse((await whoOwns('feature_flags', '--format', 'json')).stdout).owner).toBeNull();
  });

  it('marks an expired exception', async () => {
    const root = writeRepo({
      'ownership-map.yaml': `version: 1
domains:
  shop: { name: Shop, kind: product, folders: [shop/**] }
families:
  - { id: orders, name: Orders, tables: [orders], currentOwner: Shop, targetOwner: shop, guardRule: Shop only }
exceptions:
  - { id: old, reason: Migration, link: https://example.com/2, rules: [cross-domain-query], tables: [orders], expires: '2020-01-31' }
`,
    });
    const result = await run(['who-owns', 'orders', '--root', root]);
    expect(result.stdout).toContain('  exceptions     old: waives cross-domain-query in every file on orders expired 2020-01-31 (https://example.com/2)\n');
  });
});

describe('schema-guard who-owns <path>', () => {
  it('a file: its domain by folder, the owners, and the exceptions that apply there', async () => {
    const result = await whoOwns(inFixture('packages/shared/policy/src/client.ts'), '--format', 'json');
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      kind: 'path',
      path: 'packages/shared/policy/src/client.ts',
      type: 'file',
      domain: null,
      exceptions: [{ id: 'shared-policy-reads-policy-tables' }],
    });

    const billing = await whoOwns(inFixture('packages/platform/billing/src/ledger.ts'));
    expect(billing.exitCode).toBe(0);
    expect(billing.stdout).toBe(
      [
        'file packages/platform/billing/src/ledger.ts',
        '  domain        platform-billing (Platform Billing / Payments), by folder packages/platform/billing/**',
        '  contacts      primary Platform Lead, secondary Backend Engineer, on-call SEV-1',
        '  read model    no',
        '  owner header  not required',
        '  retired       no',
        '  exceptions    none',
        '',
      ].join('\n'),
    );
  });

  it('a file in an owner-header folder takes the domain its // @owner header names', async () => {
    const result = await whoOwns(inFixture('cmd/api/routes/billing.ts'), '--format', 'json');
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      domain: { id: 'platform-billing', via: 'owner-header' },
      ownerHeaderRequired: true,
      exceptions: [{ id: 'cmd-api-multi-domain' }],
    });
  });

  it('a folder: the domain a new file there would get, and its files per domain', async () => {
    const api = JSON.parse((await whoOwns(inFixture('cmd/api'), '--format', 'json')).stdout);
    expect(api).toMatchObject({ type: 'folder', domain: null, files: { '(no domain)': 2, 'platform-billing': 1 }, ownerHeaderRequired: true });

    const readModels = await whoOwns(inFixture('packages/read-models'));
    expect(readModels.stdout).toContain('  read model    yes: joins across families are allowed here\n');

    const retired = JSON.parse((await whoOwns(inFixture('packages/services/legacy-billing'), '--format', 'json')).stdout);
    expect(retired.retired).toEqual({ folder: 'packages/services/**', reason: expect.stringContaining('L3 service retirement') });
  });

  it('a path not on disk is judged by the globs alone', async () => {
    const result = JSON.parse((await whoOwns(inFixture('packages/platform/iam/src/new-file.ts'), '--format', 'json')).stdout);
    expect(result).toMatchObject({ type: 'missing', domain: { id: 'platform-iam', via: 'folder', glob: 'packages/platform/iam/**' } });
  });

  it('--as table reads an argument with a slash as a table name', async () => {
    const result = await whoOwns('a/b', '--as', 'table');
    expect(result.stdout.split('\n')[0]).toBe('table "a/b"');
    expect(result.exitCode).toBe(1);
  });

  it('exits 2 for a path outside the root, an empty subject and a malformed map', async () => {
    const outside = await whoOwns(REPO_ROOT);
    expect(outside).toMatchObject({ exitCode: 2, stdout: '', stderr: `schema-guard: Path ${REPO_ROOT} is outside the root ${FIXTURE}.\n` });
    expect((await whoOwns(' ')).exitCode).toBe(2);
    const root = writeRepo({ 'ownership-map.yaml': 'version: 1\ndomains: []\nfamilies: []\n' });
    const malformed = await run(['who-owns', 'orders', '--root', root]);
    expect(malformed.exitCode).toBe(2);
    expect(malformed.stderr).toContain('ownership-map.yaml:2:10: domains: expected a mapping, found a list');
  });

  it('the real binary answers for a path relative to the current directory', async () => {
    const result = await execa('node', [path.join(REPO_ROOT, 'bin/schema-guard.js'), 'who-owns', 'packages/gpuaas/terminal', '--map', ROOT_MAP], {
      cwd: FIXTURE,
      reject: false,
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split('\n').slice(0, 2)).toEqual([
      'folder packages/gpuaas/terminal',
      '  domain        gpuaas-terminal (GPUaaS terminal/access runtime), by folder packages/gpuaas/terminal/**',
    ]);
  });
});
