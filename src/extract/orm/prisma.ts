/**
 * Prisma: `prisma.<model>.<method>(…)` with the model's table from schema.prisma, nested writes in
 * `data`, relation reads in `include` / `select` / `_count` and relation filters in `where` /
 * `orderBy` where they are written in place, `$transaction`, raw SQL through `$queryRaw` /
 * `$executeRaw` / `*Unsafe` / `Prisma.sql`, and Kysely through prisma-extension-kysely (`$kysely`).
 *
 * A chain whose root is not known (`db.client.user.findMany({…})`, a callback's `tx`, a client
 * destructured from the app's db module) is still Prisma's when it has Prisma's shape: a model of the
 * repository's schema followed by a Prisma method with an object argument, or a `$`-method only
 * Prisma clients have.
 */
import type { ts } from 'ts-morph';
import { typescript } from '../typescript-compiler.js';
import type { Operation } from '../../facts/types.js';
import { unwrap } from './chain.js';
import { accessAt } from './names.js';
import { kyselyReader } from './kysely.js';
import { callbacksIn, emptyReading } from './reading.js';
import type { PrismaModel } from './symbols.js';
import type { Binding, ChainReading, FrameworkReader, ReadContext, Step } from './types.js';

const CLIENT: Binding = { kind: 'client', framework: 'prisma' };

const METHODS: Record<string, Operation> = {
  findMany: 'read',
  findUnique: 'read',
  findUniqueOrThrow: 'read',
  findFirst: 'read',
  findFirstOrThrow: 'read',
  count: 'read',
  aggregate: 'read',
  groupBy: 'read',
  create: 'insert',
  createMany: 'insert',
  createManyAndReturn: 'insert',
  // An upsert is INSERT … ON CONFLICT DO UPDATE, which the SQL analyser reports as an insert.
  upsert: 'insert',
  update: 'update',
  updateMany: 'update',
  updateManyAndReturn: 'update',
  delete: 'delete',
  deleteMany: 'delete',
};
/** Nested write operations inside `data: { <relation>: { … } }`. */
const NESTED_WRITES: Record<string, Operation> = {
  create: 'insert',
  createMany: 'insert',
  connectOrCreate: 'insert',
  upsert: 'insert',
  update: 'update',
  updateMany: 'update',
  delete: 'delete',
  deleteMany: 'delete',
};
const RAW = /^\$(queryRaw|executeRaw)(Unsafe)?$/;
/** Methods that leave a query's promise a query (`prisma.user.findMany().then(…)`). */
const PROMISE_METHODS = new Set(['then', 'catch', 'finally']);
/** Reads that a call without arguments may make on a client of unknown provenance. */
const BARE_READS = new Set(['findMany', 'findFirst', 'findFirstOrThrow', 'count']);
/** Properties between an unknown root and the model (`db.client.user`, `this.db.prisma.user`). */
const MAX_SHAPE_PREFIX = 3;
/** Relation filters: `{ some | every | none: where }` on lists, `{ is | isNot: where }` on single relations. */
const RELATION_FILTERS = new Set(['some', 'every', 'none', 'is', 'isNot']);
const LOGICAL = new Set(['AND', 'OR', 'NOT']);

export const prismaReader: FrameworkReader = {
  framework: 'prisma',
  byArguments: true,
  read(root, steps, context) {
    if (root === undefined) return readByShape(steps, context);
    if (root.kind === 'package') return root.name === 'Prisma' ? readSqlFragment(steps) : undefined;
    return root.kind === 'client' ? readClient(steps, context) : undefined;
  },
};

/**
 * A chain of unknown root that has Prisma's shape: a few properties, then `$kysely`, `$transaction(…)`,
 * `$queryRaw…`, or a model of the repository's schema and a Prisma method taking an object (a read
 * may take nothing), then at most promise methods. `authClient.account.delete(id)` has no such shape.
 */
function readByShape(steps: Step[], context: ReadContext): ChainReading | undefined {
  if (context.symbols.data.prismaModels.length === 0) return undefined;
  for (let index = 0; index < steps.length && index <= MAX_SHAPE_PREFIX; index++) {
    const step = steps[index]!;
    if (step.kind !== 'member') return undefined;
    const rest = steps.slice(index);
    if (step.name === '$kysely' || step.name === '$transaction' || RAW.test(step.name)) return readClient(rest, context);
    if (step.call) return undefined;
    const method = steps[index + 1];
    if (method?.kind !== 'member' || !method.call || !Object.hasOwn(METHODS, method.name)) continue;
    if (!context.symbols.prismaModel(step.name, context.file)) continue;
    const [argument] = method.args;
    const shaped = argument ? typescript.isObjectLiteralExpression(unwrap(argument)) : BARE_READS.has(method.name);
    const settled = steps.slice(index + 2).every((after) => after.kind === 'member' && PROMISE_METHODS.has(after.name));
    return shaped && settled ? readClient(rest, context) : undefined;
  }
  return undefined;
}

