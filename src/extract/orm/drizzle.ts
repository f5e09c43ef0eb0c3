/**
 * Drizzle: table objects declared with `pgTable('t', …)` / `pgSchema('s').table('t', …)` (also in other
 * files of the repository), used in `db.select().from(x)`, `db.insert/update/delete(x)`, `*Join(x, …)`,
 * `db.$count(x)`, `db.query.<name>.findMany/findFirst` with the tables its `with` tree reaches through
 * the schema's `relations(…)`, and the `sql` tag. Views (`pgView`, `pgMaterializedView`) are tables
 * here. A chain whose root is not known is still Drizzle's when a table argument is a Drizzle table:
 * nothing else takes one.
 */
import type { ts } from 'ts-morph';
import { typescript } from '../typescript-compiler.js';
import type { Operation, TableName } from '../../facts/types.js';
import { unwrap } from './chain.js';
import { accessAt } from './names.js';
import { callbacksIn, emptyReading } from './reading.js';
import type { RepoSymbols } from './symbols.js';
import type { Binding, ChainReading, FrameworkReader, PendingAccess, ReadContext, Step } from './types.js';

const CLIENT: Binding = { kind: 'client', framework: 'drizzle' };
const QUERY: Binding = { kind: 'query', framework: 'drizzle' };

const TABLE_METHODS: Record<string, Operation> = {
  from: 'read',
  insert: 'insert',
  update: 'update',
  delete: 'delete',
  $count: 'read',
  leftJoin: 'read',
  rightJoin: 'read',
  innerJoin: 'read',
  fullJoin: 'read',
  crossJoin: 'read',
  leftJoinLateral: 'read',
  innerJoinLateral: 'read',
  crossJoinLateral: 'read',
};
const DECLARATIONS = new Set(['pgTable', 'pgView', 'pgMaterializedView']);
const RELATIONAL_READS = new Set(['findMany', 'findFirst']);

export const drizzleReader: FrameworkReader = {
  framework: 'drizzle',
  byArguments: true,
  read(root, steps, context) {
    if (root?.kind === 'package') return readPackage(root.name, steps, context);
    if (root?.kind === 'schema') return readSchemaTable(root.schema, steps, context);
    if (root === undefined || root.kind === 'client' || root.kind === 'query') return readQuery(root, steps, context);
    return undefined;
  },
};

/** pgTable('t', …), pgSchema('s'), alias(t, 'x'), drizzle(client, { schema }), sql`…`. */
function readPackage(name: string, steps: Step[], context: ReadContext): ChainReading | undefined {
  const [first] = steps;
  if (name === 'sql') {
    const reading = emptyReading();
    if (first?.kind === 'tag') reading.rawSql.push(first.node);
    else if (first?.kind === 'member' && first.name === 'raw' && first.call) reading.rawSql.push(first.call);
    return reading;
  }
  if (first?.kind !== 'call') return undefined;
  const [argument] = first.args;
  if (DECLARATIONS.has(name)) {
    const table = argument && context.staticString(argument);
    return emptyReading(table ? { kind: 'table', table: { name: table.value } } : undefined);
  }
  if (name === 'pgSchema') {
    const schema = argument && context.staticString(argument);
    return emptyReading(schema ? { kind: 'schema', schema: schema.value } : undefined);
  }
  if (name === 'relations') return emptyReading(relationsOf(first.args, context));
  if (name === 'alias') {
    const table = argument && context.classify(argument);
    return emptyReading(table?.kind === 'table' ? table : undefined);
  }
  if (name === 'drizzle') {
    const tables = schemaOption(first.args, context);
    return readQuery(tables ? { kind: 'client', framework: 'drizzle', tables } : CLIENT, steps.slice(1), context);
  }
  return undefined;
}

