/**
 * One repository full of hostile and broken files beside an ordinary violating one. The scan ends
 * with a clean exit code; each hostile file yields a located finding, or a file-not-analysed finding
 * saying why it was not analysed; and the ordinary file is still reported.
 */
import { chmodSync, closeSync, ftruncateSync, openSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeRepo } from '../helpers.js';
import { runCli, SMALL_MAP, VIOLATING_FILE } from './cli-run.js';

interface JsonFinding {
  ruleId: string;
  level: string;
  file: string;
  line: number;
  column: number;
  message: string;
}
interface JsonNotification {
  level: string;
  file?: string;
  line?: number;
  column?: number;
  message: string;
}

const SRC = 'packages/shop/src';
const RUNNING_AS_ROOT = process.getuid?.() === 0;

function nestedSubqueries(depth: number): string {
  let sql = 'SELECT id FROM accounts';
  for (let i = 0; i < depth; i++) sql = `SELECT * FROM (${sql}) AS s${i}`;
  return sql;
}
const LONG_STATEMENT = `SELECT ${Array.from({ length: 14_000 }, (_, i) => `c${i}`).join(', ')}\nFROM accounts;\n`;

const LATIN1_LINE = `const q = () => pool.query("SELECT 'caf\xe9\xa0cr\xe8me' AS x, * FROM accounts");`;

let root: string;
let exitCode: number;
let findings: JsonFinding[];
let notifications: JsonNotification[];
let elapsed: number;

const at = (file: string, ruleId = 'cross-domain-query') =>
  findings.filter((f) => f.file === file && f.ruleId === ruleId).map((f) => `${f.line}:${f.column}`);
const notesOf = (file: string) => notifications.filter((n) => n.file === file);
const notAnalysed = (file: string) => findings.filter((f) => f.file === file && f.ruleId === 'file-not-analysed').map((f) => `${f.level}: ${f.message}`);

beforeAll(async () => {
  root = writeRepo({
    'ownership-map.yaml': SMALL_MAP,
    ...VIOLATING_FILE,
    [`${SRC}/bom.ts`]: "\ufeffexport const load = () => pool.query('SELECT * FROM accounts');\n",
    [`${SRC}/crlf.ts`]: "// CRLF\r\n\r\nexport const q = () => pool.query(`\r\n  SELECT *\r\n  FROM accounts`);\r\nconst r = sql`SELECT 1\r\nFROM   accounts`;\r\n",
    'packages/shop/migrations/crlf.sql': '-- CRLF\r\n\r\nSELECT *\r\n  FROM accounts;\r\nSELECT 1 FROM\r\n\r\n    accounts;\r\n',
    [`${SRC}/syntax.ts`]: "export const q = ( => pool.query('SELECT * FROM accounts')\nfunction {{{ class\n",
    [`${SRC}/unterminated.ts`]: "export const q = () => pool.query(\"SELECT * FROM accounts WHERE name = 'abc\");\nexport const d = () => sql`SELECT $$abc FROM accounts`;\n",
    'packages/shop/migrations/unterminated-quote.sql': "SELECT 1;\nSELECT 'abc FROM accounts;\n",
    'packages/shop/migrations/unterminated-dollar.sql': 'CREATE FUNCTION f() RETURNS int AS $body$\n  SELECT 1 FROM accounts;\n',
    'packages/shop/migrations/long-statement.sql': LONG_STATEMENT,
    'packages/shop/migrations/nested-200.sql': nestedSubqueries(200) + ';\n',
    'packages/shop/migrations/nested-3000.sql': nestedSubqueries(3000) + ';\n',
    [`${SRC}/nested-parens.ts`]: `export const v = ${'('.repeat(20_000)}1${')'.repeat(20_000)};\n`,
    [`${SRC}/long-concatenation.ts`]: `export const q = () => pool.query('SELECT * FROM accounts' + ${Array.from({ length: 5000 }, () => "' '").join(' + ')});\n`,
  });
  const write = (file: string, content: Buffer) => writeFileSync(path.join(root, file), content);
  write(`${SRC}/binary.ts`, Buffer.from([0x63, 0x6f, 0x6e, 0x73, 0x74, 0x00, 0x01, 0xff, 0xfe, 0x00]));
  // Latin-1 bytes: read as UTF-8, "é\u00a0" (E9 A0) would be one replacement character, shifting the table left.
  write(`${SRC}/latin1.ts`, Buffer.from(`// caf\xe9\n${LATIN1_LINE}\n`, 'latin1'));

  // 50 MB without writing 50 MB: a sparse file.
  const huge = openSync(path.join(root, SRC, 'generated.ts'), 'w');
  writeSync(huge, "pool.query('SELECT * FROM accounts');\n");
  ftruncateSync(huge, 50 * 1024 * 1024);
  closeSync(huge);

  if (!RUNNING_AS_ROOT) {
    writeFileSync(path.join(root, SRC, 'unreadable.ts'), "pool.query('SELECT * FROM accounts');\n");
    chmodSync(path.join(root, SRC, 'unreadable.ts'), 0o000);
  }

  // Links: loops, and ways out of the root to a file and a folder holding a violating file.
  const outside = writeRepo({ 'secret.ts': "pool.query('SELECT * FROM accounts');\n" });
  symlinkSync('.', path.join(root, SRC, 'loop'));
  symlinkSync('self.ts', path.join(root, SRC, 'self.ts'));
  symlinkSync(path.join(outside, 'secret.ts'), path.join(root, SRC, 'secret.ts'));
  symlinkSync(outside, path.join(root, SRC, 'outside'));

  const started = Date.now();
  const result = await runCli(['--root', root, '--format', 'json', '--no-cache']);
  elapsed = Date.now() - started;
  exitCode = result.exitCode;
  const report = JSON.parse(result.stdout) as { findings: JsonFinding[]; notifications: JsonNotification[]; errors: string[] };
  expect(result.stderr).toBe('');
  expect(report.errors).toEqual([]);
  findings = report.findings;
  notifications = report.notifications;
});

