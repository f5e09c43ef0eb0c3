import { describe, expect, it } from 'vitest';
import { fallbackRuleMeta, getRuleCatalog, getRuleMeta, parseRuleFile } from '../../src/rules/catalog.js';

// The rules table of the product issue: id, default level, blocking.
const ISSUE_TABLE: Array<[string, 'note' | 'warning' | 'error', boolean]> = [
  ['audit-write', 'error', false],
  ['cross-domain-import', 'warning', false],
  ['cross-domain-query', 'warning', false],
  ['cross-family-join', 'warning', false],
  ['dependency-direction', 'warning', false],
  ['expired-exception', 'warning', false],
  ['file-not-analysed', 'error', false],
  ['ledger-immutable', 'error', true],
  ['ledger-write', 'error', false],
  ['migration-error', 'warning', false],
  ['outbox-publish', 'error', false],
  ['prefix-owner-mismatch', 'warning', false],
  ['retired-import', 'error', false],
  ['rls-missing', 'warning', false],
  ['route-owner-missing', 'note', false],
  ['runtime-only-access', 'note', false],
  ['sensitive-column-read', 'warning', false],
  ['sql-parse-error', 'note', false],
  ['stale-map-entry', 'warning', false],
  ['tenant-column-missing', 'warning', false],
  ['tenant-filter-missing', 'note', false],
  ['unmapped-table', 'note', false],
  ['unprefixed-table', 'warning', false],
  ['unused-exception', 'note', false],
  ['unused-suppression', 'note', false],
];

describe('rule catalog', () => {
  const catalog = getRuleCatalog();

  it('documents exactly the rules of the issues (13 core, 3 adoption, 5 module/tenancy, 1 analysis coverage, 1 runtime, 2 of db check), sorted by id, with their default levels', () => {
    expect(catalog.map((rule) => [rule.id, rule.level, rule.blocking])).toEqual(ISSUE_TABLE);
  });

  it('has every field on every rule', () => {
    for (const rule of catalog) {
      expect(rule.summary.length, rule.id).toBeGreaterThan(0);
      expect(rule.summary.length, rule.id).toBeLessThanOrEqual(120);
      expect(rule.tags.length, rule.id).toBeGreaterThan(0);
      expect(['very-high', 'high', 'medium'], rule.id).toContain(rule.precision);
      expect(rule.markdown.startsWith(`# ${rule.id}\n`), rule.id).toBe(true);
      for (const section of ['## Why', '## Bad', '## Good', '## How to fix', '## Exceptions / suppressing']) {
        expect(rule.markdown, `${rule.id} ${section}`).toContain(`\n${section}\n`);
      }
    }
  });

  it('makes the ledger, audit and outbox writes security alerts and nothing else', () => {
    const security = catalog.filter((rule) => rule.securitySeverity).map((rule) => [rule.id, rule.securitySeverity]);
    expect(security).toEqual([
      ['audit-write', '8.0'],
      ['ledger-immutable', '8.0'],
      ['ledger-write', '8.0'],
      ['outbox-publish', '8.0'],
    ]);
  });

  it('is read once and looked up by id', () => {
    expect(getRuleCatalog()).toBe(catalog);
    expect(getRuleMeta('ledger-immutable')?.blocking).toBe(true);
    expect(getRuleMeta('no-such-rule')).toBeUndefined();
  });

  it('names the file and the problem when front matter is wrong', () => {
    const page = (front: string) => `---\n${front}\n---\n# x\n`;
    expect(() => parseRuleFile('x.md', '# x\n')).toThrow(/rules\/x\.md: expected a front matter block/);
    expect(() => parseRuleFile('x.md', page('id: y'))).toThrow(/rules\/x\.md: id "y" does not match/);
    expect(() =>
      parseRuleFile('x.md', page('id: x\nlevel: fatal\nblocking: false\nsummary: s\ntags: a\nprecision: high')),
    ).toThrow(/level must be one of note, warning, error/);
    expect(() => parseRuleFile('x.md', page('id: x\nlevel: note\nblocking: false\ntags: a\nprecision: high'))).toThrow(
      /needs `summary:`/,
    );
  });

  it('builds metadata for restricted-table rules the map adds', () => {
    const rule = fallbackRuleMeta('credit-ledger-append-only', 'error', 'Credits are append-only.', true);
    expect(rule).toMatchObject({ id: 'credit-ledger-append-only', level: 'error', blocking: true, summary: 'Credits are append-only.' });
    expect(rule.markdown.startsWith('# credit-ledger-append-only\n')).toBe(true);
  });
});
