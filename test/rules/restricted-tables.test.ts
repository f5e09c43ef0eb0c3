import { describe, expect, it } from 'vitest';
import { brief, guard, writeRepo } from '../helpers.js';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT_MAP } from '../helpers.js';

describe('ledger-write', () => {
  it('fires on every kind of write to a finance table outside platform-billing', async () => {
    const findings = await guard({
      'packages/gpuaas/provisioning/src/pay.ts': [
        "pool.query('INSERT INTO ledger_entries (amount) VALUES ($1)');",
        "pool.query('UPDATE payment_sessions SET state = $1');",
        "pool.query('COPY invoice_lines FROM STDIN');",
      ].join('\n') + '\n',
    }, { rules: ['ledger-write'] });
    expect(brief(findings)).toEqual([
      'ledger-write packages/gpuaas/provisioning/src/pay.ts:1:25 ledger_entries',
      'ledger-write packages/gpuaas/provisioning/src/pay.ts:2:20 payment_sessions',
      'ledger-write packages/gpuaas/provisioning/src/pay.ts:3:18 invoice_lines',
    ]);
    expect(findings[0]).toMatchObject({ level: 'error', owner: 'platform-billing', family: 'ledger-and-finance' });
    expect(findings[0]!.message).toContain('Immutable ledger rule is blocking; products never write finance tables directly');
  });

  it('stays quiet for platform-billing inserting and for reads elsewhere', async () => {
    const findings = await guard({
      'packages/platform/billing/src/ledger.ts': "pool.query('INSERT INTO ledger_entries (amount) VALUES ($1)');\n",
      'packages/read-models/src/balance.ts': "pool.query('SELECT sum(amount) FROM ledger_entries');\n",
    }, { rules: ['ledger-write', 'ledger-immutable'] });
    expect(findings).toEqual([]);
  });

  it('treats a cmd/api file with an @owner platform-billing header as billing code', async () => {
    const files = { 'cmd/api/routes/refund.ts': "// @owner platform-billing\npool.query('INSERT INTO ledger_entries (amount) VALUES ($1)');\n" };
    expect(await guard(files, { rules: ['ledger-write'] })).toEqual([]);
    const noHeader = await guard({ 'cmd/api/routes/refund.ts': "pool.query('INSERT INTO ledger_entries (amount) VALUES ($1)');\n" }, { rules: ['ledger-write'] });
    expect(noHeader.map((f) => f.ruleId)).toEqual(['ledger-write']);
  });
});

describe('ledger-immutable', () => {
  it('fires on UPDATE, DELETE and TRUNCATE of ledger_entries anywhere, billing included, and is blocking', async () => {
    const findings = await guard({
      'packages/platform/billing/src/fix.ts': "pool.query('UPDATE ledger_entries SET amount = 0');\npool.query('DELETE FROM ledger_entries');\n",
      'migrations/009_reset.sql': 'TRUNCATE ledger_entries;\n',
    }, { rules: ['ledger-immutable'] });
    expect(brief(findings)).toEqual([
      'ledger-immutable migrations/009_reset.sql:1:10 ledger_entries',
      'ledger-immutable packages/platform/billing/src/fix.ts:1:20 ledger_entries',
      'ledger-immutable packages/platform/billing/src/fix.ts:2:25 ledger_entries',
    ]);
    expect(findings.every((f) => f.blocking && f.level === 'error')).toBe(true);
  });

  it('stays quiet on INSERT and SELECT', async () => {
    const findings = await guard({ 'packages/platform/billing/src/ok.ts': "pool.query('INSERT INTO ledger_entries (a) SELECT a FROM ledger_entries');\n" }, { rules: ['ledger-immutable'] });
    expect(findings).toEqual([]);
  });
});

describe('audit-write', () => {
  it('fires on writes to platform_audit_logs outside the audit package, also from a trigger function in a migration', async () => {
    const findings = await guard({
      'packages/platform/iam/src/login.ts': "await sql`INSERT INTO platform_audit_logs (actor) VALUES (${actor})`;\n",
      'migrations/010_audit_trigger.sql': [
        'CREATE FUNCTION log_change() RETURNS trigger AS $$',
        'BEGIN',
        '  INSERT INTO platform_audit_logs (actor) VALUES (NEW.id);',
        '  RETURN NEW;',
        'END $$ LANGUAGE plpgsql;',
      ].join('\n') + '\n',
    }, { rules: ['audit-write'] });
    expect(brief(findings)).toEqual([
      'audit-write migrations/010_audit_trigger.sql:3:15 platform_audit_logs',
      'audit-write packages/platform/iam/src/login.ts:1:23 platform_audit_logs',
    ]);
  });

  it('stays quiet inside packages/platform/audit', async () => {
    const findings = await guard({ 'packages/platform/audit/src/write.ts': "await sql`INSERT INTO platform_audit_logs (actor) VALUES (${actor})`;\n" });
    expect(findings).toEqual([]);
  });
});

describe('outbox-publish', () => {
  it('fires on INSERT into platform_outbox_events outside packages/shared/outbox', async () => {
    const findings = await guard({ 'packages/platform/billing/src/publish.ts': "pool.query('INSERT INTO platform_outbox_events (subject) VALUES ($1)');\n" });
    expect(brief(findings)).toEqual(['outbox-publish packages/platform/billing/src/publish.ts:1:25 platform_outbox_events']);
  });

  it('stays quiet in the outbox package and for reads elsewhere (only publishing is restricted)', async () => {
    const findings = await guard({
      'packages/shared/outbox/src/relay.ts': "pool.query('INSERT INTO platform_outbox_events (subject) VALUES ($1)');\n",
      'scripts/peek.ts': "pool.query('SELECT * FROM platform_outbox_events');\n",
    });
    expect(findings).toEqual([]);
  });
});

describe('restricted-table rules are data in the map', () => {
  it('a team-defined rule fires under its own id without code changes', async () => {
    const root = writeRepo({ 'packages/gpuaas/storage/src/x.ts': "pool.query('DELETE FROM platform_storage_grants');\n" });
    const map = path.join(root, 'map.yaml');
    writeFileSync(map, readFileSync(ROOT_MAP, 'utf8').replace(/^restrictedTables:\n/m, [
      'restrictedTables:',
      '  - rule: storage-grants-append-only',
      '    description: Storage grants are append-only.',
      '    tables: [platform_storage_grants]',
      '    operations: [update, delete]',
      '    level: warning',
      '',
    ].join('\n')));
    const { runCheck } = await import('../../src/check.js');
    const result = await runCheck({ root, mapFile: map, rules: ['storage-grants-append-only'] });
    expect(brief(result.findings)).toEqual(['storage-grants-append-only packages/gpuaas/storage/src/x.ts:1:25 platform_storage_grants']);
    expect(result.findings[0]!.level).toBe('warning');
  });
});