/** Prisma.sql`…`: a fragment that $queryRaw sends. */
function readSqlFragment(steps: Step[]): ChainReading | undefined {
  const [first, second] = steps;
  if (first?.kind !== 'member' || first.name !== 'sql' || second?.kind !== 'tag') return undefined;
  const reading = emptyReading();
  reading.rawSql.push(second.node);
  return reading;
}

function readClient(steps: Step[], context: ReadContext): ChainReading | undefined {
  const [first, second] = steps;
  const reading = emptyReading();
  if (first?.kind === 'computed') {
    // prisma[model].findMany(): the model, and so the table, is computed.
    if (second?.kind === 'member' && second.call && Object.hasOwn(METHODS, second.name)) reading.accesses.push(accessAt(first.node, context, undefined, METHODS[second.name]!));
    return reading;
  }
  if (first?.kind !== 'member') return undefined;
  if (RAW.test(first.name)) {
    const sent = first.call ?? (second?.kind === 'tag' ? second.node : undefined);
    if (sent) reading.rawSql.push(sent);
    return reading;
  }
  if (first.name === '$transaction') {
    reading.callbacks.push(...callbacksIn(first.args, CLIENT, false));
    return reading;
  }
  // prisma-extension-kysely: `prisma.$kysely` is a Kysely instance on the same connection.
  if (first.name === '$kysely' && !first.call) return kyselyReader.read({ kind: 'client', framework: 'kysely' }, steps.slice(1), context);
  if (first.name === '$extends') return emptyReading(CLIENT);
  if (first.name.startsWith('$') || first.call) return undefined;
  if (second?.kind !== 'member' || !second.call || !Object.hasOwn(METHODS, second.name)) return undefined;

  const operation = METHODS[second.name]!;
  const model = context.symbols.prismaModel(first.name, context.file);
  reading.accesses.push(accessAt(first.nameNode, context, model?.table, operation));
  const args = second.args[0] && unwrap(second.args[0]);
  if (model && args && typescript.isObjectLiteralExpression(args)) {
    const nested = new NestedReader(context, reading);
    if (operation === 'insert' || operation === 'update') {
      for (const key of ['data', 'create', 'update']) nested.writes(property(args, key), model);
    }
    nested.reads(args, model);
  }
  return reading;
}

/** Relations written in place in a call's arguments: nested writes and included reads. */
class NestedReader {
  constructor(
    private readonly context: ReadContext,
    private readonly reading: ChainReading,
  ) {}

  /** `data: { lines: { create: […] } }`: each relation key with a nested write operation. */
  writes(data: ts.Expression | undefined, model: PrismaModel, depth = 0): void {
    if (!data || depth > 8) return;
    for (const item of objectsOf(data)) {
      for (const relation of item.properties) {
        if (!typescript.isPropertyAssignment(relation)) continue;
        const related = this.context.symbols.prismaRelated(model, propertyName(relation));
        const operations = related && unwrap(relation.initializer);
        if (!operations || !typescript.isObjectLiteralExpression(operations)) continue;
        for (const nested of operations.properties) {
          if (!typescript.isPropertyAssignment(nested)) continue;
          const name = propertyName(nested);
          if (!Object.hasOwn(NESTED_WRITES, name)) continue;
          this.reading.accesses.push(accessAt(relation.name, this.context, related.table, NESTED_WRITES[name]!));
          for (const payload of nestedPayloads(name, nested.initializer)) this.writes(payload, related, depth + 1);
        }
      }
    }
  }

