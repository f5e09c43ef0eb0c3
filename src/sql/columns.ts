/**
 * Which columns of each table one query level constrains (WHERE, JOIN … ON / USING) and selects
 * (select list, RETURNING). Parser-neutral: each backend translates its tree into a `QueryLevel`.
 */
import type { AccessDetails } from '../facts/types.js';

/** A column reference as written: `tenant_id`, `w.tenant_id`, `s.t.tenant_id`; `name` is `*` for a star. */
export interface ColumnRef {
  qualifier: string[];
  name: string;
}

/** An operand of an equality: a column of this level, or a value (parameter, literal, subquery, expression of no column). */
export type Operand = { column: ColumnRef } | { value: true };

export type Condition =
  | { and: Condition[] }
  | { or: Condition[] }
  | { equal: [Operand, Operand] }
  | { other: true };

/** A FROM item. `offset` (where the table's name starts) only for tables: subqueries and functions only hide their alias. */
export interface Range {
  offset?: number;
  schema?: string;
  name?: string;
  alias?: string;
}

export interface QueryLevel {
  ranges: Range[];
  /** WHERE and every JOIN condition; all of them must hold. */
  conditions: Condition[];
  /** Column references of the select list and RETURNING. */
  selected: ColumnRef[];
}

export const OTHER: Condition = { other: true };

/** `constrained` and `selected` per table range, keyed by the range's offset. */
export function columnDetails(level: QueryLevel): Map<number, AccessDetails> {
  const nodes = (ref: ColumnRef): string[] => rangesOf(level.ranges, ref).map((i) => `${i}\0${ref.name}`);
  const fixed = solveAll(level.conditions, nodes);
  const selected = level.ranges.map(() => new Set<string>());
  for (const ref of level.selected) {
    // `SELECT w FROM t w` selects the whole row.
    const wholeRow = ref.qualifier.length === 0 ? level.ranges.findIndex((r) => exposedName(r) === ref.name) : -1;
    if (wholeRow >= 0) selected[wholeRow]!.add('*');
    else for (const i of rangesOf(level.ranges, ref)) selected[i]!.add(ref.name);
  }
  const details = new Map<number, AccessDetails>();
  level.ranges.forEach((range, i) => {
    if (range.offset === undefined) return;
    const constrained = [...fixed].filter((node) => node.startsWith(`${i}\0`)).map((node) => node.slice(node.indexOf('\0') + 1));
    details.set(range.offset, { constrained: [...new Set(constrained)].sort(), selected: [...selected[i]!].sort() });
  });
  return details;
}

function exposedName(range: Range): string | undefined {
  return range.alias ?? range.name;
}

/** Indexes of the ranges a reference may mean: the one its qualifier names, or every one when unqualified. */
function rangesOf(ranges: Range[], ref: ColumnRef): number[] {
  const [table, schema] = [...ref.qualifier].reverse();
  const indexes: number[] = [];
  ranges.forEach((range, i) => {
    const named =
      table === undefined ||
      (schema === undefined ? exposedName(range) === table : range.alias === undefined && range.name === table && range.schema === schema);
    if (named) indexes.push(i);
  });
  return indexes;
}

type Nodes = (ref: ColumnRef) => string[];

/** The column nodes fixed when all `conditions` hold: equal to a value, or equal to a fixed column. */
function solveAll(conditions: Condition[], nodes: Nodes): Set<string> {
  const fixed = new Set<string>();
  const links: Array<[string[], string[]]> = [];
  for (const condition of conditions.flatMap(conjuncts)) {
    if ('or' in condition) solveAny(condition.or, nodes).forEach((n) => fixed.add(n));
    else if ('equal' in condition) {
      const [left, right] = condition.equal;
      if ('column' in left && 'column' in right) links.push([nodes(left.column), nodes(right.column)]);
      else if ('column' in left) nodes(left.column).forEach((n) => fixed.add(n));
      else if ('column' in right) nodes(right.column).forEach((n) => fixed.add(n));
    }
  }
  for (let grew = true; grew; ) {
    grew = false;
    for (const [a, b] of links) {
      for (const [from, to] of [[a, b], [b, a]] as const) {
        if (from.some((n) => fixed.has(n)) && to.some((n) => !fixed.has(n))) {
          to.forEach((n) => fixed.add(n));
          grew = true;
        }
      }
    }
  }
  return fixed;
}

function conjuncts(condition: Condition): Condition[] {
  return 'and' in condition ? condition.and.flatMap(conjuncts) : [condition];
}

/** A column is fixed by an OR only when every branch fixes it. */
function solveAny(branches: Condition[], nodes: Nodes): Set<string> {
  const [first, ...rest] = branches.map((branch) => solveAll([branch], nodes));
  return new Set([...(first ?? [])].filter((n) => rest.every((set) => set.has(n))));
}
