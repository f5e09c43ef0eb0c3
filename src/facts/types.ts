/**
 * The fact model: what extraction finds in one file, with no knowledge of rules or the map.
 * Every location is 1-based line and 1-based column in UTF-16 code units of the file text.
 */

/** What a statement does to a table. `create` covers CREATE TABLE, CREATE TABLE … AS and SELECT INTO. */
export type Operation =
  | 'read'
  | 'insert'
  | 'update'
  | 'delete'
  | 'truncate'
  | 'merge'
  | 'copy'
  | 'create'
  | 'alter'
  | 'drop'
  | 'reference';

export const WRITE_OPERATIONS: ReadonlySet<Operation> = new Set([
  'insert', 'update', 'delete', 'truncate', 'merge', 'copy', 'create', 'alter', 'drop',
]);

export interface TableName {
  /** Schema as PostgreSQL would resolve it (unquoted folded to lower case); undefined when unqualified. */
  schema?: string;
  /** Table name as PostgreSQL would resolve it. */
  name: string;
}

export interface Location {
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
}

/** What a statement does to a table beyond its operation: ENABLE ROW LEVEL SECURITY, CREATE POLICY … ON it. */
export type AccessDetail = 'enable-rls' | 'policy';

/** Column-level facts of one access, for the rules that need them; each absent when unknown or not applicable. */
export interface AccessDetails {
  detail?: AccessDetail;
  /** create: the columns the statement defines (absent when it cannot tell: AS, LIKE, INHERITS, PARTITION OF); alter: the columns it adds. */
  columns?: string[];
  /** A FROM, JOIN, UPDATE or DELETE table: its columns the WHERE and JOIN conditions fix by equality or IN (possibly none). */
  constrained?: string[];
  /** A FROM, JOIN, UPDATE or DELETE table: its columns the select list and RETURNING name; `*` for all of them. */
  selected?: string[];
}

/** One table touched by one statement, as the SQL analyser reports it (offsets inside the SQL text). */
export interface SqlTableAccess extends AccessDetails {
  table: TableName;
  operation: Operation;
  /** UTF-16 offset of the table reference inside the analysed SQL text. */
  offset: number;
  /** Length of the reference in UTF-16 units. */
  length: number;
  /** True when the name came from an interpolation hole and cannot be known statically. */
  synthetic?: boolean;
  /** True when the table's name is known but its schema is an interpolation hole (`${schema}.jobs`, psql `:SCHEMA.jobs`). */
  schemaHole?: boolean;
  /** In a function body or DO block: which of its statements (from 1); each is a statement of its own in the facts. */
  part?: number;
}

export interface SqlStatementFacts {
  /** UTF-16 offset of the statement start inside the analysed SQL text. */
  offset: number;
  accesses: SqlTableAccess[];
}

export interface SqlParseError {
  message: string;
  /** UTF-16 offset inside the analysed SQL text where the parser stopped (0 when unknown). */
  offset: number;
}

export interface SqlAnalysis {
  statements: SqlStatementFacts[];
  /** Set when the text could not be parsed; statements may still hold what parsed before the error. */
  error?: SqlParseError;
  /** Every error found, one per failing statement or function body, in text order; `error` is the first. */
  errors?: SqlParseError[];
}

export type ImportKind = 'import' | 'export' | 'require' | 'dynamic-import';

export interface ImportFact extends Location {
  specifier: string;
  kind: ImportKind;
  typeOnly: boolean;
  /** Repository-relative POSIX path of the resolved file or folder, when it resolves inside the repository. */
  resolved?: string;
  /** Set when the import names the repository's own code (a relative path, a tsconfig alias, a workspace package) and leads to no file: why. */
  unresolved?: string;
}

/** A table access placed in the file, ready for the rules. */
export interface TableAccessFact extends Location, AccessDetails {
  table: TableName;
  operation: Operation;
  /** Index of the statement within the file (accesses of one statement share it). */
  statement: number;
  /** Name of the enclosing function or method, for fingerprints and baselines. */
  enclosingFunction?: string;
  /** True when the table could not be known statically (an interpolated name, a computed builder argument). */
  synthetic?: boolean;
  /**
   * True when the name is known but the schema was an interpolation hole: `table` has no schema then,
   * and the map decides which of its tables of that name is meant (resolveSchemaHoles).
   */
  schemaHole?: boolean;
  /** How the code reached the table: raw SQL, or the query builder / ORM the call goes through. */
  framework?: Framework;
  /**
   * For a builder / ORM access, the evidence that the call is a query: `type` when the receiver is known
   * to be the framework's client (its import, declared type or provenance), `shape` when only the call's
   * own distinctive shape says so (`x.selectFrom('t')` on a receiver nothing else explains).
   */
  resolvedBy?: 'type' | 'shape';
}

/** Raw SQL text, or the query builder / ORM a table access is written with. */
export type Framework = 'sql' | 'knex' | 'kysely' | 'drizzle' | 'prisma' | 'typeorm';

export interface SqlErrorFact extends Location {
  message: string;
  enclosingFunction?: string;
}

/** A `schema-guard-ignore-next-line` comment: the rules it names, why, and the line it covers. */
export interface SuppressionFact extends Location {
  /** Rule ids as written, in order. */
  rules: string[];
  /** The text after ` -- `; empty when the comment gives none. */
  reason: string;
  /** The line whose findings it suppresses: the next line that is not itself a suppression comment. */
  targetLine: number;
}

/**
 * Why a query site's table accesses could not be read: its SQL is not in the file's text (`not-static`),
 * it does not parse (`unparsed`), it begins with a piece known only at run time and does not parse
 * without it (`assembled`), or a table or schema it names is chosen at run time (`table-unknown`).
 */
export type UnreadReason = 'not-static' | 'unparsed' | 'assembled' | 'table-unknown';

/** A place that sends SQL or runs a query builder / ORM query, read or not: what coverage counts. */
export interface QuerySite extends Location {
  framework: Framework;
  /** Its accesses are those whose `statement` is at least `first` and below `end`. */
  statements: { first: number; end: number };
  /** Set when its accesses could not be read (at least not all of them). */
  unread?: UnreadReason;
}

export interface FileFacts {
  /** Repository-relative POSIX path. */
  file: string;
  language: 'typescript' | 'sql';
  /** `// @owner <domain-id>` header, when the file declares one. */
  ownerHeader?: { domain: string } & Location;
  imports: ImportFact[];
  accesses: TableAccessFact[];
  sqlErrors: SqlErrorFact[];
  suppressions: SuppressionFact[];
  /** Its query sites, read or not (absent in facts made before sites were counted, and for files not analysed). */
  sites?: QuerySite[];
  /** Problems that kept part of the file from being analysed (TypeScript syntax). */
  notes: Array<{ message: string } & Location>;
  /** Why the file could not be analysed at all (binary, too large, nested too deeply, unreadable): its facts are empty. */
  notAnalysed?: string;
}
