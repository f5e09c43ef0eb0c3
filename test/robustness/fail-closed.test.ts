/**
 * A pull request must not make a blocking violation disappear. Each test builds a hostile
 * repository in a temporary folder with `pool.query('DELETE FROM ledger_entries')` planted in the
 * shop domain (ledger-immutable, a blocking rule), runs the CLI with `--fail-on error`, and
 * asserts that the violation is found or replaced by a failing file-not-analysed finding: never exit 0.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, writeRepo } from '../helpers.js';
import { runCli } from './cli-run.js';

const LEDGER_MAP = `version: 1
domains:
  shop:
    name: Shop
    kind: product
    folders: [packages/shop/**]
  billing:
    name: Billing
    kind: platform
    folders: [packages/billing/**]
families:
  - id: ledger
    name: Ledger
    tables: [ledger_entries]
    currentOwner: Billing team
    targetOwner: billing
    guardRule: Ledger entries are written by billing only.
restrictedTables:
  - rule: ledger-immutable
    description: Ledger entries are never updated, deleted or truncated.
    tables: [ledger_entries]
    operations: [update, delete, truncate]
    level: error
    blocking: true
`;
const QUERY = "pool.query('DELETE FROM ledger_entries');";
const SRC = 'packages/shop/src';
const RUNNING_AS_ROOT = process.getuid?.() === 0;
const BUILT_CLI = path.join(REPO_ROOT, 'bin/schema-guard.js');

interface Report {
  findings: Array<{ ruleId: string; level: string; file: string; domain: string | null; message: string }>;
  notifications: Array<{ level: string; file?: string; message: string }>;
  summary: { skipped: Record<string, number> };
  skipped: Array<{ path: string; reason: string }>;
}

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) {
    if (!existsSync(root)) continue;
    // A folder a test made unreadable is made readable again to be removed.
    execFileSync('chmod', ['-R', 'u+rwx', root]);
    rmSync(root, { recursive: true, force: true });
  }
});

/** A repository with the ledger map and the given files (text, or bytes). */
function repository(files: Record<string, string | Buffer> = {}): string {
  const root = writeRepo({ 'ownership-map.yaml': LEDGER_MAP, 'package.json': '{"name": "acme"}\n' });
  roots.push(root);
  for (const [file, content] of Object.entries(files)) write(root, file, content);
  return root;
}

function write(root: string, file: string, content: string | Buffer): void {
  const absolute = path.join(root, file);
  mkdirSync(path.dirname(absolute), { recursive: true });
  writeFileSync(absolute, content);
}

async function check(root: string, ...args: string[]): Promise<{ exitCode: number; report: Report }> {
  const result = await runCli(['--root', root, '--format', 'json', '--no-cache', '--fail-on', 'error', ...args]);
  expect(result.stderr).toBe('');
  return { exitCode: result.exitCode, report: JSON.parse(result.stdout) as Report };
}

/** The built tool in a process of its own: it has the worker threads that the in-process CLI (TypeScript sources) has not. */
function checkBuilt(root: string): { exitCode: number; report: Report } {
  const result = spawnSync(process.execPath, [BUILT_CLI, '--root', root, '--format', 'json', '--no-cache', '--fail-on', 'error'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  expect(result.stderr).toBe('');
  return { exitCode: result.status!, report: JSON.parse(result.stdout) as Report };
}

/** `rule level domain file` of the findings in a file. */
function findingsIn(report: Report, file: string): string[] {
  return report.findings.filter((f) => f.file === file).map((f) => `${f.ruleId} ${f.level} ${f.domain}`);
}

const FOUND = ['ledger-immutable error shop'];
const NOT_ANALYSED = ['file-not-analysed error shop'];

function utf16(text: string, order: 'le' | 'be'): Buffer {
  const le = Buffer.from(text, 'utf16le');
  return order === 'le' ? Buffer.concat([Buffer.from([0xff, 0xfe]), le]) : Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(le).swap16()]);
}