describe('a scan of a repository with hostile files', () => {
  it('finishes with a clean exit code, in seconds, and still reports the ordinary file', () => {
    expect(exitCode).toBe(0);
    expect(elapsed).toBeLessThan(20_000);
    expect(at('packages/shop/src/orders.ts')).toEqual(['1:53']);
  });

  it('reports binary content as not analysed, at level error', () => {
    expect(notesOf(`${SRC}/binary.ts`)).toEqual([]);
    expect(notAnalysed(`${SRC}/binary.ts`)).toEqual([
      'error: This file was not analysed, so no rule checked it: binary content (2 NUL characters and 2 bytes that are not UTF-8 in 10 characters).',
    ]);
  });

  it('reports a 50 MB file as not analysed, without reading it', () => {
    expect(notAnalysed(`${SRC}/generated.ts`)).toEqual(['error: This file was not analysed, so no rule checked it: 51200 kB is over the 2048 kB limit for source files.']);
    expect(at(`${SRC}/generated.ts`)).toEqual([]);
  });

  it('reads non-UTF-8 text as Latin-1, one column per byte', () => {
    expect(notesOf(`${SRC}/latin1.ts`)).toEqual([]);
    expect(at(`${SRC}/latin1.ts`)).toEqual([`2:${LATIN1_LINE.indexOf('accounts') + 1}`]);
  });

  it('does not count a UTF-8 BOM as a column', () => {
    expect(at(`${SRC}/bom.ts`)).toEqual(at('packages/shop/src/orders.ts'));
  });

  it('keeps lines and columns exact with CRLF line endings, in TypeScript and in .sql', () => {
    expect(at(`${SRC}/crlf.ts`)).toEqual(['5:8', '7:8']);
    expect(at('packages/shop/migrations/crlf.sql')).toEqual(['4:8', '7:5']);
  });

  it('reports TypeScript syntax errors as a located note and still finds the query', () => {
    const [note, ...more] = notesOf(`${SRC}/syntax.ts`);
    expect(more).toEqual([]);
    expect(note).toMatchObject({ level: 'note', line: 1, column: 20 });
    expect(note!.message).toMatch(/^TypeScript syntax error: /);
    expect(at(`${SRC}/syntax.ts`)).toEqual(['1:49']);
  });

  it('turns unterminated quotes and dollar-quotes into located SQL findings', () => {
    expect(at(`${SRC}/unterminated.ts`, 'sql-parse-error')).toEqual(['1:72', '2:35']);
    const messages = findings.filter((f) => f.file === `${SRC}/unterminated.ts`).map((f) => f.message);
    expect(messages[1]).toMatch(/unterminated dollar-quoted string/);
    expect(at('packages/shop/migrations/unterminated-quote.sql', 'sql-parse-error')).toEqual(['2:8']);
    expect(at('packages/shop/migrations/unterminated-dollar.sql', 'sql-parse-error')).toEqual(['1:36']);
  });

  it('analyses a 100 kB statement and places the table at its end', () => {
    expect(LONG_STATEMENT.length).toBeGreaterThan(100_000);
    expect(at('packages/shop/migrations/long-statement.sql')).toEqual(['2:6']);
  });

  it('analyses 200 nested subqueries; 3000 become a parse finding, not a crash', () => {
    expect(at('packages/shop/migrations/nested-200.sql')).toEqual([`1:${'SELECT * FROM ('.length * 200 + 'SELECT id FROM '.length + 1}`]);
    expect(at('packages/shop/migrations/nested-3000.sql', 'sql-parse-error')).toHaveLength(1);
  });

  it('reports TypeScript nested past the parser’s depth as not analysed, and reads long concatenations', () => {
    // In-process from the TypeScript sources there is no worker thread with a larger stack to try again (test/robustness/fail-closed.test.ts runs the built tool).
    expect(notAnalysed(`${SRC}/nested-parens.ts`)).toEqual(['error: This file was not analysed, so no rule checked it: nested too deeply to parse.']);
    expect(at(`${SRC}/long-concatenation.ts`)).toEqual(['1:50']);
  });

  it('never follows links: no loop, nothing from outside the root', () => {
    const scanned = new Set([...findings.map((f) => f.file), ...notifications.map((n) => n.file)]);
    for (const file of scanned) expect(file).not.toMatch(/\/(loop|outside|secret\.ts|self\.ts)\b/);
  });

  it('gives the same findings and notifications when worker threads do the extraction', async () => {
    const threaded = await runCli(['--root', root, '--format', 'json', '--no-cache', '--threads', '2']);
    expect(threaded.exitCode).toBe(0);
    const report = JSON.parse(threaded.stdout) as { findings: JsonFinding[]; notifications: JsonNotification[] };
    expect(report.findings).toEqual(findings);
    expect(report.notifications).toEqual(notifications);
  });

  it.skipIf(RUNNING_AS_ROOT)('reports an unreadable file as not analysed', () => {
    expect(notAnalysed(`${SRC}/unreadable.ts`)).toEqual(['error: This file was not analysed, so no rule checked it: could not be read (EACCES).']);
  });
});
