/**
 * Properties of whole-file extraction over generated input: SQL files and TypeScript files that embed
 * generated SQL in query calls, sql`…` templates with holes, concatenations and `{ text }` objects,
 * with LF, CRLF and a BOM. Extraction never throws, every location lies inside the file, and a
 * table access points at the table's name in the file.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { extractFile, type ExtractContext } from '../../src/extract/file.js';
import type { FileFacts, Location } from '../../src/facts/types.js';
import { createSqlAnalyzer, type SqlAnalyzer } from '../../src/sql/index.js';

const RUNS = Number(process.env.PROP_RUNS ?? 100);

// ---- SQL ----------------------------------------------------------------------------------------

const TABLES = ['accounts', 'orders', 'ledger_entries', 'Accounts', 'café', '"Quoted Name"', 'public.accounts', 'billing.invoices', 't'];
const table = fc.constantFrom(...TABLES);
const value = fc.constantFrom('1', "'x'", '$1', "'é😀'", 'NULL', "'it''s'", '$$d$$', 'now()');

const query: fc.Arbitrary<string> = fc.letrec<{ query: string }>((tie) => ({
  query: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    table.map((t) => `SELECT * FROM ${t}`),
    fc.tuple(table, table, value).map(([a, b, v]) => `SELECT a.id FROM ${a} a JOIN ${b} b ON a.id = b.id WHERE a.x = ${v}`),
    fc.tuple(table, tie('query')).map(([t, q]) => `SELECT * FROM ${t} WHERE id IN (${q})`),
    fc.tuple(tie('query'), table).map(([q, t]) => `WITH w AS (${q}) SELECT * FROM w, ${t}`),
    fc.tuple(tie('query')).map(([q]) => `SELECT count(*) FROM (${q}) AS sub`),
  ),
})).query;

const statement = fc.oneof(
  query,
  fc.tuple(table, value).map(([t, v]) => `INSERT INTO ${t} (a) VALUES (${v})`),
  fc.tuple(table, table, value).map(([t, s, v]) => `UPDATE ${t} SET a = ${v} FROM ${s} WHERE ${s}.id = ${t}.id`),
  fc.tuple(table, query).map(([t, q]) => `DELETE FROM ${t} WHERE id IN (${q})`),
  table.map((t) => `CREATE TABLE ${t} (id bigint PRIMARY KEY, ref int REFERENCES orders (id))`),
  table.map((t) => `ALTER TABLE ${t} ADD COLUMN c text`),
  table.map((t) => `CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $fn$ BEGIN DELETE FROM ${t}; END $fn$`),
);

/** Garbage: the tokens that trip lexers (quotes, dollar quotes, comments, placeholders), in any order. */
const soup = fc
  .array(
    fc.constantFrom(
      'select', 'from', 'insert into', 'where', 'join', 'begin atomic', 'end', ' ', '\n', '\r\n', '*', 'accounts', 'é', '😀', ';', ',', '.',
      '(', ')', "'", '"', '$$', '$a$', '$1', '?', '??', ':a', ':a:', '::int', '--', '/*', '*/', '\\', '`', '${',
    ),
    { maxLength: 30 },
  )
  .map((tokens) => tokens.join(''));