/** drizzle(pool, { schema }) and drizzle({ client, schema }). */
function schemaOption(args: readonly ts.Expression[], context: ReadContext): Record<string, TableName> | undefined {
  for (const argument of args) {
    const options = unwrap(argument);
    if (!typescript.isObjectLiteralExpression(options)) continue;
    for (const property of options.properties) {
      if (property.name?.getText(context.source) !== 'schema') continue;
      if (typescript.isShorthandPropertyAssignment(property)) return context.drizzleTablesOf(property.name);
      if (typescript.isPropertyAssignment(property)) return context.drizzleTablesOf(unwrap(property.initializer));
    }
  }
  return undefined;
}

/** s.table('t', …) on a pgSchema('s') object. */
function readSchemaTable(schema: string, steps: Step[], context: ReadContext): ChainReading | undefined {
  const [first] = steps;
  if (first?.kind !== 'member' || !first.call || !['table', 'view', 'materializedView'].includes(first.name)) return undefined;
  const name = first.args[0] && context.staticString(first.args[0]);
  return emptyReading(name ? { kind: 'table', table: { schema, name: name.value } } : undefined);
}

function readQuery(root: Binding | undefined, steps: Step[], context: ReadContext): ChainReading | undefined {
  if (!root && !steps.some((step) => step.kind === 'member' && Object.hasOwn(TABLE_METHODS, step.name))) return undefined;
  const reading = emptyReading();
  let isQuery = false;
  let sawTable = false;
  for (let index = 0; index < steps.length; index++) {
    const step = steps[index]!;
    if (step.kind !== 'member') continue;
    const { name, args } = step;
    if (name === 'query' && !step.call && root?.kind === 'client') {
      const model = steps[index + 1];
      const method = steps[index + 2];
      if (model?.kind === 'member' && !model.call && method?.kind === 'member' && method.call && RELATIONAL_READS.has(method.name)) {
        const table = relationalTable(root, model.name, context);
        reading.accesses.push(accessAt(model.nameNode, context, table, 'read'));
        const [options] = method.args;
        if (table && options) readWith(options, table, context, reading);
        return reading;
      }
      continue;
    }
    if (!step.call) continue;
    if (Object.hasOwn(TABLE_METHODS, name)) {
      isQuery = true;
      const access = tableAccess(args[0], TABLE_METHODS[name]!, context);
      if (access === 'nested' || access === undefined) continue;
      if (access.table) sawTable = true;
      reading.accesses.push(access);
    } else if (name === 'transaction' && root) {
      reading.callbacks.push(...callbacksIn(args, CLIENT, false));
    } else if (name === 'execute' && args[0] && context.staticString(args[0]) && root) {
      reading.rawSql.push(step.call);
    } else {
      if (/^(select|selectDistinct|selectDistinctOn|\$with|with)$/.test(name)) isQuery = true;
      if (root) reading.callbacks.push(...callbacksIn(args, CLIENT, true));
    }
  }
  if (!root) {
    // Recognised by its arguments only: a Drizzle table must be among them, and what is unknown stays out.
    if (!sawTable) return undefined;
    reading.accesses = reading.accesses.filter((access) => access.table);
    return reading;
  }
  reading.result = isQuery ? QUERY : root;
  return reading;
}

/**
 * The access a table argument stands for: a Drizzle table, 'nested' for a subquery or CTE object
 * (its own chain speaks for it), or an unresolved access for anything else.
 */
function tableAccess(argument: ts.Expression | undefined, operation: Operation, context: ReadContext): PendingAccess | 'nested' | undefined {
  if (!argument) return undefined;
  const bound = context.classify(argument);
  if (bound?.kind === 'table') return accessAt(unwrap(argument), context, bound.table, operation);
  if (bound?.kind === 'query' || bound?.kind === 'client' || typescript.isFunctionLike(unwrap(argument))) return 'nested';
  return accessAt(unwrap(argument), context, undefined, operation);
}

/** db.query.<name>: the drizzle() schema's table of that name, else the one table the repository exports under it. */
function relationalTable(root: Binding & { kind: 'client' }, name: string, context: ReadContext): TableName | undefined {
  if (root.tables) return Object.hasOwn(root.tables, name) ? root.tables[name] : undefined;
  return context.symbols.drizzleTableNamed(name);
}

