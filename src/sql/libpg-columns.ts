/**
 * Column facts from libpg-query trees: the columns CREATE TABLE defines and ALTER TABLE adds, row-level
 * security switched on, and each query level translated for columns.ts.
 */
import type { AccessDetails } from '../facts/types.js';
import { OTHER, type ColumnRef, type Condition, type Operand, type QueryLevel, type Range } from './columns.js';

type Json = { [key: string]: unknown };

const isObj = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
/** The body of a `{ Type: body }` node when it is of that type. */
const wrapped = (node: unknown, type: string): Json | undefined => (isObj(node) && isObj(node[type]) ? node[type] : undefined);
const VALUE: Operand = { value: true };

/** CREATE TABLE: its column names, unless LIKE, INHERITS, PARTITION OF or OF type brings columns it does not list. */
export function createdColumns(n: Json): AccessDetails {
  const elements = list(n.tableElts);
  if (n.partbound || n.ofTypename || list(n.inhRelations).length > 0 || elements.some((e) => wrapped(e, 'TableLikeClause'))) return {};
  return { columns: elements.flatMap((e) => str(wrapped(e, 'ColumnDef')?.colname) ?? []) };
}

/** ALTER TABLE: the columns ADD COLUMN adds, and whether it enables row-level security. */
export function alteredDetails(cmds: unknown): AccessDetails {
  const details: AccessDetails = {};
  const columns: string[] = [];
  for (const cmd of list(cmds).map((c) => wrapped(c, 'AlterTableCmd'))) {
    const added = cmd?.subtype === 'AT_AddColumn' ? str(wrapped(cmd.def, 'ColumnDef')?.colname) : undefined;
    if (added !== undefined) columns.push(added);
    if (cmd?.subtype === 'AT_EnableRowSecurity') details.detail = 'enable-rls';
  }
  if (columns.length > 0) details.columns = columns;
  return details;
}

export interface LevelParts {
  /** UPDATE or DELETE: the target table, first among the ranges. */
  target?: unknown;
  /** FROM, or DELETE's USING. */
  from: unknown;
  where: unknown;
  /** Select list or RETURNING: ResTarget nodes. */
  targets: unknown;
}

/** One query level for columns.ts; `toUtf16` turns node byte locations into the offsets the tables are reported at. */
export function libpgLevel(parts: LevelParts, toUtf16: (byte: number) => number): QueryLevel {
  const ranges: Range[] = [];
  const conditions: Condition[] = [condition(parts.where)];
  const addRanges = (node: unknown): Range[] => {
    const rangeVar = wrapped(node, 'RangeVar');
    const join = wrapped(node, 'JoinExpr');
    if (rangeVar) return [pushRange(ranges, tableRange(rangeVar, toUtf16))];
    if (join) {
      const [left, right] = [addRanges(join.larg), addRanges(join.rarg)];
      conditions.push(condition(join.quals), ...usingEqualities(join.usingClause, left, right));
      return [...left, ...right];
    }
    const other = wrapped(node, 'RangeSubselect') ?? wrapped(node, 'RangeFunction');
    const alias = isObj(other?.alias) ? str(other.alias.aliasname) : undefined;
    return alias === undefined ? [] : [pushRange(ranges, { alias })];
  };
  if (parts.target !== undefined) addRanges({ RangeVar: parts.target });
  list(parts.from).forEach(addRanges);
  return { ranges, conditions, selected: list(parts.targets).flatMap((t) => columnRefs(wrapped(t, 'ResTarget')?.val)) };
}

function pushRange(ranges: Range[], range: Range): Range {
  ranges.push(range);
  return range;
}

function tableRange(rangeVar: Json, toUtf16: (byte: number) => number): Range {
  const range: Range = { name: str(rangeVar.relname) };
  if (typeof rangeVar.location === 'number' && rangeVar.location >= 0) range.offset = toUtf16(rangeVar.location);
  const schema = str(rangeVar.schemaname);
  if (schema !== undefined) range.schema = schema;
  const alias = str(isObj(rangeVar.alias) ? rangeVar.alias.aliasname : undefined);
  if (alias !== undefined) range.alias = alias;
  return range;
}

/** `JOIN … USING (c)`: c of each table on the left equals c of each table on the right. */
function usingEqualities(using: unknown, left: Range[], right: Range[]): Condition[] {
  const qualifier = (range: Range) => [range.alias ?? range.name ?? ''];
  return list(using).flatMap((item) => {
    const name = str(wrapped(item, 'String')?.sval);
    if (name === undefined) return [];
    return left.flatMap((l) => right.map((r): Condition => ({
      equal: [{ column: { qualifier: qualifier(l), name } }, { column: { qualifier: qualifier(r), name } }],
    })));
  });
}

function condition(node: unknown): Condition {
  const bool = wrapped(node, 'BoolExpr');
  if (bool?.boolop === 'AND_EXPR') return { and: list(bool.args).map(condition) };
  if (bool?.boolop === 'OR_EXPR') return { or: list(bool.args).map(condition) };
  const expr = wrapped(node, 'A_Expr');
  const isEquals = str(wrapped(list(expr?.name)[0], 'String')?.sval) === '=';
  if (expr && isEquals && expr.kind === 'AEXPR_OP') return equality(operand(expr.lexpr), operand(expr.rexpr));
  // IN (list) and = ANY(array): the list must be values.
  if (expr && isEquals && (expr.kind === 'AEXPR_IN' || expr.kind === 'AEXPR_OP_ANY')) {
    const values = operand(expr.rexpr);
    return values && 'value' in values ? equality(operand(expr.lexpr), VALUE) : OTHER;
  }
  const sublink = wrapped(node, 'SubLink');
  const operator = list(sublink?.operName).map((n) => str(wrapped(n, 'String')?.sval));
  if (sublink?.subLinkType === 'ANY_SUBLINK' && (operator.length === 0 || operator[0] === '=')) {
    return equality(operand(sublink.testexpr), VALUE);
  }
  return OTHER;
}

function equality(left: Operand | undefined, right: Operand | undefined): Condition {
  return left && right ? { equal: [left, right] } : OTHER;
}

/** A column (casts aside), a value (nothing that names a column of this level), or undefined: an expression of columns. */
function operand(node: unknown): Operand | undefined {
  const inner = wrapped(node, 'TypeCast')?.arg ?? node;
  const ref = wrapped(inner, 'ColumnRef');
  if (ref) return { column: columnRef(ref) };
  return columnRefs(inner).length === 0 ? VALUE : undefined;
}

function columnRef(ref: Json): ColumnRef {
  const parts = list(ref.fields).map((f) => (wrapped(f, 'A_Star') ? '*' : str(wrapped(f, 'String')?.sval) ?? ''));
  return { qualifier: parts.slice(0, -1), name: parts.at(-1) ?? '' };
}

/** Every column reference in an expression; a subquery is a level of its own and is not entered. */
function columnRefs(node: unknown, found: ColumnRef[] = []): ColumnRef[] {
  if (Array.isArray(node)) {
    for (const item of node) columnRefs(item, found);
  } else if (isObj(node)) {
    for (const key in node) {
      const value = node[key];
      if (key === 'SubLink') continue;
      if (key === 'ColumnRef' && isObj(value)) found.push(columnRef(value));
      else columnRefs(value, found);
    }
  }
  return found;
}
