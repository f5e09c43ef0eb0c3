/**
 * Applies migration files, in order, to the embedded database, statement by statement, and keeps
 * which statement created each relation, foreign key and policy: findings are located there.
 *
 * A statement that fails is reported with its file and line, and the run goes on with the next
 * statement. Once every file ran, the failed statements run again, in order, as long as some of
 * them succeed: a statement that needed a table of a later file (another module's migrations
 * folder sorted after its own) then applies, and is reported as applied out of order. A statement
 * that still fails is a migration-error finding, and what it would have created is missing from
 * the check; later statements that needed it fail in turn, each reported.
 *
 * A statement that overruns its time, crashes the embedded database or leaves it unable to answer
 * ends that database: a new one is started, the statements that had succeeded are applied to it
 * again, and the run goes on after the statement, which is reported.
 */
import type { Location } from '../facts/types.js';
import { BUNDLED_EXTENSIONS, EmbeddedDatabase, type ExecOutcome } from './sandbox.js';
import { lexRegions } from '../sql/text.js';
import { locateIn, type MigrationFile, type MigrationStatement } from './migrations.js';
import type { MigrationFailure } from '../rules/db/context.js';
import type { Notification } from '../outcome.js';

/** The statement that created an object. */
export interface Placement extends Location {
  file: string;
  sql: string;
}


export interface AppliedMigrations {
  /** The statement that created each relation, foreign key and policy still present, by oid. */
  placements: Map<string, Placement>;
  failures: MigrationFailure[];
  notifications: Notification[];
  /** The database, with every statement that applied: its catalog is what the rules read. */
  database: EmbeddedDatabase;
}

export interface ApplyOptions {
  /** Per statement. */
  timeoutMs: number;
  /** Started databases get the run's bundled extensions; tests may pass their own. */
  start?: (extensions: string[]) => Promise<EmbeddedDatabase>;
}

/** How many times a run starts a new embedded database before it gives up on the migrations after. */
const MAX_RESTARTS = 3;

/**
 * Writes to PostgreSQL's own catalog could make the catalog say what the migrations did not do
 * (a table without row-level security marked with it): such statements are refused.
 */
const CATALOG_TAMPERING = /\b(?:(?:update|insert\s+into|delete\s+from|truncate(?:\s+table)?|merge\s+into)\s+(?:only\s+)?(?:"?pg_catalog"?\s*\.\s*)?"?pg_[a-z_]+"?|allow_system_table_mods)\b/i;

export async function applyMigrations(files: readonly MigrationFile[], options: ApplyOptions): Promise<AppliedMigrations> {
  const start = options.start ?? ((extensions: string[]) => EmbeddedDatabase.start(extensions));
  const statements = files.flatMap((file) => file.statements);
  const extensions = [...new Set(statements.flatMap((s) => (s.extension && Object.hasOwn(BUNDLED_EXTENSIONS, s.extension) ? [s.extension] : [])))];
  const notifications: Notification[] = [];
  const placements = new Map<string, Placement>();
  const succeeded: MigrationStatement[] = [];
  const failed: Failed[] = [];
  let database = await start(extensions);
  let restarts = 0;
  let watermark = await highestOid(database);

  /** Runs one statement; false when the database broke and a new one could not be readied. */
  const run = async (statement: MigrationStatement): Promise<{ outcome: ExecOutcome; usable: boolean }> => {
    const outcome = await database.exec(statement.sql, options.timeoutMs);
    if (outcome.ok) {
      succeeded.push(statement);
      watermark = await recordCreated(database, watermark, statement, placements);
      return { outcome, usable: true };
    }
    if (!('broken' in outcome)) return { outcome, usable: true };
    if (++restarts > MAX_RESTARTS) return { outcome, usable: false };
    database = await start(extensions);
    // What had applied applies again, on the fresh database, each statement placing its objects anew.
    placements.clear();
    watermark = await highestOid(database);
    for (const again of succeeded) {
      const replay = await database.exec(again.sql, options.timeoutMs);
      if (!replay.ok) return { outcome, usable: false };
      watermark = await recordCreated(database, watermark, again, placements);
    }
    return { outcome, usable: true };
  };

  let usable = true;
  for (const statement of statements) {
    const skip = skipped(statement);
    if (skip) {
      if (skip.note) notifications.push({ level: 'warning', message: skip.note, file: statement.file, line: statement.line, column: statement.column });
      if (skip.failure) failed.push({ statement, message: skip.failure });
      continue;
    }
    if (!usable) {
      failed.push({ statement, message: 'not applied: the embedded database was restarted too often after statements before it' });
      continue;
    }
    const result = await run(statement);
    usable = result.usable;
    if (!result.outcome.ok) failed.push(failedWith(statement, result.outcome));
  }

  // Later files may have created what a failed statement needed: retry while some succeed.
  const late: Failed[] = [];
  let pending = failed.splice(0).filter(({ statement }) => !skipped(statement));
  const refused = failedSkips(statements);
  for (let progress = true; progress && pending.length > 0 && usable; ) {
    progress = false;
    const still: typeof pending = [];
    for (const entry of pending) {
      const result = await run(entry.statement);
      usable &&= result.usable;
      if (result.outcome.ok) {
        progress = true;
        late.push(entry);
      } else {
        still.push(failedWith(entry.statement, result.outcome));
      }
    }
    pending = still;
  }

  notifications.push(...lateNotes(late));
  const failures = [...pending, ...refused].map(({ statement, message, position }): MigrationFailure => {
    // PostgreSQL's error may point at a token: said in the message, the finding stays on the statement (where a suppression comment covers it).
    const token = position === undefined ? undefined : locateIn(statement, position - 1);
    return {
      file: statement.file,
      line: statement.line,
      column: statement.column,
      message: token ? `${message}, at line ${token.line}, column ${token.column}` : message,
      sql: statement.sql,
    };
  });
  return { placements, failures, notifications, database };
}