  /**
   * `include: { lines: true }`, `select: { lines: { select: … } }`, `_count: { select: { lines: true } }`:
   * relation reads; and the relations `where` and `orderBy` filter or sort by, at any depth.
   */
  reads(args: ts.ObjectLiteralExpression, model: PrismaModel, depth = 0): void {
    if (depth > 8) return;
    this.filters(property(args, 'where'), model, depth);
    this.orders(property(args, 'orderBy'), model, depth);
    for (const key of ['include', 'select']) {
      const selection = property(args, key);
      if (!selection || !typescript.isObjectLiteralExpression(selection)) continue;
      for (const relation of selection.properties) {
        if (!typescript.isPropertyAssignment(relation)) continue;
        const value = unwrap(relation.initializer);
        if (value.kind === typescript.SyntaxKind.FalseKeyword) continue;
        if (propertyName(relation) === '_count') {
          // `_count: { select: { lines: true } }` counts related rows; `_count: true` counts every relation.
          if (typescript.isObjectLiteralExpression(value)) this.reads(value, model, depth + 1);
          else this.allRelations(relation.name, model);
          continue;
        }
        const related = this.context.symbols.prismaRelated(model, propertyName(relation));
        if (!related) continue;
        this.reading.accesses.push(accessAt(relation.name, this.context, related.table, 'read'));
        if (typescript.isObjectLiteralExpression(value)) this.reads(value, related, depth + 1);
      }
    }
  }

  /** `where: { team: { members: { some: { userId } } }, OR: [{ recipients: { none: {} } }] }`: each relation filtered by. */
  private filters(where: ts.Expression | undefined, model: PrismaModel, depth: number): void {
    if (!where || depth > 8) return;
    for (const item of objectsOf(where)) {
      for (const entry of item.properties) {
        if (!typescript.isPropertyAssignment(entry)) continue;
        const name = propertyName(entry);
        if (LOGICAL.has(name)) {
          this.filters(entry.initializer, model, depth + 1);
          continue;
        }
        const related = this.context.symbols.prismaRelated(model, name);
        const value = unwrap(entry.initializer);
        if (!related || value.kind === typescript.SyntaxKind.NullKeyword || (typescript.isIdentifier(value) && value.text === 'undefined')) continue;
        this.reading.accesses.push(accessAt(entry.name, this.context, related.table, 'read'));
        // A filter built elsewhere (`team: buildTeamWhereQuery(…)`) still reads the relation; what else it reads is not seen here.
        if (!typescript.isObjectLiteralExpression(value)) continue;
        const conditions = value.properties.filter((condition): condition is ts.PropertyAssignment => typescript.isPropertyAssignment(condition) && RELATION_FILTERS.has(propertyName(condition)));
        if (conditions.length === 0) this.filters(value, related, depth + 1);
        for (const condition of conditions) this.filters(condition.initializer, related, depth + 1);
      }
    }
  }

  /** `orderBy: { team: { name: 'asc' } }`, `orderBy: [{ recipients: { _count: 'desc' } }]`: relations sorted by. */
  private orders(orderBy: ts.Expression | undefined, model: PrismaModel, depth: number): void {
    if (!orderBy || depth > 8) return;
    for (const item of objectsOf(orderBy)) {
      for (const entry of item.properties) {
        if (!typescript.isPropertyAssignment(entry)) continue;
        const related = this.context.symbols.prismaRelated(model, propertyName(entry));
        const value = unwrap(entry.initializer);
        if (!related || !typescript.isObjectLiteralExpression(value)) continue;
        this.reading.accesses.push(accessAt(entry.name, this.context, related.table, 'read'));
        this.orders(value, related, depth + 1);
      }
    }
  }

  /** `_count: true`: a count of every relation of the model. */
  private allRelations(at: ts.Node, model: PrismaModel): void {
    for (const field of Object.keys(model.relations)) {
      const related = this.context.symbols.prismaRelated(model, field);
      if (related) this.reading.accesses.push(accessAt(at, this.context, related.table, 'read'));
    }
  }
}

/** The data a nested operation carries on to its own relations. */
function nestedPayloads(operation: string, value: ts.Expression): Array<ts.Expression | undefined> {
  const object = unwrap(value);
  if (operation === 'create') return [object];
  if (!typescript.isObjectLiteralExpression(object)) return [];
  if (operation === 'update') return [property(object, 'data') ?? object];
  if (operation === 'upsert') return [property(object, 'create'), property(object, 'update')];
  if (operation === 'connectOrCreate') return [property(object, 'create')];
  return [];
}

function objectsOf(expression: ts.Expression): ts.ObjectLiteralExpression[] {
  const value = unwrap(expression);
  if (typescript.isObjectLiteralExpression(value)) return [value];
  if (typescript.isArrayLiteralExpression(value)) return value.elements.flatMap(objectsOf);
  return [];
}

function property(object: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  for (const candidate of object.properties) {
    if (typescript.isPropertyAssignment(candidate) && propertyName(candidate) === name) return unwrap(candidate.initializer);
  }
  return undefined;
}

function propertyName(assignment: ts.PropertyAssignment): string {
  const { name } = assignment;
  return typescript.isIdentifier(name) || typescript.isStringLiteral(name) ? name.text : '';
}
