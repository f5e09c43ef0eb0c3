/**
 * Column facts from pgsql-ast-parser trees: the columns CREATE TABLE defines and ALTER TABLE adds, and
 * each query level translated for columns.ts. (Row-level security statements do not parse here.)
 */
import type { AlterTableStatement, CreateTableStatement, Expr, From, QName, QNameAliased, SelectedColumn } from 'pgsql-ast-parser';
import type { AccessDetails } from '../facts/types.js';
import { OTHER, type ColumnRef, type Condition, type Operand, type QueryLevel, type Range } from './columns.js';

type Json = { [key: string]: unknown };

const VALUE: Operand = { value: true };
// A subquery is a level of its own: its columns are not this level's.
const QUERY_TYPES = new Set(['select', 'union', 'union all', 'values', 'with', 'with recursive']);

/** CREATE TABLE: its column names, unless LIKE or INHERITS brings columns it does not list. */
export function createdColumns(s: CreateTableStatement): AccessDetails {
  if (s.inherits?.length || s.columns.some((c) => c.kind !== 'column')) return {};
  return { columns: s.columns.flatMap((c) => (c.kind === 'column' ? [c.name.name] : [])) };
}

/** ALTER TABLE: the columns ADD COLUMN adds. */
export function alteredDetails(s: AlterTableStatement): AccessDetails {
  const columns = s.changes.flatMap((change) => (change.type === 'add column' ? [change.column.name.name] : []));
  return columns.length > 0 ? { columns } : {};
}

export interface LevelParts {
  /** UPDATE or DELETE: the target table. */
  target?: QNameAliased;
  from: From[];
  where?: Expr | null;
  /** Select list or RETURNING. */
  targets?: SelectedColumn[] | null;
}

export function pgAstLevel(parts: LevelParts): QueryLevel {
  const ranges: Range[] = [];
  const conditions: Condition[] = [condition(parts.where)];
  if (parts.target) ranges.push(tableRange(parts.target));
  for (const from of parts.from) {
    const range: Range | undefined =
      from.type === 'table' ? tableRange(from.name) : from.type === 'statement' ? { alias: from.alias } : from.alias ? { alias: from.alias.name } : undefined;
    if (!range) continue;
    // pgsql-ast-parser hangs a join's condition on its right-hand item; everything before it is the left.
    if (from.join?.on) conditions.push(condition(from.join.on));
    for (const { name } of from.join?.using ?? []) {
      for (const left of ranges) {
        conditions.push({ equal: [{ column: { qualifier: [exposed(left)], name } }, { column: { qualifier: [exposed(range)], name } }] });
      }
    }
    ranges.push(range);
  }
  return { ranges, conditions, selected: (parts.targets ?? []).flatMap((t) => columnRefs(t.expr)) };
}

function exposed(range: Range): string {
  return range.alias ?? range.name ?? '';
}

function tableRange(name: QNameAliased): Range {
  const range: Range = { name: name.name };
  if (name._location) range.offset = name._location.start;
  if (name.schema !== undefined) range.schema = name.schema;
  if (name.alias !== undefined) range.alias = name.alias;
  return range;
}

function condition(expr: Expr | null | undefined): Condition {
  if (!expr || expr.type !== 'binary') return OTHER;
  if (expr.op === 'AND') return { and: [condition(expr.left), condition(expr.right)] };
  if (expr.op === 'OR') return { or: [condition(expr.left), condition(expr.right)] };
  if (expr.op === '=') return equality(operand(expr.left), operand(expr.right));
  if (expr.op === 'IN') {
    const values = operand(expr.right);
    return values && 'value' in values ? equality(operand(expr.left), VALUE) : OTHER;
  }
  return OTHER;
}

function equality(left: Operand | undefined, right: Operand | undefined): Condition {
  return left && right ? { equal: [left, right] } : OTHER;
}

/** A column (casts aside), a value (nothing that names a column of this level), or undefined: an expression of columns. */
function operand(expr: Expr): Operand | undefined {
  const inner = expr.type === 'cast' ? expr.operand : expr;
  if (inner.type === 'ref') return { column: columnRef(inner as unknown as Json) };
  return columnRefs(inner).length === 0 ? VALUE : undefined;
}

function columnRef(ref: Json): ColumnRef {
  const table = ref.table as QName | undefined;
  const qualifier = table ? [...(table.schema !== undefined ? [table.schema] : []), table.name] : [];
  return { qualifier, name: String(ref.name) };
}

function columnRefs(node: unknown): ColumnRef[] {
  if (Array.isArray(node)) return node.flatMap(columnRefs);
  if (typeof node !== 'object' || node === null) return [];
  const n = node as Json;
  if (n.type === 'ref') return [columnRef(n)];
  if (QUERY_TYPES.has(String(n.type))) return [];
  return Object.values(n).flatMap(columnRefs);
}