const WHITESPACE = [' ', '\n', '\r\n', '\t', '  ', '\n\n'];
/** Statements joined by `;`, every space outside quoted names possibly widened to other whitespace and line endings. */
const sqlText = fc
  .tuple(fc.array(fc.oneof({ weight: 4, arbitrary: statement }, { weight: 1, arbitrary: soup }), { minLength: 1, maxLength: 4 }), fc.infiniteStream(fc.constantFrom(...WHITESPACE)))
  .map(([statements, spaces]) => statements.join(';\n').replace(/"[^"]*"| /g, (m) => (m === ' ' ? (spaces.next().value as string) : m)));

// ---- TypeScript embedding -----------------------------------------------------------------------

const escapeQuoted = (sql: string, quote: string) =>
  sql.replace(/\\/g, '\\\\').replace(new RegExp(quote, 'g'), `\\${quote}`).replace(/\r/g, '\\r').replace(/\n/g, '\\n');
const escapeTemplate = (sql: string) => sql.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${');
/** Split at whitespace outside "quoted names" only, so that no table name spans two pieces. */
const splitAtSpaces = (sql: string, parts: number) => {
  const pieces: string[] = [];
  for (const piece of sql.split(/(?<=\s)/)) {
    const open = pieces.length > 0 && pieces[pieces.length - 1]!.split('"').length % 2 === 0;
    if (open) pieces[pieces.length - 1] += piece;
    else pieces.push(piece);
  }
  const size = Math.ceil(pieces.length / parts);
  return Array.from({ length: parts }, (_, i) => pieces.slice(i * size, (i + 1) * size).join('')).filter(Boolean);
};

type Embedding = (sql: string) => string;
const EMBEDDINGS: Record<string, Embedding> = {
  single: (sql) => `await pool.query('${escapeQuoted(sql, "'")}', [id]);`,
  double: (sql) => `const rows = await db.query("${escapeQuoted(sql, '"')}");`,
  template: (sql) => `await client.query(\`${escapeTemplate(sql)}\`);`,
  tagged: (sql) => `const q = sql\`${splitAtSpaces(escapeTemplate(sql), 3).join('${id} ')}\`;`,
  concatenation: (sql) => `await pool.query(${splitAtSpaces(sql, 3).map((p) => `'${escapeQuoted(p, "'")}'`).join(' +\n    ')} + suffix);`,
  object: (sql) => `await pool.query({ text: '${escapeQuoted(sql, "'")}', values: [1] });`,
  constant: (sql) => `const QUERY = '${escapeQuoted(sql, "'")}';\nexport const run = () => pool.query(QUERY);`,
};

const PRELUDES = [
  '',
  "import { pool } from '../db/pool.js';\n",
  "// @owner shop\nimport type { Row } from '@acme/types';\nconst id = 1;\n",
  'export class Repo {\n  async load(): Promise<void> {\n',
  'function broken( {\n',
  '  // schema-guard-ignore-next-line cross-domain-query -- legacy report, see #12\n',
];

const typescriptFile = fc
  .record({
    sql: sqlText,
    embedding: fc.constantFrom(...Object.keys(EMBEDDINGS)),
    prelude: fc.constantFrom(...PRELUDES),
    crlf: fc.boolean(),
    bom: fc.boolean(),
  })
  .map(({ sql, embedding, prelude, crlf, bom }) => {
    let text = `${prelude}${EMBEDDINGS[embedding]!(sql)}\n`;
    if (crlf) text = text.replace(/\r?\n/g, '\r\n');
    return (bom ? '\ufeff' : '') + text;
  });

const sqlFile = fc
  .tuple(sqlText, fc.boolean(), fc.boolean())
  .map(([sql, bom, suppressed]) => `${bom ? '\ufeff' : ''}-- migration\n${suppressed ? '-- schema-guard-ignore-next-line unmapped-table\n' : ''}${sql};\n`);

// ---- Checks -------------------------------------------------------------------------------------

/** Lines of the text as extraction sees it (without a BOM), split at \r\n, \r and \n. */
function linesOf(rawText: string): string[] {
  return (rawText.charCodeAt(0) === 0xfeff ? rawText.slice(1) : rawText).split(/\r\n|\r|\n/);
}

function offsetOf(lines: string[], text: string, line: number, column: number): number {
  let offset = 0;
  for (let i = 0; i < line - 1; i++) {
    offset += lines[i]!.length;
    offset += text.startsWith('\r\n', offset) ? 2 : 1;
  }
  return offset + column - 1;
}

function locations(facts: FileFacts): Array<[string, Location]> {
  return [
    ...facts.accesses.map((a): [string, Location] => [`access ${a.table.name}`, a]),
    ...facts.sqlErrors.map((e): [string, Location] => [`sql error ${e.message}`, e]),
    ...facts.imports.map((i): [string, Location] => [`import ${i.specifier}`, i]),
    ...facts.notes.map((n): [string, Location] => [`note ${n.message}`, n]),
    ...facts.suppressions.map((s): [string, Location] => [`suppression of ${s.rules.join(', ')}`, s]),
    ...(facts.ownerHeader ? [['owner header', facts.ownerHeader] as [string, Location]] : []),
  ];
}

/** Every location is a real position of the file: 1-based, and at most one past a line's last character. */
function expectInside(rawText: string, facts: FileFacts): void {
  const lines = linesOf(rawText);
  const inside = (line: number, column: number) =>
    Number.isInteger(line) && Number.isInteger(column) && line >= 1 && line <= lines.length && column >= 1 && column <= lines[line - 1]!.length + 1;
  for (const [what, at] of locations(facts)) {
    expect(inside(at.line, at.column), `${what} starts at ${at.line}:${at.column}`).toBe(true);
    if (at.endLine === undefined) continue;
    expect(inside(at.endLine, at.endColumn ?? 1), `${what} ends at ${at.endLine}:${at.endColumn}`).toBe(true);
    expect(at.endLine > at.line || (at.endLine === at.line && (at.endColumn ?? at.column) >= at.column), `${what} ends before it starts`).toBe(true);
  }
}

const JS_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t' };

/**
 * A table access spans the table's name as the file spells it (case and quotes, escaped or not,
 * aside; in a TypeScript string a newline in a quoted name is spelled `\n`).
 */
function expectAccessesOnNames(rawText: string, facts: FileFacts, language: 'typescript' | 'sql'): void {
  const text = rawText.charCodeAt(0) === 0xfeff ? rawText.slice(1) : rawText;
  const lines = linesOf(rawText);
  for (const access of facts.accesses) {
    // A hole right after a name (`'FROM t' + suffix`) is part of the name, as at run time: skipped.
    if (access.synthetic || access.endLine === undefined || /\$\d/.test(access.table.name)) continue;
    const start = offsetOf(lines, text, access.line, access.column);
    const end = offsetOf(lines, text, access.endLine, access.endColumn!);
    const written = text.slice(start, end);
    const unescaped = language === 'typescript' ? written.replace(/\\(["'\\nrt])/g, (_, c: string) => JS_ESCAPES[c] ?? c) : written;
    const spelled = unescaped.replace(/\\?"/g, '').toLowerCase();
    expect(spelled.endsWith(access.table.name.toLowerCase()), `access to ${access.table.name} spans "${text.slice(start, end)}"`).toBe(true);
  }
}

describe.each(['libpg-query', 'pgsql-ast-parser'] as const)('extraction with %s', (parser) => {
  let context: ExtractContext;
  beforeAll(async () => {
    const analyzer: SqlAnalyzer = await createSqlAnalyzer(parser);
    context = { analyzer };
  });

  it('never throws on a TypeScript file and keeps every location inside it', () => {
    fc.assert(
      fc.property(typescriptFile, (text) => {
        const facts = extractFile('packages/shop/src/repo.ts', text, context);
        expectInside(text, facts);
        expectAccessesOnNames(text, facts, 'typescript');
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws on a .sql file and keeps every location inside it', () => {
    fc.assert(
      fc.property(sqlFile, (text) => {
        const facts = extractFile('migrations/0001.sql', text, context);
        expectInside(text, facts);
        expectAccessesOnNames(text, facts, 'sql');
      }),
      { numRuns: RUNS },
    );
  });
});
