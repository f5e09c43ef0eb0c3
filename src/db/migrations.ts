/**
 * Migration files for `db check --migrations`: found by globs inside the root, read as untrusted
 * input (regular files inside the root only, of sane size, no symbolic link followed), put in
 * order and cut into statements with the location of each.
 */
import { lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { UsageError } from '../errors.js';
import { LineIndex } from '../facts/positions.js';
import { lexRegions, skipTrivia, splitStatements } from '../sql/text.js';

/** Where the migrations are looked for when neither --migrations nor --database-url is given. */
export const DEFAULT_MIGRATIONS_GLOB = '**/migrations/**/*.sql';

/** A larger file is not a hand-written migration (a data dump, perhaps): refused before it is read. */
export const MAX_MIGRATION_BYTES = 16 * 1024 * 1024;

export type StatementKind =
  /** Run as it is. */
  | 'sql'
  /** BEGIN, COMMIT, ROLLBACK, SAVEPOINT …: skipped; each statement commits on its own. */
  | 'transaction'
  /** COPY … FROM STDIN / TO STDOUT / PROGRAM: needs a client at the other end, or a process. Skipped. */
  | 'copy';

export interface MigrationStatement {
  /** Repository-relative POSIX path. */
  file: string;
  /** The statement's text, from its first token. */
  sql: string;
  line: number;
  column: number;
  kind: StatementKind;
  /** The extension a CREATE EXTENSION statement creates. */
  extension?: string;
}

export interface MigrationFile {
  file: string;
  text: string;
  statements: MigrationStatement[];
}

/** A file a glob matched that could not be used, and why. */
export interface UnreadableMigration {
  file: string;
  problem: string;
}

/**
 * The files the globs match inside the root, in order: the globs in the order given, each one's
 * files by natural order of their paths (`2_x.sql` before `10_x.sql`); a file matched twice keeps
 * its first place. node_modules and the map's `ignore` globs are left out.
 */
export async function findMigrationFiles(root: string, globs: readonly string[], ignore: readonly string[]): Promise<string[]> {
  const ordered: string[] = [];
  const seen = new Set<string>();
  for (const pattern of globs) {
    if (path.isAbsolute(pattern) || pattern.split('/').includes('..')) {
      throw new UsageError(`--migrations ${pattern}: expected a glob relative to the root (${root}), inside it.`);
    }
    const files = await glob(pattern, { cwd: root, ignore: ['**/node_modules/**', ...ignore], onlyFiles: true, followSymbolicLinks: false, dot: false, expandDirectories: false });
    for (const file of files.sort(naturalCompare)) {
      if (!seen.has(file)) ordered.push(file), seen.add(file);
    }
  }
  return ordered;
}

/** The file's text cut into statements, or why it cannot be used. */
export function readMigration(root: string, file: string): MigrationFile | UnreadableMigration {
  const absolute = path.join(root, file);
  let text: string;
  try {
    // Globs follow no symbolic link (as check's discovery): one named on its own is refused too, wherever it points.
    const target = lstatSync(absolute);
    if (target.isSymbolicLink()) return { file, problem: 'it is a symbolic link, and db check follows none' };
    if (!target.isFile()) return { file, problem: 'it is not a regular file' };
    if (target.size > MAX_MIGRATION_BYTES) return { file, problem: `it has ${Math.round(target.size / 1024)} kB, more than the ${MAX_MIGRATION_BYTES / 1024 / 1024} MB a migration may have` };
    const buffer = readFileSync(absolute);
    if (buffer.includes(0)) return { file, problem: 'it holds NUL bytes: it is not SQL text' };
    text = buffer.toString('utf8');
  } catch (error) {
    return { file, problem: `it cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
  return { file, text, statements: splitMigration(file, text) };
}

/** The statements of a migration, each located at its first token. */
export function splitMigration(file: string, text: string): MigrationStatement[] {
  const lines = new LineIndex(text);
  return splitStatements(text).map((piece) => {
    const start = skipTrivia(piece.text, 0);
    const sql = piece.text.slice(start).trimEnd();
    const { line, column } = lines.locate(piece.start + start);
    const extension = createdExtension(sql);
    return { file, sql, line, column, kind: kindOf(sql), ...(extension ? { extension } : {}) };
  });
}

const TRANSACTION_CONTROL = /^(?:begin|start\s+transaction|commit|end|rollback|abort|savepoint|release|prepare\s+transaction)\b/i;

function kindOf(sql: string): StatementKind {
  if (TRANSACTION_CONTROL.test(sql)) return 'transaction';
  const code = codeOnly(sql);
  if (/^copy\b/i.test(code) && /\b(?:stdin|stdout|program)\b/i.test(code)) return 'copy';
  return 'sql';
}

/** The extension a CREATE EXTENSION statement names, as PostgreSQL reads the name. */
function createdExtension(sql: string): string | undefined {
  const match = /^create\s+extension\s+(?:if\s+not\s+exists\s+)?("(?:[^"]|"")+"|[a-z_][\w$-]*)/i.exec(sql);
  if (!match) return undefined;
  const name = match[1]!;
  return name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name.toLowerCase();
}

/** The text with literals and comments blanked out, so that keywords are found only in code. */
function codeOnly(sql: string): string {
  return lexRegions(sql)
    .map((region) => (region.code ? sql.slice(region.start, region.end) : ' '.repeat(region.end - region.start)))
    .join('');
}

/** Paths by natural order: runs of digits compare as numbers, everything else by UTF-16 code unit. */
export function naturalCompare(a: string, b: string): number {
  const chunks = (s: string) => s.match(/\d+|\D+/g) ?? [];
  const [x, y] = [chunks(a), chunks(b)];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const [p, q] = [x[i]!, y[i]!];
    if (p === q) continue;
    if (/^\d/.test(p) && /^\d/.test(q)) {
      const [m, n] = [p.replace(/^0+(?=\d)/, ''), q.replace(/^0+(?=\d)/, '')];
      if (m.length !== n.length) return m.length - n.length;
      if (m !== n) return m < n ? -1 : 1;
      // Equal numbers written differently (01, 1): fewer leading zeros first.
      return p.length - q.length;
    }
    return p < q ? -1 : 1;
  }
  return x.length - y.length;
}

/** The line and column of a character of a statement's text (a 0-based index into `sql`). */
export function locateIn(statement: Pick<MigrationStatement, 'sql' | 'line' | 'column'>, index: number): { line: number; column: number } {
  const before = statement.sql.slice(0, Math.max(0, Math.min(index, statement.sql.length)));
  const breaks = before.match(/\r\n|\r|\n/g)?.length ?? 0;
  if (breaks === 0) return { line: statement.line, column: statement.column + before.length };
  const lastBreak = Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r'));
  return { line: statement.line + breaks, column: before.length - lastBreak };
}