/** The relations of `relations(table, ({ one, many }) => ({ posts: many(posts), author: one(users, …) }))`. */
function relationsOf(args: readonly ts.Expression[], context: ReadContext): Binding | undefined {
  const [tableArgument, callback] = args;
  const table = tableArgument && context.classify(tableArgument);
  const fn = callback && unwrap(callback);
  if (table?.kind !== 'table' || !fn || !(typescript.isArrowFunction(fn) || typescript.isFunctionExpression(fn))) return undefined;
  let body: ts.Node | undefined = fn.body;
  if (typescript.isBlock(fn.body)) body = fn.body.statements.find(typescript.isReturnStatement)?.expression;
  const object = body && unwrap(body as ts.Expression);
  if (!object || !typescript.isObjectLiteralExpression(object)) return undefined;
  const relations: Record<string, TableName | null> = {};
  for (const property of object.properties) {
    if (!typescript.isPropertyAssignment(property)) continue;
    const name = propertyName(property.name);
    const call = unwrap(property.initializer);
    const target = typescript.isCallExpression(call) && call.arguments[0] ? context.classify(call.arguments[0]) : undefined;
    if (name !== undefined) relations[name] = target?.kind === 'table' ? target.table : null;
  }
  return { kind: 'relations', table: table.table, relations };
}

/** Every `relations(…)` the repository exports, by table; a relation two declarations name differently is unknown. */
const relationIndex = new WeakMap<RepoSymbols, Map<string, Record<string, TableName | null>>>();

function relationsOfTable(table: TableName, context: ReadContext): Record<string, TableName | null> | undefined {
  let index = relationIndex.get(context.symbols);
  if (!index) {
    index = new Map();
    for (const exports of Object.values(context.symbols.data.exports)) {
      for (const binding of Object.values(exports)) {
        if (binding.kind !== 'relations') continue;
        const key = tableKey(binding.table);
        const known = index.get(key) ?? {};
        for (const [name, target] of Object.entries(binding.relations)) {
          const previous = Object.hasOwn(known, name) ? known[name] : undefined;
          known[name] = previous === undefined || (previous && target && tableKey(previous) === tableKey(target)) ? target : null;
        }
        index.set(key, known);
      }
    }
    relationIndex.set(context.symbols, index);
  }
  return index.get(tableKey(table));
}

/** `{ with: { posts: true, author: { with: { team: true } } } }`: each relation the `with` tree reaches, read. */
function readWith(options: ts.Expression, table: TableName, context: ReadContext, reading: ChainReading, depth = 0): void {
  const object = unwrap(options);
  if (depth > 8 || !typescript.isObjectLiteralExpression(object)) return;
  const selection = object.properties.find((property): property is ts.PropertyAssignment => typescript.isPropertyAssignment(property) && propertyName(property.name) === 'with');
  const tree = selection && unwrap(selection.initializer);
  if (!tree || !typescript.isObjectLiteralExpression(tree)) return;
  const relations = relationsOfTable(table, context);
  for (const property of tree.properties) {
    if (!typescript.isPropertyAssignment(property)) continue;
    const value = unwrap(property.initializer);
    if (value.kind === typescript.SyntaxKind.FalseKeyword) continue;
    const name = propertyName(property.name);
    const target = relations && name !== undefined && Object.hasOwn(relations, name) ? relations[name] : undefined;
    reading.accesses.push(accessAt(property.name, context, target ?? undefined, 'read'));
    if (target) readWith(value, target, context, reading, depth + 1);
  }
}

function tableKey(table: TableName): string {
  return `${table.schema ?? ''}\u0000${table.name}`;
}

function propertyName(name: ts.PropertyName): string | undefined {
  return typescript.isIdentifier(name) || typescript.isStringLiteral(name) ? name.text : undefined;
}
