/**
 * Parser-independent part of the analysis: collecting facts, retrying with placeholders
 * normalized, and recovering from errors statement by statement.
 */
import type {
  AccessDetails, Operation, SqlAnalysis, SqlParseError, SqlStatementFacts, SqlTableAccess, TableName,
} from '../facts/types.js';
import { columnDetails, type QueryLevel } from './columns.js';
import { blankHoles, fillAllHoles, fillIdentifierHoles, isSyntheticTableName, normalizePlaceholders } from './placeholders.js';
import { qualifiedNameEnd, splitStatements } from './text.js';

export type SqlParserName = 'libpg-query' | 'pgsql-ast-parser';

export class ParseFailure extends Error {
  /** UTF-16 offset in the parsed text. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

/** Facts of a text that parsed; `errors` are non-fatal ones, e.g. in function bodies. */
export interface ParsedText {
  statements: SqlStatementFacts[];
  errors: SqlParseError[];
}

export interface Backend {
  readonly name: SqlParserName;
  /** Longer texts are refused without being parsed. */
  readonly maxLength?: number;
  /** Throws ParseFailure when the text does not parse. */
  parse(text: string): ParsedText;
}

/** The accesses of one statement, with the CTE names in scope. */
export class FactCollector {
  readonly accesses: SqlTableAccess[] = [];
  private readonly scopes: Array<Set<string>> = [];
  private readonly text: string;
  /** Column facts of the FROM and target tables of the query levels seen so far, by table offset. */
  private readonly rangeDetails = new Map<number, AccessDetails>();

  constructor(text: string) {
    this.text = text;
  }

  /** Called for a query level before its tables are added: they take its column facts. */
  level(level: QueryLevel): void {
    for (const [offset, details] of columnDetails(level)) this.rangeDetails.set(offset, details);
  }

  add(schema: string | undefined, name: string, operation: Operation, offset: number, details?: AccessDetails): void {
    if (schema === undefined && this.scopes.some((scope) => scope.has(name))) return; // a CTE
    // `${schema}.jobs`: the table is known by name, its schema is for the map to tell.
    const schemaHole = schema !== undefined && isSyntheticTableName(schema) && !isSyntheticTableName(name);
    const table: TableName = schema === undefined || schemaHole ? { name } : { schema, name };
    const length = qualifiedNameEnd(this.text, offset) - offset;
    const access: SqlTableAccess = { table, operation, offset, length };
    if (schemaHole) access.schemaHole = true;
    // A table whose name an interpolation hole hides gets no column facts: no rule can judge them.
    if (isSyntheticTableName(name) || (schema !== undefined && !schemaHole && isSyntheticTableName(schema))) {
      access.synthetic = true;
    } else {
      Object.assign(access, this.rangeDetails.get(offset), details);
    }
    this.accesses.push(access);
  }

  /** Take accesses found in an embedded text (a function body), placed by `toOuter`, as the body's statement `part`. */
  addEmbedded(accesses: SqlTableAccess[], toOuter: (index: number) => number, part: number): void {
    for (const access of accesses) {
      const offset = toOuter(access.offset);
      this.accesses.push({ ...access, offset, length: toOuter(access.offset + access.length) - offset, part });
    }
  }

  /** Run `body` in a new scope of CTE names, which `declare` adds to. */
  scope(body: (declare: (name: string) => void) => void): void {
    const names = new Set<string>();
    this.scopes.push(names);
    try {
      body((name) => names.add(name));
    } finally {
      this.scopes.pop();
    }
  }

  facts(offset: number): SqlStatementFacts {
    return { offset, accesses: [...this.accesses].sort((a, b) => a.offset - b.offset) };
  }
}

export function toFailure(error: unknown, offset = 0): ParseFailure {
  if (error instanceof ParseFailure) return error;
  return new ParseFailure(error instanceof Error ? error.message : String(error), offset);
}

/**
 * The texts tried in turn: as written; holes next to names as names; bind placeholders as values; then
 * two last resorts from there, every hole a name, or every hole blank.
 */
function* candidates(text: string): Generator<string> {
  yield text;
  const names = fillIdentifierHoles(text);
  yield names;
  const placeholders = normalizePlaceholders(names);
  yield placeholders;
  yield fillAllHoles(placeholders);
  yield blankHoles(placeholders);
}

function parseWithRetries(backend: Backend, text: string): ParsedText | ParseFailure {
  if (backend.maxLength !== undefined && text.length > backend.maxLength) {
    return new ParseFailure(
      `statement of ${text.length} characters exceeds the ${backend.maxLength}-character limit of ${backend.name}`,
      0,
    );
  }
  let failure: ParseFailure | undefined;
  const tried = new Set<string>();
  for (const candidate of candidates(text)) {
    if (tried.has(candidate)) continue;
    tried.add(candidate);
    try {
      return backend.parse(candidate);
    } catch (error) {
      // The error of the text as written (or nearly) is the one worth reporting.
      failure ??= toFailure(error);
    }
  }
  return failure!;
}

function shifted(parsed: ParsedText, by: number): ParsedText {
  return {
    statements: parsed.statements.map((s) => ({
      offset: s.offset + by,
      accesses: s.accesses.map((a) => ({ ...a, offset: a.offset + by })),
    })),
    errors: parsed.errors.map((e) => ({ ...e, offset: e.offset + by })),
  };
}

/** Never throws: a text that does not parse is retried statement by statement. */
export function analyzeSql(backend: Backend, sql: string): SqlAnalysis {
  let parsed = parseWithRetries(backend, sql);
  if (parsed instanceof ParseFailure) {
    const whole = parsed;
    const pieces = splitStatements(sql);
    if (pieces.length < 2) {
      parsed = { statements: [], errors: [{ message: whole.message, offset: whole.offset }] };
    } else {
      parsed = { statements: [], errors: [] };
      for (const piece of pieces) {
        const result = parseWithRetries(backend, piece.text);
        const part = result instanceof ParseFailure
          ? { statements: [], errors: [{ message: result.message, offset: result.offset }] }
          : result;
        const moved = shifted(part, piece.start);
        for (const statement of moved.statements) parsed.statements.push(statement);
        for (const error of moved.errors) parsed.errors.push(error);
      }
    }
  }
  const { statements, errors } = parsed;
  return errors.length > 0 ? { statements, error: errors[0], errors } : { statements };
}
