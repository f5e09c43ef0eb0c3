import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check.js';
import { main } from '../../src/cli/main.js';
import { summarise } from '../../src/report/summary.js';
import { REPO_ROOT, ROOT_MAP } from '../helpers.js';

/**
 * fixtures/orm-monorepo carries the raw-SQL fixture's violations and allowed cases, each domain
 * written with another query builder or ORM; EXPECTED.md there explains each row below.
 */
const ROOT = path.join(REPO_ROOT, 'fixtures/orm-monorepo');

const EXPECTED = [
  'cross-domain-query packages/appplatform/runtime/src/instances.ts:16:18 user_ssh_public_keys typeorm',
  'cross-family-join packages/appplatform/runtime/src/instances.ts:16:18 user_ssh_public_keys typeorm',
  'ledger-write packages/appplatform/runtime/src/instances.ts:25:42 invoice_lines typeorm',
  'unprefixed-table packages/gpuaas/provisioning/migrations/20240601_node_health.ts:10:34 node_metrics_rollup knex',
  'cross-domain-query packages/gpuaas/provisioning/src/allocate.ts:4:34 organizations knex',
  'outbox-publish packages/gpuaas/provisioning/src/allocate.ts:8:117 platform_outbox_events knex',
  'audit-write packages/gpuaas/provisioning/src/attention.ts:7:16 platform_audit_logs knex',
  'cross-domain-query packages/gpuaas/terminal/src/session.ts:21:43 account_sessions kysely',
  'cross-domain-query packages/gpuaas/terminal/src/session.ts:23:20 allocation_access_grants kysely',
  'ledger-immutable packages/platform/billing/src/ledger.ts:10:19 ledger_entries drizzle',
  'cross-domain-query packages/platform/billing/src/usage-report.ts:9:16 nodes drizzle',
  'cross-family-join packages/platform/billing/src/usage-report.ts:9:16 nodes drizzle',
  'unmapped-table packages/platform/policy/src/evaluate.ts:9:29 feature_flags prisma',
  'ledger-write packages/services/legacy-billing/src/charge.ts:7:16 ledger_entries prisma',
  'ledger-immutable packages/services/legacy-billing/src/charge.ts:11:34 ledger_entries prisma',
  'ledger-write packages/services/legacy-billing/src/charge.ts:11:34 ledger_entries prisma',
];

/** Table accesses resolved or not, and query sites found and read: knex's one unread site is its one computed table name; prisma's where filter by a relation reads it. */
const FRAMEWORKS = {
  drizzle: { resolved: 10, unresolved: 0, sites: 6, read: 6 },
  knex: { resolved: 11, unresolved: 1, sites: 12, read: 11 },
  kysely: { resolved: 5, unresolved: 0, sites: 5, read: 5 },
  prisma: { resolved: 6, unresolved: 0, sites: 4, read: 4 },
  typeorm: { resolved: 6, unresolved: 0, sites: 5, read: 5 },
};

async function cli(args: string[]) {
  let stdout = '';
  const exitCode = await main(args, { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: () => true } });
  return { exitCode, stdout };
}

describe('fixtures/orm-monorepo', () => {
  it('reports exactly the findings the fixture means to show, each with its framework', async () => {
    const result = await runCheck({ root: ROOT, mapFile: ROOT_MAP });
    expect(result.findings.map((f) => `${f.ruleId} ${f.file}:${f.line}:${f.column} ${f.table} ${f.framework}`)).toEqual(EXPECTED);
    expect(result.notifications).toEqual([]);
    expect(result.waived.map((w) => w.exception)).toEqual(['provisioning-writes-attention-reviews']);
    expect(summarise(result.findings, result.filesScanned, result.frameworks).frameworks).toEqual(FRAMEWORKS);
  });

  it('counts resolved and unresolved accesses per framework in the JSON summary, and names the framework of each finding', async () => {
    const { stdout } = await cli(['check', '--root', ROOT, '--map', ROOT_MAP, '--format', 'json', '--no-cache']);
    const report = JSON.parse(stdout);
    expect(report.summary.frameworks).toEqual(FRAMEWORKS);
    expect(report.findings[0]).toMatchObject({ ruleId: 'cross-domain-query', table: 'user_ssh_public_keys', operation: 'read', framework: 'typeorm' });
  });

  it('prints the table of accesses by framework in the text summary', async () => {
    const { stdout } = await cli(['check', '--root', ROOT, '--map', ROOT_MAP, '--no-cache']);
    expect(stdout).toContain(
      ['Table accesses by framework (resolved, unresolved)', '  drizzle    10     0', '  knex       11     1', '  kysely      5     0', '  prisma      6     0', '  typeorm     6     0'].join('\n'),
    );
  });

  it('still knows tables declared outside a narrowed scan', async () => {
    const result = await runCheck({ root: ROOT, mapFile: ROOT_MAP, paths: ['packages/platform/billing'] });
    expect(result.findings.map((f) => `${f.ruleId} ${f.file}:${f.line}:${f.column}`)).toEqual([
      'ledger-immutable packages/platform/billing/src/ledger.ts:10:19',
      'cross-domain-query packages/platform/billing/src/usage-report.ts:9:16',
      'cross-family-join packages/platform/billing/src/usage-report.ts:9:16',
    ]);
  });

  it('gives the same findings from worker threads, in the built CLI', async () => {
    const result = await execa('node', [path.join(REPO_ROOT, 'bin/schema-guard.js'), 'check', '--root', ROOT, '--map', ROOT_MAP, '--format', 'json', '--threads', '2', '--no-cache'], {
      reject: false,
      env: { NO_COLOR: '1' },
    });
    const report = JSON.parse(result.stdout);
    expect(report.notifications).toEqual([]);
    expect(report.findings.map((f: { ruleId: string; file: string; line: number; column: number; table: string; framework: string }) =>
      `${f.ruleId} ${f.file}:${f.line}:${f.column} ${f.table} ${f.framework}`)).toEqual(EXPECTED);
  });
});
