/** Table names as query builders write them, and where in the file each one sits. */
import type { ts } from 'ts-morph';
import { typescript } from '../typescript-compiler.js';
import type { TableName } from '../../facts/types.js';
import { unwrap } from './chain.js';
import type { PendingAccess, ReadContext } from './types.js';

/**
 * `schema.table as alias` (knex, Kysely, TypeORM strings). Builders quote the identifiers they
 * generate, so names are taken exactly as written: no case folding. Undefined for anything else.
 */
export function parseBuilderTable(text: string, defaultSchema?: string): { table: TableName; start: number; length: number } | undefined {
  const match = /^(\s*)([^\s]+)(?:\s+as\s+[^\s]+)?\s*$/i.exec(text);
  if (!match) return undefined;
  const written = match[2]!;
  const parts = written.split('.').map((part) => part.replace(/^"(.*)"$/, '$1'));
  if (parts.some((part) => part === '') || parts.length > 3) return undefined;
  const name = parts.at(-1)!;
  const schema = parts.length > 1 ? parts.at(-2) : defaultSchema;
  return { table: schema === undefined ? { name } : { schema, name }, start: match[1]!.length, length: written.length };
}

/** A `with` name: `cte` or `cte(a, b)`. */
export function cteName(text: string): string {
  return text.replace(/\(.*$/s, '').trim();
}

/** True when an access names a CTE of its own chain's `with`: not a table. */
export function namesCte(access: PendingAccess, ctes: ReadonlySet<string>): boolean {
  return access.table !== undefined && access.table.schema === undefined && ctes.has(access.table.name);
}

/** Where an argument names a table: by a string, not at all (a subquery or callback: its own chain speaks), or unknowably. */
export type TableArgument =
  | { kind: 'table'; table: TableName; offset: number; length: number; text: string }
  | { kind: 'nested' }
  | { kind: 'unresolved'; offset: number; length: number; text: string };

/** Reads a string table argument (`'s.t as x'`, a const bound to one, `{ alias: 't' }` objects give several). */
export function stringTables(argument: ts.Expression | undefined, context: ReadContext, defaultSchema?: string): TableArgument[] {
  if (!argument) return [];
  const expression = unwrap(argument);
  if (typescript.isObjectLiteralExpression(expression)) {
    return expression.properties.flatMap((property) =>
      typescript.isPropertyAssignment(property) ? stringTables(property.initializer, context, defaultSchema) : [],
    );
  }
  if (typescript.isArrayLiteralExpression(expression)) return expression.elements.flatMap((element) => stringTables(element, context, defaultSchema));
  const known = context.staticString(expression);
  const start = expression.getStart(context.source);
  const text = expression.getText(context.source);
  if (known) {
    const parsed = parseBuilderTable(known.value, defaultSchema);
    if (!parsed) return [{ kind: 'unresolved', offset: start, length: expression.end - start, text }];
    // In place, point at the name inside the quotes; through a const, at the argument.
    return known.offset === undefined
      ? [{ kind: 'table', table: parsed.table, offset: start, length: expression.end - start, text }]
      : [{ kind: 'table', table: parsed.table, offset: known.offset + parsed.start, length: parsed.length, text }];
  }
  if (isNested(expression, context)) return [{ kind: 'nested' }];
  return [{ kind: 'unresolved', offset: start, length: expression.end - start, text }];
}

/** A subquery, a callback or a raw fragment: not a table name, and not an unknown one either. */
function isNested(expression: ts.Expression, context: ReadContext): boolean {
  if (typescript.isFunctionLike(expression)) return true;
  const binding = context.classify(expression);
  return binding?.kind === 'query' || binding?.kind === 'client';
}

/** The access a table argument stands for, or nothing for nested queries. */
export function accessOf(argument: TableArgument, operation: PendingAccess['operation'], group = 0): PendingAccess | undefined {
  if (argument.kind === 'nested') return undefined;
  const access: PendingAccess = { operation, offset: argument.offset, length: argument.length, text: argument.text, group };
  if (argument.kind === 'table') access.table = argument.table;
  return access;
}

/** An access placed on a node (a model property, an entity argument, a method name). */
export function accessAt(node: ts.Node, context: ReadContext, table: TableName | undefined, operation: PendingAccess['operation']): PendingAccess {
  const start = node.getStart(context.source);
  const access: PendingAccess = { operation, offset: start, length: node.end - start, text: node.getText(context.source), group: 0 };
  if (table) access.table = table;
  return access;
}

/** The string a literal, a const bound to one, `+` of such, or a const object's property always is. */
export function staticStringOf(
  argument: ts.Expression,
  source: ts.SourceFile,
  declarationOf: (identifier: ts.Identifier) => ts.Node | undefined,
  depth = 0,
): { value: string; offset?: number } | undefined {
  if (depth > 8) return undefined;
  const expression = unwrap(argument);
  if (typescript.isStringLiteral(expression) || typescript.isNoSubstitutionTemplateLiteral(expression)) {
    const start = expression.getStart(source) + 1;
    const inPlace = source.text.slice(start, expression.end - 1) === expression.text;
    return inPlace ? { value: expression.text, offset: start } : { value: expression.text };
  }
  if (typescript.isIdentifier(expression)) {
    const initializer = constInitializer(declarationOf(expression));
    const value = initializer && staticStringOf(initializer, source, declarationOf, depth + 1);
    return value && { value: value.value };
  }
  if (typescript.isBinaryExpression(expression) && expression.operatorToken.kind === typescript.SyntaxKind.PlusToken) {
    const left = staticStringOf(expression.left, source, declarationOf, depth + 1);
    const right = left && staticStringOf(expression.right, source, declarationOf, depth + 1);
    return right && { value: left.value + right.value };
  }
  if (typescript.isPropertyAccessExpression(expression) && typescript.isIdentifier(expression.expression)) {
    const object = constInitializer(declarationOf(expression.expression));
    const objectLiteral = object && unwrap(object);
    if (!objectLiteral || !typescript.isObjectLiteralExpression(objectLiteral)) return undefined;
    const property = objectLiteral.properties.find(
      (candidate): candidate is ts.PropertyAssignment =>
        typescript.isPropertyAssignment(candidate) && candidate.name.getText(source).replace(/^['"]|['"]$/g, '') === expression.name.text,
    );
    const value = property && staticStringOf(property.initializer, source, declarationOf, depth + 1);
    return value && { value: value.value };
  }
  return undefined;
}

function constInitializer(declaration: ts.Node | undefined): ts.Expression | undefined {
  if (!declaration || !typescript.isVariableDeclaration(declaration) || !declaration.initializer) return undefined;
  const list = declaration.parent;
  return typescript.isVariableDeclarationList(list) && (list.flags & typescript.NodeFlags.Const) !== 0 ? declaration.initializer : undefined;
}
