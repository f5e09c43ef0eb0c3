import { mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { renderCompact } from '../../src/report/compact.js';
import { foldByUrgency, relatedRules } from '../../src/report/fold.js';
import { escapeControls, markdownCode, markdownText, plain, plainLineStart } from '../../src/report/inert.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { summarise } from '../../src/report/summary.js';
import { renderText, splitMessage } from '../../src/report/text.js';
import type { Finding } from '../../src/rules/finding.js';
import { REPO_ROOT, ROOT_MAP, runCli, writeRepo } from '../helpers.js';

const BIN = path.join(REPO_ROOT, 'bin/schema-guard.js');
const READER = 'packages/gpuaas/provisioning/src/orgs.ts';
const READ_ORGS = "pool.query('SELECT * FROM organizations');";

const finding = (overrides: Partial<Finding>): Finding => ({
  ruleId: 'cross-domain-query',
  level: 'warning',
  message: 'Reads a table of another domain.',
  file: 'a.ts',
  line: 1,
  column: 1,
  domain: null,
  fingerprint: 'f',
  ...overrides,
});

/** One finding of each urgency, in file order the least urgent first. */
const MIXED = [
  finding({ file: 'a.ts', line: 1, level: 'note', ruleId: 'unmapped-table', message: 'Note.' }),
  finding({ file: 'b.ts', line: 2, level: 'warning', message: 'Warning.' }),
  finding({ file: 'c.ts', line: 3, level: 'error', ruleId: 'retired-import', message: 'Error.' }),
  finding({ file: 'd.ts', line: 4, level: 'error', ruleId: 'ledger-write', blocking: true, message: 'Blocking.' }),
];

describe('urgency and folding', () => {
  it('lists blocking findings first, then errors, warnings and notes, in file order among equals', () => {
    expect(foldByUrgency(MIXED).map(({ finding }) => finding.message)).toEqual(['Blocking.', 'Error.', 'Warning.', 'Note.']);
    const text = renderText({ findings: MIXED, summary: summarise(MIXED, 4), notifications: [], readFile: () => undefined, color: false });
    const order = ['Blocking.', 'Error.', 'Warning.', 'Note.'].map((message) => text.indexOf(message));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('folds the rules at one site into one finding headed by the most urgent, and links them in JSON and SARIF', async () => {
    const root = writeRepo({ [READER.replace('orgs', 'fix')]: "pool.query('DELETE FROM ledger_entries');\n" });
    const json = JSON.parse((await runCli(['--root', root, '--map', ROOT_MAP, '--format', 'json', '--no-cache'])).stdout);
    const ledger = json.findings.filter((f: Finding) => f.ruleId.startsWith('ledger-'));
    expect(ledger.map((f: Finding & { relatedRules: string[] }) => [f.ruleId, f.relatedRules])).toEqual([
      ['ledger-immutable', ['ledger-write']],
      ['ledger-write', ['ledger-immutable']],
    ]);
    const sarif = JSON.parse((await runCli(['--root', root, '--map', ROOT_MAP, '--format', 'sarif', '--no-cache'])).stdout);
    const results = sarif.runs[0].results.filter((r: { ruleId: string }) => r.ruleId.startsWith('ledger-'));
    expect(results.map((r: { properties: { relatedRules: string[] } }) => r.properties.relatedRules)).toEqual([['ledger-write'], ['ledger-immutable']]);

    const text = await runCli(['--root', root, '--map', ROOT_MAP, '--no-cache']);
    expect(text.exitCode).toBe(1);
    expect(text.stdout.match(/^ {2}1:25 /gm)).toHaveLength(1);
    expect(text.stdout).toMatch(/1:25 +blocking +ledger-immutable +gpuaas-provisioning code deletes from ledger_entries; nobody may do that \([^)]*\)\.\n +also ledger-write\n +Guard rule: /);
    // The counts stay those of every rule's finding; the exit code is explained.
    expect(text.stdout).toContain('Exit code 1: ledger-immutable is a blocking rule; its findings fail the run whatever --fail-on says.');
    expect(text.stdout.trimEnd().split('\n').at(-1)).toBe('✖ 2 findings (2 errors, 0 warnings, 0 notes) in 1 files scanned; 1 from blocking rules');
    const compact = await runCli(['--root', root, '--map', ROOT_MAP, '--no-cache', '--format', 'compact']);
    expect(compact.stdout.split('\n')[0]).toMatch(/^packages\/gpuaas\/provisioning\/src\/fix\.ts:1:25: error ledger-immutable: .* \(also ledger-write\) \[blocking\]$/);
  });

  it('relatedRules names each other rule once, however many findings stand at the site', () => {
    const many = Array.from({ length: 1000 }, () => finding({ ruleId: 'unmapped-table' }));
    const related = relatedRules([...many, finding({ ruleId: 'cross-family-join' })]);
    expect(related.get(many[0]!)).toEqual(['cross-family-join']);
    expect(foldByUrgency(many)).toEqual([{ finding: many[0], also: [] }]);
  });
});

describe('the text report', () => {
  it('shows the first sentence as the headline and the rest on its own line, once per file', () => {
    expect(splitMessage('A reads b (family "X. Y", owned by c). Guard rule: Do it. Really.')).toEqual({
      headline: 'A reads b (family "X. Y", owned by c).',
      detail: 'Guard rule: Do it. Really.',
    });
    expect(splitMessage('One sentence, e.g. this one.')).toEqual({ headline: 'One sentence, e.g. this one.', detail: '' });
    const twice = [finding({ line: 1, message: 'First. Same advice.' }), finding({ line: 2, message: 'Second. Same advice.' })];
    const text = renderText({ findings: twice, summary: summarise(twice, 1), notifications: [], readFile: () => undefined, color: false });
    expect(text.match(/Same advice\./g)).toHaveLength(1);
  });

  it('aligns rule ids, ends with the summary in the colour of the worst level, and says how to go on', () => {
    const text = renderText({ findings: MIXED, summary: summarise(MIXED, 4), notifications: [], readFile: () => undefined, color: false, failOn: 'warning' });
    const columns = text.split('\n').filter((line) => /^ {2}\d+:\d+ /.test(line)).map((line) => line.search(/(unmapped-table|cross-domain-query|retired-import|ledger-write)/));
    expect(new Set(columns).size).toBe(1);
    expect(text).toContain('Exit code 1: ledger-write is a blocking rule');
    expect(text).toContain('Exit code 1: 3 findings at --fail-on warning or above.');
    expect(text).toContain('schema-guard explain ledger-write');
    expect(text).toContain('schema-guard baseline');
    const coloured = renderText({ findings: MIXED, summary: summarise(MIXED, 4), notifications: [], readFile: () => undefined, color: true });
    expect(coloured.trimEnd().split('\n').at(-1)).toMatch(/^\u001b\[31m\u001b\[1m✖ 4 findings/);
    const notes = [MIXED[0]!];
    expect(renderText({ findings: notes, summary: summarise(notes, 1), notifications: [], readFile: () => undefined, color: true }).trimEnd().split('\n').at(-1)).toMatch(/^\u001b\[34m/);
  });

  it('cuts a 2 MB minified line to a window around each finding: ~300 findings at its end neither crash the report nor empty --output', async () => {
    const reads = Array.from({ length: 300 }, () => READ_ORGS).join('');
    const root = writeRepo({ [READER.replace('.ts', '.js')]: `var a=${'1+'.repeat(900_000)}1;${reads}\n` });
    const sarifFile = path.join(root, 'out.sarif');
    const result = await runCli(['--root', root, '--map', ROOT_MAP, '--no-cache', '--format', 'sarif', '--output', sarifFile]);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const log = JSON.parse(readFileSync(sarifFile, 'utf8'));
    expect(log.runs[0].results.filter((r: { ruleId: string }) => r.ruleId === 'cross-domain-query')).toHaveLength(300);
    const lines = result.stdout.split('\n');
    expect(lines.filter((line) => line.includes('cross-domain-query ')).length).toBeGreaterThanOrEqual(300);
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThan(700);
    // The caret still points at the table within the window.
    const frame = lines.findIndex((line) => line.startsWith('    > 1 |'));
    expect(lines[frame]!.slice(lines[frame + 1]!.indexOf('^'))).toMatch(/^organizations/);
  });
});

describe('--level and --format compact', () => {
  const repo = () =>
    writeRepo({
      [READER]: `${READ_ORGS}\n`,
      'packages/gpuaas/provisioning/src/fix.ts': "pool.query('DELETE FROM ledger_entries');\n",
    });

  it('--level error lists errors and blocking findings only; the counts and the exit code still take every finding', async () => {
    const root = repo();
    const all = await runCli(['--root', root, '--map', ROOT_MAP, '--no-cache', '--fail-on', 'warning']);
    const errors = await runCli(['--root', root, '--map', ROOT_MAP, '--no-cache', '--fail-on', 'warning', '--level', 'error']);
    expect(errors.exitCode).toBe(all.exitCode);
    expect(all.stdout).toMatch(/warning +cross-domain-query/);
    expect(errors.stdout).not.toMatch(/warning +cross-domain-query/);
    expect(errors.stdout).toMatch(/blocking +ledger-immutable/);
    expect(errors.stdout).toContain('1 finding below --level error not listed; the counts and the exit code include it.');
    expect(errors.stdout.trimEnd().split('\n').at(-1)).toBe(all.stdout.trimEnd().split('\n').at(-1));
    const markdown = await runCli(['--root', root, '--map', ROOT_MAP, '--no-cache', '--format', 'markdown', '--level', 'error']);
    expect(markdown.stdout).not.toMatch(/^\| warning/m);
    expect(markdown.stdout).toContain('_1 finding below --level error is not listed; the counts above include it._');
    expect((await runCli(['--root', root, '--map', ROOT_MAP, '--level', 'fatal'])).exitCode).toBe(2);
  });

  it('--format compact prints file:line:column: level rule: message, one line each, most urgent first', async () => {
    const result = await runCli(['--root', repo(), '--map', ROOT_MAP, '--no-cache', '--format', 'compact']);
    const lines = result.stdout.trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(/^[^:\n]+:\d+:\d+: (error|warning|note) [a-z-]+: \S/);
    expect(lines[0]).toMatch(/^packages\/gpuaas\/provisioning\/src\/fix\.ts:1:25: error ledger-immutable: /);
    expect(lines).toContain(
      `${READER}:1:27: warning cross-domain-query: gpuaas-provisioning code reads organizations, which belongs to another domain (family "Organization, project, membership", owned by platform-iam). Guard rule: Product packages read through IAM/access APIs or read models, not direct joins.`,
    );
    expect(renderCompact({ findings: [], notifications: [{ level: 'warning', message: 'Not analysed.', file: 'x.ts' }, { level: 'note', message: 'No cache.' }] })).toBe(
      'x.ts:1:1: warning schema-guard: Not analysed.\nschema-guard: note: No cache.\n',
    );
  });

  it('markdown states the blocking count and keeps blocking findings inside --max-findings', () => {
    const markdown = renderMarkdown({
      findings: MIXED,
      summary: summarise(MIXED, 4),
      suppressed: 0,
      baselined: 0,
      notifications: [],
      maxFindings: 1,
      link: (file, line) => `${file}#L${line}`,
    });
    expect(markdown).toContain('**1 finding of blocking rules fails the run.**');
    expect(markdown).toMatch(/^\| \*\*error \(blocking\)\*\* \| `ledger-write` \|/m);
    expect(markdown).not.toMatch(/^\| (error|warning|note) \|/m);
  });
});

describe('merge checks the shards', () => {
  const shards = async () => {
    const root = writeRepo({ [READER]: `${READ_ORGS}\n`, 'migrations/1.sql': 'CREATE TABLE scratch (id int);\n' });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'schema-guard-merge-'));
    const out = (name: string) => path.join(dir, name);
    for (const part of ['1/3', '2/3', '3/3', '1/2']) {
      await runCli(['--root', root, '--map', ROOT_MAP, '--no-cache', '--format', 'json', '--shard', part, '--output', out(`${part.replace('/', 'of')}.json`), '--quiet']);
      await runCli(['--root', root, '--map', ROOT_MAP, '--no-cache', '--format', 'sarif', '--shard', part, '--output', out(`${part.replace('/', 'of')}.sarif`), '--quiet']);
    }
    await runCli(['--root', root, '--map', ROOT_MAP, '--no-cache', '--format', 'json', '--output', out('whole.json'), '--quiet']);
    return out;
  };

  it('records i/n in each shard report, and refuses a duplicate, another split, a whole run or one file given twice', async () => {
    const out = await shards();
    expect(JSON.parse(readFileSync(out('2of3.json'), 'utf8')).shard).toEqual({ index: 2, count: 3 });
    expect(JSON.parse(readFileSync(out('2of3.sarif'), 'utf8')).runs[0].properties.shard).toEqual({ index: 2, count: 3 });
    const copy = out('copy-of-2of3.json');
    writeFileSync(copy, readFileSync(out('2of3.json')));
    const cases: Array<[string[], RegExp]> = [
      [[out('1of3.json'), out('2of3.json'), copy], /both shard 2\/3: its findings would count twice/],
      [[out('1of3.sarif'), out('1of3.sarif')], /given twice/],
      [[out('1of3.json'), out('1of2.json')], /shard 1\/3 but .* is shard 1\/2/],
      [[out('1of3.json'), out('whole.json')], /report of a whole run/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(['merge', ...args]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });

  it('warns about a missing shard, on standard error and in the merged report', async () => {
    const out = await shards();
    for (const format of ['json', 'sarif']) {
      const result = await runCli(['merge', out(`1of3.${format}`), out(`3of3.${format}`)]);
      expect(result.exitCode).toBe(0);
      expect(result.stderr).toBe('schema-guard: warning: Shard 2/3 not given: the files of that part were not scanned, and this report does not cover them.\n');
      const merged = JSON.parse(result.stdout);
      const notes = format === 'json' ? merged.notifications.map((n: { message: string }) => n.message) : merged.runs[0].invocations[0].toolExecutionNotifications.map((n: { message: { text: string } }) => n.message.text);
      expect(notes[0]).toMatch(/^Shard 2\/3 not given/);
      expect(format === 'json' ? merged.shard : merged.runs[0].properties).toBeUndefined();
    }
  });
});

describe('inert output', () => {
  it('escapes control and invisible characters, workflow commands and Markdown', () => {
    expect(escapeControls('a\u001b]8;;x\u0007b\r\n\u202e\u00ad\u{e0041}')).toBe('a\\x1b]8;;x\\x07b\\x0d\\x0a\\u202e\\xad\\u{e0041}');
    expect(plain('x ##[add-mask]y')).toBe('x ##\\x5badd-mask]y');
    expect(plainLineStart(' \u00a0::error::x')).toBe(' \u00a0\\x3a:error::x');
    expect(markdownCode('a``b|c')).toBe('```a``b\\x7cc```');
    expect(markdownCode('`x`')).toBe('`` `x` ``');
    expect(markdownText('[a](b) ![i](j) <img> @octocat #1 www.x.com https://x')).toBe(
      '\\[a\\]\\(b\\) \\!\\[i\\]\\(j\\) \\<img\\> \\@\u2060octocat \\#\u20601 www\\.x\\.com https\\://x',
    );
  });

  /** A repository whose file and table names attack every output: workflow commands, terminal escapes, Markdown links, images and mentions. */
  function hostileRepo(): string {
    const names = [
      '::error title=pwned::at the root',
      'migrations/x\n::error title=pwned::injected\n',
      'migrations/::add-mask::secret',
      'migrations/\u001b]8;;https:evil.example\u0007link\u001b]8;;\u0007\u001b[2J',
      'migrations/##[add-mask]x',
      'migrations/`[click](https:evil.example) ![i](evil.png) @octocat <img src=x>|',
      'migrations/\u202eevil',
    ];
    const files: Record<string, string> = {};
    names.forEach((name, i) => {
      files[`${name}.sql`] = `CREATE TABLE scratch_${i} (id int);\nCREATE TABLE "[x](https:evil.example) @octocat \u001b[31m ##[add-mask]y" (id int);\n`;
    });
    return writeRepo(files);
  }

  it('no file or table name becomes a workflow command, a terminal escape, or a Markdown link, image or mention', async () => {
    const root = hostileRepo();
    const outputs: Record<string, string> = {};
    for (const format of ['text', 'compact', 'github', 'markdown']) {
      const result = await runCli(['--root', root, '--map', ROOT_MAP, '--no-cache', '--format', format]);
      expect(result.exitCode).toBe(0);
      outputs[format] = result.stdout;
    }
    // Every hostile file produced its findings, so each output really carried the names.
    expect(outputs.compact!.split('\n').filter((line) => line.includes('unprefixed-table')).length).toBe(14);
    for (const [format, output] of Object.entries(outputs)) {
      expect(output, format).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
      expect(output, format).not.toContain('##[');
      for (const line of output.split('\n')) {
        // The runner reads `::name …::` after leading white space; only the github format's own commands may start so.
        if (format === 'github') expect(line, format).toMatch(/^(::(error|warning|notice) [^\n]*::|$)/);
        else expect(line.trimStart().startsWith('::'), `${format}: ${line}`).toBe(false);
      }
    }
    const markdown = outputs.markdown!;
    // Only the report's own links, to percent-encoded paths; outside them no unescaped `[`, `<` or `!`.
    const ownLink = /(?<=\| )\[((?:\\.|[^\\\]])*)\]\(([^)]*)\)/g;
    for (const [, , target] of markdown.matchAll(ownLink)) expect(target).toMatch(/^[A-Za-z0-9%._\-/~]+#L\d+$/);
    expect(markdown.replace(ownLink, '$1')).not.toMatch(/(^|[^\\])[[<!]/m);
    expect(markdown).not.toMatch(/@[a-z]/);
  });

  it('a map error quoting hostile text stays one inert line on standard error', async () => {
    const root = writeRepo({ 'ownership-map.yaml': 'version: 1\ndomains:\n  "\u001b[2J::error::x\\n##[add-mask]y": [unclosed\n' });
    const result = await runCli(['--root', root]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f]|##\[/);
  });
});

describe('a failed write', () => {
  it('to standard output is one line and exit code 2', async () => {
    const root = writeRepo({ [READER]: `${READ_ORGS}\n` });
    const full = openSync('/dev/full', 'w');
    try {
      const result = await execa('node', [BIN, '--root', root, '--map', ROOT_MAP, '--no-cache'], { reject: false, stdout: full, env: { NO_COLOR: '1' } });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(/^schema-guard: cannot write to standard output: ENOSPC[^\n]*$/);
    } finally {
      closeSync(full);
    }
  });

  it('to a reader that stops early keeps the exit code of the findings', async () => {
    const root = writeRepo({ 'packages/gpuaas/provisioning/src/fix.ts': "pool.query('DELETE FROM ledger_entries');\n" });
    const status = await execa('bash', ['-c', `set -o pipefail; node "${BIN}" --root "${root}" --map "${ROOT_MAP}" --no-cache | head -c 1 >/dev/null`], { reject: false });
    expect(status.exitCode).toBe(1);
    expect(status.stderr).toBe('');
  });

  it('to --output is one line and exit code 2', async () => {
    const root = writeRepo({ [READER]: `${READ_ORGS}\n` });
    mkdirSync(path.join(root, 'out'));
    writeFileSync(path.join(root, 'out/file'), '');
    const result = await runCli(['--root', root, '--map', ROOT_MAP, '--no-cache', '--format', 'json', '--output', path.join(root, 'out/file/report.json'), '--quiet']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^schema-guard: Cannot write --output [^\n]*\n$/);
  });
});
