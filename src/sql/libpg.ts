/**
 * The libpg-query backend: PostgreSQL's own parser compiled to WASM. Node locations are UTF-8
 * byte offsets, converted here to UTF-16. PL/pgSQL bodies go through parsePlPgSQLSync.
 */
import type * as LibpgQuery from 'libpg-query';
import type { AccessDetails, Operation, SqlParseError } from '../facts/types.js';
import { applyV8Flags } from '../v8-flags.js';
import { type Backend, FactCollector, ParseFailure, type ParsedText, toFailure } from './engine.js';
import { fillIdentifierHolesInBody } from './placeholders.js';
import { alteredDetails, createdColumns, type LevelParts, libpgLevel } from './libpg-columns.js';
import { type BodyText, byteToUtf16, codePointToUtf16, locateBody, qualifiedNameEnd, skipTrivia } from './text.js';

type Json = { [key: string]: unknown };

const isObj = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
/** The `{ String: { sval } }` node's value. */
const sval = (node: unknown): string | undefined =>
  isObj(node) && isObj(node.String) ? str(node.String.sval) : undefined;

let loading: Promise<void> | undefined;
let libpg: typeof LibpgQuery | undefined;

/** Loads the WASM module once (it reserves ~139MB), on first use. */
export function loadLibpgQuery(): Promise<void> {
  return (loading ??= load());
}

async function load(): Promise<void> {
  applyV8Flags(); // before the module is compiled
  const module = await import('libpg-query');
  await module.loadModule();
  libpg = module;
}

/** The loaded module; the SQL analyzer exists only once loadLibpgQuery() has resolved. */
function loaded(): typeof LibpgQuery {
  if (!libpg) throw new Error('libpg-query is not loaded');
  return libpg;
}

