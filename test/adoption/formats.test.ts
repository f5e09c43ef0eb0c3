import { copyFileSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { execa } from 'execa';
import type { Log } from 'sarif';
import { describe, expect, it } from 'vitest';
import { renderGithub, workspacePrefix } from '../../src/report/github.js';
import { fileLinks } from '../../src/report/markdown.js';
import type { Finding } from '../../src/rules/finding.js';
import { REPO_ROOT, ROOT_MAP, writeRepo, runCli } from '../helpers.js';
import { temporaryFolder } from '../temporary.js';

const BIN = path.join(REPO_ROOT, 'bin/schema-guard.js');
const FILE = 'packages/gpuaas/provisioning/src/orgs.ts';
const MARKER = '// schema-guard-ignore-next-line';

const run = runCli;

function fixtureCopy(): string {
  const root = temporaryFolder('schema-guard-formats-');
  cpSync(path.join(REPO_ROOT, 'fixtures/platform-monorepo'), root, { recursive: true });
  copyFileSync(ROOT_MAP, path.join(root, 'ownership-map.yaml'));
  return root;
}

/** Three findings: a suppressed one (line 2), a baselined one and a new one (lines 3 and 4, same identity), plus an absent baseline entry. */
function adoptionRepo(): string {
  const read = "pool.query('SELECT * FROM organizations');";
  const root = writeRepo({
    'ownership-map.yaml': readFileSync(ROOT_MAP, 'utf8').replace(/\nexceptions:[\s\S]*$/, '\n'),
    [FILE]: `${MARKER} cross-domain-query -- migration report, IAM-7\n${read}\n${read}\n${read}\n`,
  });
  const identity = { ruleId: 'cross-domain-query', file: FILE, domain: 'gpuaas-provisioning', table: 'organizations', operation: 'read' };
  writeFileSync(
    path.join(root, '.schema-guard-baseline.json'),
    JSON.stringify({ version: 1, findings: [{ ...identity, count: 1 }, { ...identity, file: 'packages/gpuaas/provisioning/src/gone.ts', count: 2 }] }),
  );
  return root;
}

describe('--format github', () => {
  const finding = (overrides: Partial<Finding>): Finding => ({
    ruleId: 'ledger-write',
    level: 'error',
    message: 'm',
    file: 'a.ts',
    line: 3,
    column: 5,
    domain: null,
    fingerprint: 'f',
    ...overrides,
  });

  it('writes one workflow command per finding, warning for warnings and notice for notes', () => {
    const out = renderGithub({
      findings: [
        finding({ endLine: 3, endColumn: 19, message: 'Writes ledger_entries.' }),
        finding({ ruleId: 'cross-domain-query', level: 'warning', line: 7, column: 1, message: 'Reads nodes.' }),
        finding({ ruleId: 'unmapped-table', level: 'note', message: 'Unmapped.' }),
      ],
      notifications: [],
      pathPrefix: 'services/api/',
    });
    expect(out).toBe(
      '::error file=services/api/a.ts,line=3,col=5,endLine=3,endColumn=19,title=ledger-write::Writes ledger_entries.\n' +
        '::warning file=services/api/a.ts,line=7,col=1,title=cross-domain-query::Reads nodes.\n' +
        '::notice file=services/api/a.ts,line=3,col=5,title=unmapped-table::Unmapped.\n',
    );
  });

  it("escapes % \\r \\n in properties as GitHub's toolkit does, and shows a message's control characters instead of breaking its line", () => {
    const out = renderGithub({
      findings: [finding({ file: 'odd,name:x%\n.ts', message: '100% of rows\r\nare read: a, b' })],
      notifications: [{ level: 'note', message: 'skipped: binary content', file: 'data.sql' }],
      pathPrefix: '',
      absent: [{ ruleId: 'ledger-write', file: 'b.ts', table: 'ledger_entries', count: 2 }],
    });
    expect(out.split('\n')).toEqual([
      // The path stays exact (the runner decodes %0A); the message is one visible line.
      '::error file=odd%2Cname%3Ax%25%0A.ts,line=3,col=5,title=ledger-write::100%25 of rows\\x0d\\x0aare read: a, b',
      '::notice file=data.sql,title=schema-guard::skipped: binary content',
      '::notice title=schema-guard baseline::No longer found, so the baseline can shrink (run schema-guard baseline): ledger-write on ledger_entries in b.ts ×2',
      '',
    ]);
  });

  it("places paths inside the workspace when --root is one of its folders", () => {
    expect(workspacePrefix('/w/repo/services/api', '/w/repo')).toBe('services/api/');
    expect(workspacePrefix('/w/repo', '/w/repo')).toBe('');
    expect(workspacePrefix('/elsewhere', '/w/repo')).toBe('');
  });

  it('annotates only new, unsuppressed findings, and says what the baseline no longer needs', async () => {
    const result = await run(['--root', adoptionRepo(), '--format', 'github']);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe(
      '::notice title=schema-guard baseline::No longer found, so the baseline can shrink (run schema-guard baseline): cross-domain-query on organizations in packages/gpuaas/provisioning/src/gone.ts ×2',
    );
    expect(lines[0]).toMatch(
      new RegExp(`^::warning file=${FILE},line=4,col=27,endLine=4,endColumn=40,title=cross-domain-query::gpuaas-provisioning code reads organizations, which belongs to another domain`),
    );
  });
});

describe('--format markdown', () => {
  it('links to the file on GitHub in Actions, and relatively elsewhere', () => {
    const env = { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/platform', GITHUB_SHA: 'abc123' };
    expect(fileLinks(env, 'svc/')('src/a b.ts', 12)).toBe('https://github.com/acme/platform/blob/abc123/svc/src/a%20b.ts#L12');
    expect(fileLinks({}, '')('src/a.ts', 3)).toBe('src/a.ts#L3');
  });

  it('summarises by rule and by domain, lists new findings, counts the rest apart and lists what the baseline no longer needs', async () => {
    const result = await run(['--root', adoptionRepo(), '--format', 'markdown']);
    expect(result.stdout).toContain('❌ **1 new finding** (0 errors, 1 warning, 0 notes) in 1 files scanned · 1 baselined · 1 suppressed (not listed).');
    expect(result.stdout).toContain('| Rule | Findings |\n|---|---:|\n| `cross-domain-query` | 1 |');
    expect(result.stdout).toContain('| Domain | Findings |\n|---|---:|\n| gpuaas-provisioning | 1 |');
    // Untrusted text is escaped prose: the link text's `.` and `:` are backslash-escaped, and render as themselves.
    const escaped = (text: string) => text.replace(/[.:_]/g, '\\$&');
    expect(result.stdout).toContain(`| warning | \`cross-domain-query\` | [${escaped(`${FILE}:4`)}](${FILE}#L4) | gpuaas-provisioning code reads organizations`);
    expect(result.stdout).toContain('### No longer found (1)');
    expect(result.stdout).toContain(`- ${escaped('cross-domain-query on organizations in packages/gpuaas/provisioning/src/gone.ts ×2')}`);
  });
});

describe('SARIF with a baseline and suppressions', () => {
  const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/schemas/sarif-schema-2.1.0.json'), 'utf8'));
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  const sarif = (stdout: string): Log => {
    const log = JSON.parse(stdout) as Log;
    expect(validate(log), ajv.errorsText(validate.errors)).toBe(true);
    return log;
  };

  it('leaves suppressed and baselined results out by default: GitHub would show them as open alerts', async () => {
    const log = sarif((await run(['--root', adoptionRepo(), '--format', 'sarif'])).stdout);
    const results = log.runs[0]!.results!;
    expect(results.map((r) => [r.ruleId, r.locations![0]!.physicalLocation!.region!.startLine, r.baselineState])).toEqual([['cross-domain-query', 4, 'new']]);
    expect(results[0]!.suppressions).toBeUndefined();
  });

  it('--sarif-include-suppressed puts them in with suppressions on every result, and the absent entries', async () => {
    const log = sarif((await run(['--root', adoptionRepo(), '--format', 'sarif', '--sarif-include-suppressed'])).stdout);
    const results = log.runs[0]!.results!;
    expect(results.map((r) => [r.locations![0]!.physicalLocation!.region?.startLine ?? null, r.baselineState, r.suppressions])).toEqual([
      [2, undefined, [{ kind: 'inSource', justification: 'migration report, IAM-7' }]],
      [3, 'unchanged', [{ kind: 'external', justification: 'Recorded in the baseline .schema-guard-baseline.json' }]],
      [4, 'new', []],
      [null, 'absent', []],
    ]);
    expect(results[3]).toMatchObject({
      ruleId: 'cross-domain-query',
      kind: 'pass',
      level: 'none',
      locations: [{ physicalLocation: { artifactLocation: { uri: 'packages/gpuaas/provisioning/src/gone.ts', uriBaseId: '%SRCROOT%' } } }],
    });
  });
});

describe('--output, with the real CLI on the fixture', () => {
  it('writes the requested format to the file while the text report still goes to the terminal', async () => {
    const root = fixtureCopy();
    const result = await execa('node', [BIN, 'check', '--format', 'github', '--output', 'reports/annotations.txt'], { cwd: root, reject: false, env: { NO_COLOR: '1' } });
    expect(result.exitCode).toBe(1); // the fixture has two blocking ledger-immutable findings
    expect(result.stdout).toContain('✖ 28 findings (10 errors, 14 warnings, 4 notes) in 41 files scanned');
    const annotations = readFileSync(path.join(root, 'reports/annotations.txt'), 'utf8').trimEnd().split('\n');
    // 28 findings at 25 sites: the rules at one site are one annotation that names the others.
    expect(annotations).toHaveLength(25);
    expect(annotations.filter((line) => / Also reported here: [a-z-]+\.$/.test(line))).toHaveLength(3);
    // Most urgent first: GitHub shows only the first annotations of a step.
    expect(annotations[0]).toMatch(/^::error .*title=ledger-immutable::/);
    expect(annotations.filter((line) => line.startsWith('::error file=packages/platform/billing/src/ledger.ts,line=15,col=30,endLine=15,endColumn=44,title=ledger-immutable::'))).toHaveLength(1);
    expect(annotations.filter((line) => line.startsWith('::notice '))).toHaveLength(4);
  }, 60_000);

  it('--quiet keeps the terminal quiet; --max-findings caps the markdown table', async () => {
    const root = fixtureCopy();
    const result = await execa('node', [BIN, 'check', '--format', 'markdown', '--max-findings', '3', '--output', 'summary.md', '--quiet'], { cwd: root, reject: false });
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('');
    const markdown = readFileSync(path.join(root, 'summary.md'), 'utf8');
    const rows = markdown.split('\n').filter((line) => /^\| (\*\*)?(error|warning|note)/.test(line));
    expect(rows).toHaveLength(3);
    // Most urgent first, so the cap never hides a blocking finding: the fixture has two.
    expect(rows.slice(0, 2).every((row) => row.startsWith('| **error (blocking)** |'))).toBe(true);
    expect(markdown).toContain('**2 findings of blocking rules fail the run.**');
    expect(markdown).toContain('_The first 3 of 25 findings, most urgent first;');
  }, 60_000);

  it('a stopped run still leaves a github annotation or a markdown summary saying why', async () => {
    const root = writeRepo({ 'ownership-map.yaml': readFileSync(ROOT_MAP, 'utf8') });
    const github = await run(['--root', root, '--format', 'github', '--changed-since', 'main']);
    expect(github.exitCode).toBe(2);
    expect(github.stdout).toBe(`::error title=schema-guard::--changed-since needs a git repository: ${root} is not inside one.\n`);
    const markdown = await run(['--root', root, '--format', 'markdown', '--changed-since', 'main']);
    expect(markdown.exitCode).toBe(2);
    expect(markdown.stdout).toBe(`## schema-guard\n\n❌ The run stopped:\n\n\`\`\`\n--changed-since needs a git repository: ${root} is not inside one.\n\`\`\`\n`);
  });

  it('rejects a --max-findings that is not a positive whole number', async () => {
    const result = await run(['check', '--max-findings', '0']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('expected a whole number of 1 or more.');
  });
});