/** Why a statement is not run, and whether that is a note (skipped, harmless) or a failure (its effect is missing). */
function skipped(statement: MigrationStatement): { note?: string; failure?: string } | undefined {
  if (statement.kind === 'transaction') return {};
  if (statement.kind === 'copy') {
    return { note: 'COPY from or to the client, or a program, is skipped: it needs a client at the other end. The rows it would copy are not needed to check the schema.' };
  }
  if (CATALOG_TAMPERING.test(executableText(statement.sql))) {
    return { failure: "refused: it writes PostgreSQL's own catalog, which would make the catalog that db check reads untrustworthy" };
  }
  return undefined;
}

/** One warning per file whose statements applied only after later files: its first such statement, and how many. */
function lateNotes(late: readonly Failed[]): Notification[] {
  const byFile = new Map<string, Failed[]>();
  for (const entry of late) byFile.set(entry.statement.file, [...(byFile.get(entry.statement.file) ?? []), entry]);
  return [...byFile.values()].map((entries) => {
    const first = entries.reduce((a, b) => (b.statement.line < a.statement.line ? b : a));
    const others = entries.length - 1;
    return {
      level: 'warning',
      message:
        `Applied only after later migration files, which create what it needs (it first failed: ${first.message})` +
        `${others > 0 ? `; so did ${others} more statement${others === 1 ? '' : 's'} of this file` : ''}. The files' order does not follow their dependencies (--migrations applies its globs in the order given, each one's files in path order).`,
      file: first.statement.file,
      line: first.statement.line,
      column: first.statement.column,
    };
  });
}

interface Failed {
  statement: MigrationStatement;
  message: string;
  /** 1-based character position in the statement that PostgreSQL's error points at. */
  position?: number;
}

function failedWith(statement: MigrationStatement, outcome: Exclude<ExecOutcome, { ok: true }>): Failed {
  const position = 'error' in outcome ? outcome.error.position : undefined;
  return { statement, message: failureMessage(outcome), ...(position === undefined ? {} : { position }) };
}

/**
 * The text that can run: code, quoted names and dollar-quoted bodies (a function's or a DO block's,
 * where dynamic SQL is written), without comments and plain string literals, which run nothing.
 */
function executableText(sql: string): string {
  return lexRegions(sql)
    .map(({ start, end, code }) => (code || sql[start] === '"' || sql[start] === '$' ? sql.slice(start, end) : ' '.repeat(end - start)))
    .join('');
}

function failedSkips(statements: readonly MigrationStatement[]): Failed[] {
  return statements.flatMap((statement) => {
    const failure = skipped(statement)?.failure;
    return failure ? [{ statement, message: failure }] : [];
  });
}

function failureMessage(outcome: Exclude<ExecOutcome, { ok: true }>): string {
  if ('broken' in outcome) return `${outcome.broken}; the embedded database was started again without it`;
  return `${outcome.error.message}${outcome.error.code ? ` (SQLSTATE ${outcome.error.code})` : ''}`;
}

const OBJECTS_SINCE = `
SELECT oid::text AS oid FROM pg_catalog.pg_class WHERE oid > $1::pg_catalog.oid AND relkind IN ('r', 'p', 'v', 'm', 'f')
UNION ALL SELECT oid::text FROM pg_catalog.pg_constraint WHERE oid > $1::pg_catalog.oid AND contype = 'f'
UNION ALL SELECT oid::text FROM pg_catalog.pg_policy WHERE oid > $1::pg_catalog.oid`;

/**
 * Relations, foreign keys and policies created since `watermark` are the statement's. OIDs of a
 * fresh cluster only grow, so the statement's objects are those above the highest OID seen before it.
 */
async function recordCreated(database: EmbeddedDatabase, watermark: string, statement: MigrationStatement, placements: Map<string, Placement>): Promise<string> {
  const rows = await database.query<{ oid: string }>(OBJECTS_SINCE, [watermark]);
  let highest = watermark;
  for (const { oid } of rows) {
    placements.set(oid, { file: statement.file, line: statement.line, column: statement.column, sql: statement.sql });
    if (BigInt(oid) > BigInt(highest)) highest = oid;
  }
  return highest;
}

async function highestOid(database: EmbeddedDatabase): Promise<string> {
  const [row] = await database.query<{ oid: string }>(
    `SELECT GREATEST((SELECT max(oid) FROM pg_catalog.pg_class), (SELECT max(oid) FROM pg_catalog.pg_constraint), (SELECT COALESCE(max(oid), 0::pg_catalog.oid) FROM pg_catalog.pg_policy))::text AS oid`,
  );
  return row!.oid;
}