function nestedArray(depth: number): string {
  return `export const a = ${'['.repeat(depth)}${']'.repeat(depth)};\n`;
}

function git(root: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'core.hooksPath=/dev/null', ...args], { cwd: root, stdio: 'ignore' });
}

describe('what cannot be analysed fails the run', () => {
  it('reads a NUL byte in a comment or a string as text, and finds the query', async () => {
    const root = repository({
      [`${SRC}/comment.js`]: `/* \0 */\n${QUERY}\n`,
      [`${SRC}/string.ts`]: `const marker = '\0';\n${QUERY}\n`,
    });
    const { exitCode, report } = await check(root);
    expect(findingsIn(report, `${SRC}/comment.js`)).toEqual(FOUND);
    expect(findingsIn(report, `${SRC}/string.ts`)).toEqual(FOUND);
    expect(exitCode).toBe(1);
  });

  it('reads SQL past a NUL, which would end the text for libpg-query: in a .sql file and in a query string', async () => {
    const root = repository({
      [`${SRC}/nul.sql`]: '-- \0\nDELETE FROM ledger_entries;\n',
      [`${SRC}/nul-in-query.ts`]: "pool.query('SELECT 1 \\0; DELETE FROM ledger_entries');\n",
    });
    const { exitCode, report } = await check(root);
    expect(findingsIn(report, `${SRC}/nul.sql`)).toEqual(FOUND);
    expect(findingsIn(report, `${SRC}/nul-in-query.ts`)).toEqual(FOUND);
    expect(exitCode).toBe(1);
  });

  it('decodes UTF-16 LE and BE with a byte order mark, and UTF-8 with one, as tsc does', async () => {
    const root = repository({
      [`${SRC}/le.ts`]: utf16(`// UTF-16 LE\n${QUERY}\n`, 'le'),
      [`${SRC}/be.ts`]: utf16(`// UTF-16 BE\n${QUERY}\n`, 'be'),
      [`${SRC}/bom.ts`]: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${QUERY}\n`)]),
    });
    const { exitCode, report } = await check(root);
    for (const file of ['le.ts', 'be.ts', 'bom.ts']) expect(findingsIn(report, `${SRC}/${file}`), file).toEqual(FOUND);
    expect(report.findings.find((f) => f.file === `${SRC}/le.ts`)).toMatchObject({ line: 2, column: 25 });
    expect(exitCode).toBe(1);
  });

  it('sees a line separator as Node does in a file that is not valid UTF-8 (it ends a // comment)', async () => {
    // Read as Latin-1, E2 80 A8 would be three letters and the query part of the comment.
    const root = repository({ [`${SRC}/separator.js`]: Buffer.concat([Buffer.from('// caf'), Buffer.from([0xe9]), Buffer.from(` \u2028${QUERY}\n`)]) });
    const { exitCode, report } = await check(root);
    expect(findingsIn(report, `${SRC}/separator.js`)).toEqual(FOUND);
    expect(exitCode).toBe(1);
  });

  it('reports binary content (many NULs) as not analysed, at level error', async () => {
    const root = repository({ [`${SRC}/blob.ts`]: Buffer.concat([Buffer.from(`${QUERY}\n/*`), Buffer.alloc(1000), Buffer.from('*/\n')]) });
    const { exitCode, report } = await check(root);
    expect(findingsIn(report, `${SRC}/blob.ts`)).toEqual(NOT_ANALYSED);
    expect(report.findings.find((f) => f.file === `${SRC}/blob.ts`)!.message).toMatch(/binary content \(1000 NUL characters/);
    expect(exitCode).toBe(1);
  });

  it('reports a file padded past the 2 MB limit as not analysed', async () => {
    const root = repository({ [`${SRC}/padded.ts`]: `${QUERY}\n${'/'.repeat(2 * 1024 * 1024)}\n` });
    const { exitCode, report } = await check(root);
    expect(findingsIn(report, `${SRC}/padded.ts`)).toEqual(NOT_ANALYSED);
    expect(report.findings.find((f) => f.file === `${SRC}/padded.ts`)!.message).toMatch(/over the 2048 kB limit/);
    expect(exitCode).toBe(1);
  });

  it('follows nesting as deep as tsc does (8,000 levels), and reports what is deeper than it can follow', () => {
    const root = repository({
      [`${SRC}/deep-800.ts`]: nestedArray(800) + QUERY + '\n',
      [`${SRC}/deep-8000.ts`]: nestedArray(8000) + QUERY + '\n',
      [`${SRC}/calls-8000.ts`]: `f(${'g('.repeat(8000)}${')'.repeat(8000)});\n${QUERY}\n`,
      [`${SRC}/deep-200000.ts`]: nestedArray(200_000) + QUERY + '\n',
    });
    const { exitCode, report } = checkBuilt(root);
    expect(findingsIn(report, `${SRC}/deep-800.ts`)).toEqual(FOUND);
    expect(findingsIn(report, `${SRC}/deep-8000.ts`)).toEqual(FOUND);
    expect(findingsIn(report, `${SRC}/calls-8000.ts`)).toEqual(FOUND);
    expect(findingsIn(report, `${SRC}/deep-200000.ts`)).toEqual(NOT_ANALYSED);
    expect(report.findings.find((f) => f.file === `${SRC}/deep-200000.ts`)!.message).toMatch(/nested too deeply to parse/);
    expect(exitCode).toBe(1);
  });

  it('is reported whatever --rule selects: the selected rules could not check the file either', async () => {
    const root = repository({ [`${SRC}/blob.ts`]: Buffer.concat([Buffer.from(`${QUERY}\n`), Buffer.alloc(100)]) });
    const { exitCode, report } = await check(root, '--rule', 'ledger-immutable');
    expect(findingsIn(report, `${SRC}/blob.ts`)).toEqual(NOT_ANALYSED);
    expect(exitCode).toBe(1);
  });

  it('lets the map lower the level, and then --fail-on error passes', async () => {
    const root = repository({ [`${SRC}/blob.ts`]: Buffer.alloc(100) });
    write(root, 'ownership-map.yaml', `${LEDGER_MAP}fileNotAnalysed:\n  level: warning\n`);
    const { exitCode, report } = await check(root);
    expect(findingsIn(report, `${SRC}/blob.ts`)).toEqual(['file-not-analysed warning shop']);
    expect(exitCode).toBe(0);
    expect((await check(root, '--fail-on', 'warning')).exitCode).toBe(1);
  });

  it('waives it through a map exception like any other rule', async () => {
    const root = repository({ [`${SRC}/generated/blob.ts`]: Buffer.alloc(100) });
    write(
      root,
      'ownership-map.yaml',
      `${LEDGER_MAP}exceptions:\n  - id: blobs\n    reason: generated\n    link: docs/blobs.md\n    rules: [file-not-analysed]\n    folders: [${SRC}/generated/**]\n`,
    );
    const { exitCode, report } = await check(root);
    expect(findingsIn(report, `${SRC}/generated/blob.ts`)).toEqual([]);
    expect(exitCode).toBe(0);
  });
});

describe('files are never left out silently', () => {
  it('scans dot-folders, and folders named build, out, dist and coverage below a package’s root', async () => {
    const files = ['.lib/a.ts', 'build/a.ts', 'out/a.ts', 'dist/a.ts', 'coverage/a.ts', 'node_modules/a.ts', '.next/a.ts'].map((file) => `${SRC}/${file}`);
    const root = repository(Object.fromEntries(files.map((file) => [file, `${QUERY}\n`])));
    const { exitCode, report } = await check(root);
    for (const file of files) expect(findingsIn(report, file), file).toEqual(FOUND);
    expect(report.skipped).toEqual([]);
    expect(exitCode).toBe(1);
  });

  it('skips build output and installed packages only at the root and at a package’s root, and counts them', async () => {
    const root = repository({
      'dist/a.js': `${QUERY}\n`,
      'node_modules/pg/index.js': `${QUERY}\n`,
      'packages/shop/package.json': '{"name": "@acme/shop"}\n',
      'packages/shop/dist/a.js': `${QUERY}\n`,
      'packages/shop/coverage/a.js': `${QUERY}\n`,
      [`${SRC}/index.d.ts`]: 'export declare const a: number;\n',
    });
    const { report } = await check(root);
    expect(report.findings).toEqual([]);
    expect(report.skipped).toEqual([
      { path: 'dist/', reason: 'default ignore' },
      { path: 'node_modules/', reason: 'default ignore' },
      { path: 'packages/shop/coverage/', reason: 'default ignore' },
      { path: 'packages/shop/dist/', reason: 'default ignore' },
      { path: `${SRC}/index.d.ts`, reason: 'declaration file' },
    ]);
    expect(report.summary.skipped).toEqual({ 'declaration file': 1, 'default ignore': 4 });
    const text = await runCli(['--root', root, '--no-cache']);
    expect(text.stdout).toContain('Not scanned: 5 paths (1 declaration file, 4 default ignore); --format json lists them.');
    // Named on the command line, an ignored folder is still not scanned, and says so.
    expect((await check(root, path.join(root, 'packages/shop/dist'))).report.skipped).toEqual([{ path: 'packages/shop/dist/', reason: 'default ignore' }]);
  });

  it('scans a file git tracks even when a .gitignore lists it; an untracked ignored one is counted as skipped', async () => {
    const root = repository({
      '.gitignore': 'generated/\n*.gen.ts\n',
      [`${SRC}/generated/tracked.ts`]: `${QUERY}\n`,
      [`${SRC}/tracked.gen.ts`]: `${QUERY}\n`,
      [`${SRC}/untracked.gen.ts`]: `${QUERY}\n`,
      'packages/other/generated/untracked.ts': `${QUERY}\n`,
    });
    git(root, 'init', '-q');
    git(root, 'add', '-f', `${SRC}/generated/tracked.ts`, `${SRC}/tracked.gen.ts`);
    const { exitCode, report } = await check(root);
    expect(findingsIn(report, `${SRC}/generated/tracked.ts`)).toEqual(FOUND);
    expect(findingsIn(report, `${SRC}/tracked.gen.ts`)).toEqual(FOUND);
    expect(report.skipped).toEqual([
      { path: 'packages/other/generated/', reason: 'gitignore' },
      { path: `${SRC}/untracked.gen.ts`, reason: 'gitignore' },
    ]);
    expect(exitCode).toBe(1);
  });

  it('sees a file git starts tracking although no folder changed, with the cache on', async () => {
    const root = repository({ '.gitignore': '*.gen.ts\n', [`${SRC}/a.gen.ts`]: `${QUERY}\n` });
    git(root, 'init', '-q');
    const cacheDir = path.join(root, '.cache-outside-scan');
    const cached = () => runCli(['--root', root, '--format', 'json', '--fail-on', 'error', '--cache-dir', cacheDir]);
    expect((await cached()).exitCode).toBe(0);
    git(root, 'add', '-f', `${SRC}/a.gen.ts`);
    expect((await cached()).exitCode).toBe(1);
  });

  it('never lets the repository’s git configuration run a command', async () => {
    const root = repository({ '.gitignore': '*.gen.ts\n', [`${SRC}/a.gen.ts`]: `${QUERY}\n` });
    git(root, 'init', '-q');
    git(root, 'add', '-f', `${SRC}/a.gen.ts`);
    const marker = path.join(root, 'ran');
    git(root, 'config', 'core.fsmonitor', `touch ${marker}; echo`);
    git(root, 'config', 'core.pager', `touch ${marker}; cat`);
    const { exitCode, report } = await check(root);
    expect(existsSync(marker)).toBe(false);
    expect(findingsIn(report, `${SRC}/a.gen.ts`)).toEqual(FOUND);
    expect(exitCode).toBe(1);
  });

  // Only root can give the repository to another user, which is what makes git refuse it.
  it.skipIf(!RUNNING_AS_ROOT)('says so when git refuses to list the tracked files (a repository of another user)', async () => {
    const root = repository({ '.gitignore': '*.gen.ts\n', [`${SRC}/a.gen.ts`]: `${QUERY}\n` });
    git(root, 'init', '-q');
    git(root, 'add', '-f', `${SRC}/a.gen.ts`);
    execFileSync('chown', ['-R', '12345:12345', root]);
    const { report } = await check(root);
    expect(report.notifications).toEqual([
      { level: 'warning', message: expect.stringMatching(/^git did not list the tracked files \(fatal: detected dubious ownership .*\): files a \.gitignore lists were skipped even where git tracks them\.$/) },
    ]);
    expect(report.skipped).toEqual([{ path: `${SRC}/a.gen.ts`, reason: 'gitignore' }]);
  });

  it('reports a file under a folder whose name is not UTF-8 as not analysed, in its domain', async () => {
    const root = repository({ [`${SRC}/ok.ts`]: 'export const ok = 1;\n' });
    const folder = Buffer.concat([Buffer.from(path.join(root, SRC, 'caf')), Buffer.from([0xe9])]);
    mkdirSync(folder);
    writeFileSync(Buffer.concat([folder, Buffer.from('/x.ts')]), `${QUERY}\n`);
    writeFileSync(Buffer.concat([folder, Buffer.from('/notes.txt')]), 'not source\n');
    const { exitCode, report } = await check(root);
    expect(findingsIn(report, `${SRC}/caf\ufffd/x.ts`)).toEqual(NOT_ANALYSED);
    expect(report.findings.map((f) => f.file)).toEqual([`${SRC}/caf\ufffd/x.ts`]);
    expect(report.findings[0]!.message).toMatch(/not valid UTF-8/);
    expect(exitCode).toBe(1);
  });

  it('fails closed when a folder with a real U+FFFD in its name sits beside one whose name is not UTF-8', async () => {
    const root = repository({ [`${SRC}/caf\ufffd/x.ts`]: `${QUERY}\n` });
    mkdirSync(Buffer.concat([Buffer.from(path.join(root, SRC, 'caf')), Buffer.from([0xe9])]));
    const { exitCode, report } = await check(root);
    expect(findingsIn(report, `${SRC}/caf\ufffd/x.ts`)).toEqual(FOUND);
    expect(exitCode).toBe(1);
  });

  it('reports a FIFO named like a source file as not analysed, and scans a folder named like one', async () => {
    const root = repository({ [`${SRC}/folder.ts/inner.ts`]: `${QUERY}\n` });
    execFileSync('mkfifo', [path.join(root, SRC, 'pipe.ts')]);
    const { exitCode, report } = await check(root);
    expect(findingsIn(report, `${SRC}/pipe.ts`)).toEqual(NOT_ANALYSED);
    expect(findingsIn(report, `${SRC}/folder.ts/inner.ts`)).toEqual(FOUND);
    expect(report.notifications).toEqual([{ level: 'note', file: `${SRC}/folder.ts`, message: 'a folder named like a source file: the files in it were scanned' }]);
    expect(exitCode).toBe(1);
  });

  it('keeps a file whose name holds a line break in its domain', async () => {
    const root = repository({ [`${SRC}/new\nline.ts`]: `${QUERY}\n`, [`${SRC}/line\nbreak/x.ts`]: `${QUERY}\n` });
    const { exitCode, report } = await check(root);
    expect(findingsIn(report, `${SRC}/new\nline.ts`)).toEqual(FOUND);
    expect(findingsIn(report, `${SRC}/line\nbreak/x.ts`)).toEqual(FOUND);
    expect(exitCode).toBe(1);
  });

  it('counts links as skipped: they are never followed', async () => {
    const root = repository({ [`${SRC}/real.ts`]: 'export const a = 1;\n' });
    symlinkSync('real.ts', path.join(root, SRC, 'link.ts'));
    symlinkSync('..', path.join(root, SRC, 'up'));
    const { report } = await check(root);
    expect(report.skipped).toEqual([
      { path: `${SRC}/link.ts`, reason: 'link' },
      { path: `${SRC}/up`, reason: 'link' },
    ]);
  });

  it.skipIf(RUNNING_AS_ROOT)('reports a folder that cannot be listed as not analysed', async () => {
    const root = repository({ [`${SRC}/locked/x.ts`]: `${QUERY}\n` });
    chmodSync(path.join(root, SRC, 'locked'), 0o000);
    const { exitCode, report } = await check(root);
    expect(findingsIn(report, `${SRC}/locked`)).toEqual(NOT_ANALYSED);
    expect(exitCode).toBe(1);
  });
});

describe('property: random names, encodings and nesting never hide a planted blocking violation', () => {
  const segment = fc
    .oneof(
      fc.constantFrom('.lib', 'build', 'dist', 'out', 'coverage', 'node_modules', '.next', 'x.ts', 'src', '[id]', '(group)', '{a,b}', '*', '#', 'a b', 'new\nline', 'tab\t', 'ü', '日本', '\ufffd'),
      fc.string({ minLength: 1, maxLength: 8, unit: 'grapheme' }),
    )
    .filter((name) => !name.includes('/') && !name.includes('\0') && name !== '.' && name !== '..' && name !== '.git' && Buffer.byteLength(name) < 200);
  const extension = fc.constantFrom('ts', 'tsx', 'mts', 'cts', 'js', 'jsx', 'mjs', 'cjs', 'sql');
  const encoding = fc.constantFrom('utf8', 'utf8-bom', 'utf16le', 'utf16be', 'nul-in-comment', 'latin1-comment');
  const nesting = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1500 }));

  it('either the finding or a failing file-not-analysed finding appears, and --fail-on error fails', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { minLength: 0, maxLength: 3 }), segment, extension, encoding, nesting, async (folders, base, ext, enc, depth) => {
        const name = `${base}.${ext}`;
        fc.pre(!/\.d\.(ts|mts|cts)$/.test(name));
        const file = [SRC, ...folders, name].join('/');
        const sql = ext === 'sql';
        const statement = sql ? 'DELETE FROM ledger_entries;' : QUERY;
        const before = sql ? '' : depth > 0 ? nestedArray(depth) : '';
        const comment = sql ? '--' : '//';
        let body = `${before}${statement}\n`;
        if (enc === 'nul-in-comment') body = `${comment} \0\n${body}`;
        const bytes =
          enc === 'utf8-bom'
            ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)])
            : enc === 'utf16le'
              ? utf16(body, 'le')
              : enc === 'utf16be'
                ? utf16(body, 'be')
                : enc === 'latin1-comment'
                  ? Buffer.concat([Buffer.from(`${comment} caf`), Buffer.from([0xe9]), Buffer.from(`\n${body}`)])
                  : Buffer.from(body);
        const root = repository({ [file]: bytes });
        try {
          const { exitCode, report } = await check(root);
          const found = findingsIn(report, file);
          expect([FOUND, NOT_ANALYSED], JSON.stringify(file)).toContainEqual(found);
          expect(exitCode).toBe(1);
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      }),
      { numRuns: Number(process.env.SCHEMA_GUARD_PROPERTY_RUNS ?? 12) },
    );
  });
});
