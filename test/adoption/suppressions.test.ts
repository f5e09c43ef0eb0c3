import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { findSuppressionComments } from '../../src/extract/suppression-comments.js';
import { brief, guard, REPO_ROOT, ROOT_MAP, writeRepo, runCli } from '../helpers.js';

const FILE = 'packages/gpuaas/provisioning/src/orgs.ts';
const READ_ORGS = "pool.query('SELECT * FROM organizations');";
const MARKER = '// schema-guard-ignore-next-line';

const run = runCli;

const suppressedBrief = (findings: Awaited<ReturnType<typeof guard>>) =>
  findings.map((f) => `${brief([f])[0]}${f.suppressed ? ` suppressed(${f.suppressed.reason})` : ''}`);

describe('suppression comments as facts', () => {
  it('reads rule ids, the reason after " -- ", the line covered and the comment location', () => {
    const line = `  ${MARKER} cross-domain-query, ledger-write -- legacy path: BILL-1 -- see wiki`;
    expect(findSuppressionComments(['a();', line, 'b();'].join('\n'), 'typescript')).toEqual([
      {
        rules: ['cross-domain-query', 'ledger-write'],
        reason: 'legacy path: BILL-1 -- see wiki',
        targetLine: 3,
        line: 2,
        column: 3,
        endLine: 2,
        endColumn: line.length + 1,
      },
    ]);
  });

  it('lets stacked comments cover the first line after them', () => {
    const text = `${MARKER} ledger-write -- a\r\n${MARKER} audit-write -- b\r\nwrite();\r\n`;
    expect(findSuppressionComments(text, 'typescript').map((s) => [s.line, s.targetLine])).toEqual([
      [1, 3],
      [2, 3],
    ]);
  });

  it('keeps a missing reason and a missing rule list visible, for unused-suppression', () => {
    const [noReason, noRule] = findSuppressionComments(`${MARKER} ledger-write\n${MARKER} -- because\nx();\n`, 'typescript');
    expect(noReason).toMatchObject({ rules: ['ledger-write'], reason: '' });
    expect(noRule).toMatchObject({ rules: [], reason: 'because' });
  });

  it('reads `--` comments in .sql files and in SQL embedded in TypeScript, and `//` only in TypeScript', () => {
    const sql = '-- schema-guard-ignore-next-line unprefixed-table -- scratch table\nCREATE TABLE scratch (id int);\n// schema-guard-ignore-next-line x -- y\n';
    expect(findSuppressionComments(sql, 'sql').map((s) => s.rules)).toEqual([['unprefixed-table']]);
    const embedded = 'pool.query(`\n  -- schema-guard-ignore-next-line cross-domain-query -- report\n  SELECT 1 FROM organizations`);\n';
    expect(findSuppressionComments(embedded, 'typescript').map((s) => s.targetLine)).toEqual([3]);
  });

  it('ignores the marker anywhere but at the start of a comment that opens its line', () => {
    const text = [
      `const note = "${MARKER} ledger-write -- no";`,
      `write(); ${MARKER} ledger-write -- no`,
      '// schema-guard-ignore-next-lines ledger-write -- no',
      '/* schema-guard-ignore-next-line ledger-write -- no */',
    ].join('\n');
    expect(findSuppressionComments(text, 'typescript')).toEqual([]);
  });
});

