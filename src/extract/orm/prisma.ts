/**
 * Prisma: `prisma.<model>.<method>(…)` with the model's table from schema.prisma, nested writes in
 * `data` and relation reads in `include` / `select` where they are written in place, `$transaction`,
 * and raw SQL through `$queryRaw` / `$executeRaw` / `*Unsafe` / `Prisma.sql`.
 */
import type { ts } from 'ts-morph';
import { typescript } from '../typescript-compiler.js';
import type { Operation } from '../../facts/types.js';
import { unwrap } from './chain.js';
import { accessAt } from './names.js';
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

export const prismaReader: FrameworkReader = {
  framework: 'prisma',
  read(root, steps, context) {
    if (root?.kind === 'package') return root.name === 'Prisma' ? readSqlFragment(steps) : undefined;
    return root?.kind === 'client' ? readClient(steps, context) : undefined;
  },
};

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

  /** `include: { lines: true }`, `select: { lines: { select: … } }`: relation reads. */
  reads(args: ts.ObjectLiteralExpression, model: PrismaModel, depth = 0): void {
    if (depth > 8) return;
    for (const key of ['include', 'select']) {
      const selection = property(args, key);
      if (!selection || !typescript.isObjectLiteralExpression(selection)) continue;
      for (const relation of selection.properties) {
        if (!typescript.isPropertyAssignment(relation)) continue;
        const related = this.context.symbols.prismaRelated(model, propertyName(relation));
        const value = unwrap(relation.initializer);
        if (!related || value.kind === typescript.SyntaxKind.FalseKeyword) continue;
        this.reading.accesses.push(accessAt(relation.name, this.context, related.table, 'read'));
        if (typescript.isObjectLiteralExpression(value)) this.reads(value, related, depth + 1);
      }
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