const MERGE_ACTIONS: Record<string, Operation> = { CMD_INSERT: 'insert', CMD_UPDATE: 'update', CMD_DELETE: 'delete' };
const DROPPED = new Set(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE']);
const NOT_TABLES = new Set(['OBJECT_INDEX', 'OBJECT_SEQUENCE']);
// Objects dropped with `DROP … name ON table`: dropping them alters the table.
const ON_TABLE = new Set(['OBJECT_POLICY', 'OBJECT_TRIGGER', 'OBJECT_RULE']);
// Skips the keywords of DROP TABLE / VIEW / MATERIALIZED VIEW / FOREIGN TABLE [IF EXISTS].
const DROP_PREFIX = /drop\s+(?:materialized\s+view|foreign\s+table|table|view)\s+(?:if\s+exists\s+)?/iy;

/** The error cursor counts code points (PostgreSQL's pg_mbstrlen), unlike node locations. */
function parseFailure(error: unknown, text: string): ParseFailure {
  const details = isObj(error) && isObj(error.sqlDetails) ? error.sqlDetails : undefined;
  const cursor = typeof details?.cursorPosition === 'number' ? details.cursorPosition : 0;
  return toFailure(error, codePointToUtf16(text)(cursor));
}

export function parseLibpg(text: string): ParsedText {
  let tree: ReturnType<typeof LibpgQuery.parseSync>;
  try {
    tree = loaded().parseSync(text);
  } catch (error) {
    throw parseFailure(error, text);
  }
  const bytes = byteToUtf16(text);
  const errors: SqlParseError[] = [];
  const statements = (tree.stmts ?? []).map((raw) => {
    const start = bytes(raw.stmt_location ?? 0);
    const end = raw.stmt_len ? bytes((raw.stmt_location ?? 0) + raw.stmt_len) : text.length;
    const walker = new Walker(text, bytes, start, end, errors);
    walker.walk(raw.stmt, undefined);
    return walker.out.facts(skipTrivia(text, start));
  });
  return { statements, errors };
}

export const libpgBackend: Backend = { name: 'libpg-query', parse: parseLibpg };

/** Walks one statement. A RangeVar is reported only where the context gives it an operation. */
class Walker {
  readonly out: FactCollector;
  /** How many statements of function bodies and DO blocks this statement holds so far. */
  private bodyParts = 0;

  constructor(
    private readonly text: string,
    private readonly bytes: (byte: number) => number,
    private readonly start: number,
    private readonly end: number,
    private readonly errors: SqlParseError[],
  ) {
    this.out = new FactCollector(text);
  }

  walk(node: unknown, op: Operation | undefined): void {
    if (Array.isArray(node)) {
      for (const item of node) this.walk(item, op);
      return;
    }
    if (!isObj(node)) return;
    // for…in, not Object.entries: this runs for every node of every statement (parsed JSON has no inherited keys).
    for (const key in node) {
      const value = node[key];
      if (!isObj(value) || !this.node(key, value, op)) this.walk(value, op);
    }
  }

  /** Walk every field but `skip` with `op`. */
  private rest(node: Json, skip: string[], op: Operation | undefined): void {
    for (const key in node) if (!skip.includes(key)) this.walk(node[key], op);
  }

  private table(rangeVar: unknown, op: Operation, details?: AccessDetails): void {
    if (!isObj(rangeVar)) return;
    const name = str(rangeVar.relname);
    if (name === undefined) return;
    const location = typeof rangeVar.location === 'number' && rangeVar.location >= 0
      ? this.bytes(rangeVar.location)
      : this.start;
    this.out.add(str(rangeVar.schemaname), name, op, location, details);
  }

  private level(parts: LevelParts): void {
    this.out.level(libpgLevel(parts, this.bytes));
  }

  /** Handle a wrapped node (`{ Type: body }`); false when it is not one this walker knows. */
  private node(type: string, n: Json, op: Operation | undefined): boolean {
    switch (type) {
      case 'RangeVar':
        if (op) this.table(n, op);
        return true;
      case 'LockingClause': // FOR UPDATE OF j: names relations of the FROM list by their aliases
        return true;
      case 'SelectStmt':
        this.select(n);
        return true;
      case 'InsertStmt':
      case 'UpdateStmt':
      case 'DeleteStmt':
        if (type !== 'InsertStmt') {
          const returning = isObj(n.returningClause) ? n.returningClause.exprs : undefined;
          this.level({ target: n.relation, from: n.fromClause ?? n.usingClause, where: n.whereClause, targets: returning });
        }
        this.withCtes(n.withClause, () => {
          this.table(n.relation, type === 'InsertStmt' ? 'insert' : type === 'UpdateStmt' ? 'update' : 'delete');
          this.rest(n, ['withClause', 'relation'], 'read');
        });
        return true;
      case 'MergeStmt':
        this.withCtes(n.withClause, () => {
          const actions = new Set<Operation>(['merge']);
          for (const clause of list(n.mergeWhenClauses)) {
            const action = isObj(clause) && isObj(clause.MergeWhenClause) ? str(clause.MergeWhenClause.commandType) : undefined;
            if (action && MERGE_ACTIONS[action]) actions.add(MERGE_ACTIONS[action]);
          }
          for (const action of actions) this.table(n.relation, action);
          this.rest(n, ['withClause', 'relation'], 'read');
        });
        return true;
      case 'CopyStmt':
        this.table(n.relation, n.is_from === true ? 'copy' : 'read');
        this.walk(n.query, 'read');
        return true;
      case 'TruncateStmt':
        this.walk(n.relations, 'truncate');
        return true;
      case 'CreateStmt':
        this.table(n.relation, 'create', createdColumns(n));
        // PARTITION OF lists the parent in inhRelations: the statement only creates the child.
        if (!n.partbound) this.walk(n.inhRelations, 'reference');
        this.rest(n, ['relation', 'inhRelations'], undefined);
        return true;
      case 'TableLikeClause':
        this.table(n.relation, 'read');
        return true;
      case 'Constraint':
        if (n.contype === 'CONSTR_FOREIGN') this.table(n.pktable, 'reference');
        return true;
      case 'CreateTableAsStmt':
        if (isObj(n.into)) this.table(n.into.rel, 'create');
        this.walk(n.query, 'read');
        return true;
      case 'ViewStmt':
        this.table(n.view, 'create');
        this.walk(n.query, 'read');
        return true;
      case 'AlterTableStmt':
        if (NOT_TABLES.has(str(n.objtype) ?? '')) return true;
        this.table(n.relation, 'alter', alteredDetails(n.cmds));
        this.walk(n.cmds, undefined);
        return true;
      case 'PartitionCmd': // ATTACH / DETACH PARTITION
        this.table(n.name, 'alter');
        return true;
      case 'RenameStmt':
        if (!NOT_TABLES.has(str(n.renameType) ?? '')) this.table(n.relation, 'alter');
        return true;
      case 'AlterObjectSchemaStmt':
        if (!NOT_TABLES.has(str(n.objectType) ?? '')) this.table(n.relation, 'alter');
        return true;
      case 'CreatePolicyStmt':
      case 'AlterPolicyStmt':
        this.table(n.table, 'alter', type === 'CreatePolicyStmt' ? { detail: 'policy' } : undefined);
        this.rest(n, ['table'], 'read');
        return true;
      case 'CreateTrigStmt':
      case 'IndexStmt':
        this.table(n.relation, 'alter');
        this.rest(n, ['relation'], 'read');
        return true;
      case 'DropStmt':
        if (DROPPED.has(str(n.removeType) ?? '')) this.drop(list(n.objects));
        else if (ON_TABLE.has(str(n.removeType) ?? '')) this.dropOnTable(list(n.objects));
        return true;
      case 'CreateFunctionStmt':
        this.createFunction(n);
        return true;
      case 'DoStmt':
        this.doBlock(n);
        return true;
      default:
        return false;
    }
  }

  private select(n: Json): void {
    this.level({ from: n.fromClause, where: n.whereClause, targets: n.targetList });
    this.withCtes(n.withClause, () => {
      if (isObj(n.intoClause)) this.table(n.intoClause.rel, 'create');
      // Set operations hold their operands unwrapped.
      if (isObj(n.larg)) this.select(n.larg);
      if (isObj(n.rarg)) this.select(n.rarg);
      this.rest(n, ['withClause', 'intoClause', 'larg', 'rarg'], 'read');
    });
  }

  private withCtes(withClause: unknown, body: () => void): void {
    if (!isObj(withClause)) return body();
    this.out.scope((declare) => {
      const ctes = list(withClause.ctes).map((c) => (isObj(c) && isObj(c.CommonTableExpr) ? c.CommonTableExpr : {}));
      if (withClause.recursive === true) for (const cte of ctes) declare(str(cte.ctename) ?? '');
      for (const cte of ctes) {
        this.walk(cte.ctequery, 'read');
        declare(str(cte.ctename) ?? '');
      }
      body();
    });
  }

  /** DropStmt names carry no location: find them in the text after the DROP keywords. */
  private drop(objects: unknown[]): void {
    DROP_PREFIX.lastIndex = skipTrivia(this.text, this.start);
    let pos = DROP_PREFIX.test(this.text) ? DROP_PREFIX.lastIndex : this.start;
    for (const object of objects) {
      const parts = isObj(object) && isObj(object.List) ? list(object.List.items).map(sval) : [];
      const name = parts[parts.length - 1];
      if (name === undefined) continue;
      this.out.add(parts.length > 1 ? parts[parts.length - 2] : undefined, name, 'drop', pos);
      pos = skipTrivia(this.text, qualifiedNameEnd(this.text, pos));
      if (this.text[pos] === ',') pos = skipTrivia(this.text, pos + 1);
    }
  }

  /** The object's name list ends with its own name; the table precedes it, after ON in the text. */
  private dropOnTable(objects: unknown[]): void {
    const parts = isObj(objects[0]) && isObj(objects[0].List) ? list(objects[0].List.items).map(sval) : [];
    const name = parts[parts.length - 2];
    if (name === undefined) return;
    const on = /\bon\s+/gi;
    on.lastIndex = this.start;
    const match = on.exec(this.text);
    const pos = match && match.index < this.end ? match.index + match[0].length : this.start;
    this.out.add(parts.length > 2 ? parts[parts.length - 3] : undefined, name, 'alter', pos);
  }

  private createFunction(n: Json): void {
    const options = new Map<string, Json>();
    for (const option of list(n.options)) {
      if (isObj(option) && isObj(option.DefElem)) options.set(str(option.DefElem.defname) ?? '', option.DefElem);
    }
    const language = sval(options.get('language')?.arg)?.toLowerCase();
    // BEGIN ATOMIC / RETURN bodies are parsed with the statement: their locations are ours.
    if (n.sql_body) return this.walk(n.sql_body, 'read');
    const as = options.get('as');
    const value = isObj(as?.arg) && isObj(as.arg.List) ? sval(list(as.arg.List.items)[0]) : undefined;
    if (as === undefined || value === undefined) return;
    const body = locateBody(this.text, this.bytes(typeof as.location === 'number' ? as.location : 0), value);
    if (language === 'sql') this.embed(body, value, 0);
    else if (language === 'plpgsql') this.plpgsql(this.text.slice(this.start, this.end), body);
  }

  private doBlock(n: Json): void {
    const args = list(n.args).flatMap((a) => (isObj(a) && isObj(a.DefElem) ? [a.DefElem] : []));
    const language = sval(args.find((a) => a.defname === 'language')?.arg)?.toLowerCase();
    const as = args.find((a) => a.defname === 'as');
    const value = sval(as?.arg);
    if (as === undefined || value === undefined || (language !== undefined && language !== 'plpgsql')) return;
    const body = locateBody(this.text, this.bytes(typeof as.location === 'number' ? as.location : 0), value);
    let tag = '$do$';
    for (let i = 0; value.includes(tag); i++) tag = `$do${i}$`;
    this.plpgsql(`CREATE FUNCTION do_block() RETURNS void LANGUAGE plpgsql AS ${tag}${value}${tag}`, body);
  }

  /** Analyse SQL found at `base` in a body (minus `shift` characters of added prefix) as part of this statement. */
  private embed(body: BodyText, sql: string, base: number, shift = 0): void {
    const toOuter = (index: number): number => body.toOuter(base + index - shift);
    try {
      let parsed: ParsedText;
      try {
        parsed = parseLibpg(sql);
      } catch (error) {
        // A hole for a name inside the body: a name (same length, same offsets).
        const filled = fillIdentifierHolesInBody(sql);
        if (filled === sql) throw error;
        parsed = parseLibpg(filled);
      }
      // Each statement of a body is a statement of its own (cross-family-join judges one at a time).
      for (const statement of parsed.statements) this.out.addEmbedded(statement.accesses, toOuter, ++this.bodyParts);
      for (const error of parsed.errors) this.errors.push({ ...error, offset: toOuter(error.offset) });
    } catch (error) {
      const failure = toFailure(error);
      this.errors.push({ message: `in function body: ${failure.message}`, offset: toOuter(failure.offset) });
    }
  }

  private plpgsql(definition: string, body: BodyText): void {
    let tree: unknown;
    try {
      tree = loaded().parsePlPgSQLSync(definition);
    } catch (error) {
      // Holes for names inside the body (`INSERT INTO ${schema}.bam`) are names there too; same length, same offsets.
      const filled = fillIdentifierHolesInBody(definition);
      try {
        if (filled === definition) throw error;
        tree = loaded().parsePlPgSQLSync(filled);
        body = { ...body, value: fillIdentifierHolesInBody(body.value) };
      } catch {
        // PL/pgSQL errors carry no usable position: point at the body.
        this.errors.push({ message: `in PL/pgSQL body: ${toFailure(error).message}`, offset: body.toOuter(0) });
        return;
      }
    }
    let cursor = 0;
    for (const expr of plpgsqlExprs(tree)) {
      const query = str(expr.query);
      const mode = typeof expr.parseMode === 'number' ? expr.parseMode : 0;
      if (query === undefined || mode === 1) continue; // mode 1 is a type name
      const base = locateQuery(body.value, query, cursor);
      cursor = base + query.length;
      // Mode 0 is a statement; 2 an expression; 3–5 an assignment `target := expression`.
      if (mode === 0) this.embed(body, query, base);
      else this.embed(body, `SELECT ${mode === 2 ? query : query.replace(/^[^:=]*:?=/, (m) => ' '.repeat(m.length))}`, base, 7);
    }
  }
}

/** Every PLpgSQL_expr in a parsePlPgSQLSync tree, in document order. */
function plpgsqlExprs(node: unknown, found: Json[] = []): Json[] {
  if (Array.isArray(node)) for (const item of node) plpgsqlExprs(item, found);
  else if (isObj(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'PLpgSQL_expr' && isObj(value)) found.push(value);
      else plpgsqlExprs(value, found);
    }
  }
  return found;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Where `query` starts in the body. PL/pgSQL hands back the source text, except that
 * `SELECT … INTO x` has the INTO clause blanked and PERFORM becomes SELECT; both are matched
 * loosely. Searches from `cursor` first (queries come in order), then from the start.
 */
function locateQuery(body: string, query: string, cursor: number): number {
  const exact = body.indexOf(query, cursor);
  if (exact >= 0) return exact;
  const loose = (text: string): string => text.split(/( {2,})/).map((part, i) =>
    i % 2 === 1 ? `[\\s\\S]{${part.length}}` : escapeRegExp(part)).join('');
  const perform = query.startsWith('SELECT ') ? `|(perform\\s+)(?=${loose(query.slice(7))})` : '';
  const pattern = new RegExp(`${loose(query)}${perform}`, 'gi');
  for (const from of [cursor, 0]) {
    pattern.lastIndex = from;
    const match = pattern.exec(body);
    // For PERFORM the match is the keyword: the query's text after `SELECT ` starts where it ends.
    if (match) return match[1] === undefined ? match.index : match.index + match[0].length - 7;
  }
  return 0;
}
