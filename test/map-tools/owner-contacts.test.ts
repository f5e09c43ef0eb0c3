import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { REPO_ROOT, ROOT_MAP } from '../helpers.js';

const FIXTURE = path.join(REPO_ROOT, 'fixtures/platform-monorepo');

async function check(format: 'json' | 'sarif') {
  let stdout = '';
  await main(['check', '--root', FIXTURE, '--map', ROOT_MAP, '--format', format], { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => true } });
  return JSON.parse(stdout);
}

const BILLING_CONTACTS = { primary: 'Platform Lead', secondary: 'Backend Engineer', severity: 'SEV-1' };

describe('seed 002 owner metadata on findings', () => {
  it('JSON findings carry the owning domain\'s contacts, and none when the owner has none in the map', async () => {
    const { findings } = await check('json');
    const ledgerWrite = findings.find((f: { ruleId: string; file: string }) => f.ruleId === 'ledger-write' && f.file.startsWith('packages/appplatform/'));
    expect(ledgerWrite).toMatchObject({ owner: 'platform-billing', ownerContacts: BILLING_CONTACTS });
    // platform-audit has no `owners` in the root map.
    const auditWrite = findings.find((f: { ruleId: string }) => f.ruleId === 'audit-write');
    expect(auditWrite.owner).toBe('platform-audit');
    expect(auditWrite).not.toHaveProperty('ownerContacts');
    // A finding with no owning domain has no contacts either.
    const unmapped = findings.find((f: { ruleId: string }) => f.ruleId === 'unmapped-table');
    expect(unmapped).toMatchObject({ owner: null });
    expect(unmapped).not.toHaveProperty('ownerContacts');
  });

  it('SARIF results carry them as a result property', async () => {
    const log = await check('sarif');
    const results = log.runs[0].results as Array<{ ruleId: string; properties?: Record<string, unknown> }>;
    const immutable = results.find((r) => r.ruleId === 'ledger-immutable')!;
    expect(immutable.properties).toMatchObject({ owner: 'platform-billing', ownerContacts: BILLING_CONTACTS });
    expect(results.find((r) => r.ruleId === 'audit-write')!.properties).not.toHaveProperty('ownerContacts');
  });
});