describe('inline suppressions in the pipeline', () => {
  it('marks the findings of the named rule on the covered line suppressed, with the reason, and nothing else', async () => {
    const findings = await guard({
      [FILE]: `${MARKER} cross-domain-query -- read-only lookup until iam exposes getOrg (IAM-7)\n${READ_ORGS}\n${READ_ORGS}\n`,
    });
    expect(suppressedBrief(findings)).toEqual([
      `cross-domain-query ${FILE}:2:27 organizations suppressed(read-only lookup until iam exposes getOrg (IAM-7))`,
      `cross-domain-query ${FILE}:3:27 organizations`,
    ]);
  });

  it('suppresses several rules on one line, a blocking one too', async () => {
    const findings = await guard({
      [FILE]: `${MARKER} ledger-immutable, ledger-write -- one-off dedupe approved in FIN-12\npool.query('DELETE FROM ledger_entries WHERE id = 1');\n`,
    });
    expect(findings.map((f) => [f.ruleId, !!f.suppressed])).toEqual([
      ['ledger-immutable', true],
      ['ledger-write', true],
    ]);
  });

  it('works in .sql files and inside SQL templates', async () => {
    const findings = await guard({
      'migrations/0003_scratch.sql': '-- schema-guard-ignore-next-line unprefixed-table -- dropped again in 0004\nCREATE TABLE scratch (id int);\n',
      [FILE]: 'pool.query(`\n  SELECT o.id\n  -- schema-guard-ignore-next-line cross-domain-query -- migration report, IAM-7\n  FROM organizations o`);\n',
    });
    expect(findings.map((f) => [f.ruleId, !!f.suppressed])).toEqual([
      ['unprefixed-table', true],
      ['cross-domain-query', true],
    ]);
  });

  it('reports a comment for another rule: it suppresses nothing', async () => {
    const findings = await guard({ [FILE]: `${MARKER} ledger-write -- wrong rule\n${READ_ORGS}\n` });
    expect(suppressedBrief(findings)).toEqual([`unused-suppression ${FILE}:1:1`, `cross-domain-query ${FILE}:2:27 organizations`]);
    expect(findings[0]).toMatchObject({
      level: 'note',
      domain: 'gpuaas-provisioning',
      message: 'Suppression of ledger-write suppresses nothing: no ledger-write finding starts on line 2. Remove it.',
    });
  });

  it('reports a comment without a reason and does not apply it', async () => {
    const findings = await guard({ [FILE]: `${MARKER} cross-domain-query\n${READ_ORGS}\n` });
    expect(suppressedBrief(findings)).toEqual([`unused-suppression ${FILE}:1:1`, `cross-domain-query ${FILE}:2:27 organizations`]);
    expect(findings[0]!.message).toMatch(/^Suppression of cross-domain-query gives no reason, so it suppresses nothing: add one after " -- "/);
  });

  it('reports an unknown rule id while the known ones of the comment still apply', async () => {
    const findings = await guard({ [FILE]: `${MARKER} cross-domian-query, cross-domain-query -- typo beside the real id\n${READ_ORGS}\n` });
    expect(suppressedBrief(findings)).toEqual([
      `unused-suppression ${FILE}:1:1`,
      `cross-domain-query ${FILE}:2:27 organizations suppressed(typo beside the real id)`,
    ]);
    expect(findings[0]!.message).toContain('unknown rule "cross-domian-query"');
  });

  it('reports a comment that names no rule', async () => {
    const findings = await guard({ [FILE]: `${MARKER} -- just because\n${READ_ORGS}\n` });
    expect(findings[0]).toMatchObject({ ruleId: 'unused-suppression', message: expect.stringContaining('names no rule') });
  });

  it('accepts restricted-table rules of the map as known ids', async () => {
    const findings = await guard({ [FILE]: `${MARKER} outbox-publish -- replay tool, OPS-3\npool.query('INSERT INTO platform_outbox_events (id) VALUES (1)');\n` });
    expect(findings.map((f) => [f.ruleId, !!f.suppressed])).toEqual([['outbox-publish', true]]);
  });

  it('with --rule, judges a comment only for the rules that ran', async () => {
    const files = { [FILE]: `${MARKER} ledger-write -- covers a write elsewhere\n${READ_ORGS}\n` };
    expect(brief(await guard(files, { rules: ['cross-domain-query'] }))).toEqual([`cross-domain-query ${FILE}:2:27 organizations`]);
    expect(brief(await guard(files, { rules: ['cross-domain-query', 'unused-suppression'] }))).toEqual([
      `cross-domain-query ${FILE}:2:27 organizations`,
    ]);
    expect(brief(await guard(files, { rules: ['ledger-write', 'unused-suppression'] }))).toEqual([`unused-suppression ${FILE}:1:1`]);
  });
});

describe('suppressed findings in reports', () => {
  const files = {
    [FILE]: `${MARKER} ledger-immutable, ledger-write -- one-off dedupe approved in FIN-12\npool.query('DELETE FROM ledger_entries WHERE id = 1');\n${READ_ORGS}\n`,
  };

  it('JSON keeps them with suppressed and the reason; the summary counts them apart', async () => {
    const root = writeRepo(files);
    const { stdout, exitCode } = await run(['--root', root, '--map', ROOT_MAP, '--format', 'json']);
    expect(exitCode).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.findings.map((f: { ruleId: string; suppressed: boolean; suppressionReason?: string }) => [f.ruleId, f.suppressed, f.suppressionReason])).toEqual([
      ['ledger-immutable', true, 'one-off dedupe approved in FIN-12'],
      ['ledger-write', true, 'one-off dedupe approved in FIN-12'],
      ['cross-domain-query', false, undefined],
    ]);
    expect(report.summary).toMatchObject({ findings: 1, suppressed: 2, baselined: 0, blocking: 0 });
  });

  it('text leaves them out but says how many; they never set the exit code', async () => {
    const root = writeRepo(files);
    const result = await run(['--root', root, '--map', ROOT_MAP, '--fail-on', 'error']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).not.toContain('ledger-immutable');
    expect(result.stdout).toContain('1 finding (0 errors, 1 warning, 0 notes)');
    expect(result.stdout).toContain('Not shown: 2 suppressed by comments.');
    expect((await run(['--root', root, '--map', ROOT_MAP, '--fail-on', 'warning'])).exitCode).toBe(1);
  });

  it('the real CLI reports an unknown rule in a suppression, and --fail-on note fails on it', async () => {
    const root = writeRepo({ [FILE]: `${MARKER} no-such-rule -- typo\n${READ_ORGS}\n` });
    const bin = path.join(REPO_ROOT, 'bin/schema-guard.js');
    const result = await execa('node', [bin, 'check', '--root', root, '--map', ROOT_MAP, '--fail-on', 'note'], { reject: false, env: { NO_COLOR: '1' } });
    expect(result.exitCode).toBe(1);
    // Listed after the warning (most urgent first), in the same file's block.
    expect(result.stdout).toMatch(/\n  2:27 +warning +cross-domain-query [^]*\n  1:1 +note +unused-suppression +Suppression names unknown rule "no-such-rule"/);
    expect(result.stdout).toContain('Exit code 1: 2 findings at --fail-on note or above.');
    expect(result.stderr).toBe('');
  }, 60_000);
});
