/**
 * Kysely: `selectFrom / insertInto / updateTable / deleteFrom / mergeInto('s.t as x')`, `*Join('t')`,
 * `using('t')`, `with(…)` CTE names, `withSchema('s')`, `db.schema.createTable('t')`, the `sql` tag,
 * and the callbacks (`eb => eb.selectFrom(…)`, `transaction().execute(trx => …)`) that carry builders.
 */
import type { Operation } from '../../facts/types.js';
import { accessOf, cteName, namesCte, stringTables, type TableArgument } from './names.js';
import { callbacksIn, emptyReading } from './reading.js';
import type { Binding, ChainReading, FrameworkReader, ReadContext, Step } from './types.js';

const CLIENT: Binding = { kind: 'client', framework: 'kysely' };
const QUERY: Binding = { kind: 'query', framework: 'kysely' };

const MAIN: Record<string, Operation> = {
  selectFrom: 'read',
  insertInto: 'insert',
  replaceInto: 'insert',
  updateTable: 'update',
  deleteFrom: 'delete',
  mergeInto: 'merge',
};
const JOINED = /^((inner|left|right|full|cross)Join(Lateral)?|using)$/;
const CTES = /^with(Recursive)?(Materialized|NotMaterialized)?$/;
/** MERGE's WHEN actions: the target gets each of them, as the SQL analyser reports MERGE. */
const MERGE_ACTIONS: Record<string, Operation> = { thenUpdate: 'update', thenUpdateSet: 'update', thenDelete: 'delete', thenInsertValues: 'insert' };
const SCHEMA_OPERATIONS: Record<string, Operation> = { createTable: 'create', alterTable: 'alter', dropTable: 'drop' };

export const kyselyReader: FrameworkReader = {
  framework: 'kysely',
  // A chain whose receiver nothing explains (a wrapper's member, an untyped context) is still Kysely's
  // when it calls selectFrom, insertInto, updateTable, deleteFrom or mergeInto: no other client has them.
  byArguments: true,
  distinctive: true,
  read(root, steps, context) {
    if (root === undefined) return hasKyselyShape(steps) ? readBuilder(CLIENT, steps, context) : undefined;
    if (root.kind === 'package') return root.name === 'sql' ? readSqlTag(steps) : undefined;
    return root.kind === 'client' || root.kind === 'query' ? readBuilder(root, steps, context) : undefined;
  },
};

function hasKyselyShape(steps: Step[]): boolean {
  return steps.some((step) => step.kind === 'member' && step.call !== undefined && Object.hasOwn(MAIN, step.name) && step.args.length >= 1);
}

/** sql`…` and sql.raw('…'): raw SQL sent through Kysely. */
function readSqlTag(steps: Step[]): ChainReading {
  const reading = emptyReading();
  const [first] = steps;
  if (first?.kind === 'tag') reading.rawSql.push(first.node);
  else if (first?.kind === 'member' && first.name === 'raw' && first.call) reading.rawSql.push(first.call);
  return reading;
}

function readBuilder(root: Binding, steps: Step[], context: ReadContext): ChainReading {
  const reading = emptyReading();
  let mode: 'client' | 'query' | 'schema' = root.kind === 'client' ? 'client' : 'query';
  let schema = root.kind === 'client' ? root.schema : undefined;
  let main: TableArgument[] = [];
  let operation: Operation | undefined;
  const joined: TableArgument[] = [];
  const actions = new Set<Operation>();
  const ctes = new Set<string>();
  let group = 0;

  for (const step of steps) {
    if (step.kind !== 'member') continue;
    const { name, args } = step;
    if (!step.call) {
      if (name === 'schema' && mode === 'client') mode = 'schema';
      continue;
    }
    if (name === 'withSchema') {
      schema = (args[0] && context.staticString(args[0])?.value) ?? schema;
    } else if (mode === 'schema') {
      const schemaOperation = Object.hasOwn(SCHEMA_OPERATIONS, name) ? SCHEMA_OPERATIONS[name] : name === 'on' ? 'alter' : undefined;
      if (schemaOperation) {
        for (const table of stringTables(args[0], context, schema)) {
          const access = accessOf(table, schemaOperation, group);
          if (access) reading.accesses.push(access);
        }
        group++;
      }
    } else if (name === 'execute' && args.length > 0) {
      // transaction().execute(trx => …), connection().execute(db => …): a new unit of work, not this statement.
      reading.callbacks.push(...callbacksIn(args, CLIENT, false));
    } else {
      if (Object.hasOwn(MAIN, name)) {
        main = stringTables(args[0], context, schema);
        operation = MAIN[name];
        mode = 'query';
      } else if (JOINED.test(name)) {
        joined.push(...stringTables(args[0], context, schema));
      } else if (CTES.test(name)) {
        const cte = args[0] && context.staticString(args[0]);
        if (cte) ctes.add(cteName(cte.value));
      } else if (Object.hasOwn(MERGE_ACTIONS, name)) {
        actions.add(MERGE_ACTIONS[name]!);
      }
      reading.callbacks.push(...callbacksIn(args, CLIENT, true));
    }
  }

  const operations = operation === 'merge' ? ['merge' as const, ...actions] : operation ? [operation] : [];
  for (const table of main) {
    for (const op of operations) {
      const access = accessOf(table, op);
      if (access && !namesCte(access, ctes)) reading.accesses.push(access);
    }
  }
  for (const table of joined) {
    const access = accessOf(table, 'read');
    if (access && !namesCte(access, ctes)) reading.accesses.push(access);
  }
  reading.result = mode === 'client' ? { kind: 'client', framework: 'kysely', ...(schema ? { schema } : {}) } : QUERY;
  if (context.symbols.data.kyselyCamelCase) {
    for (const access of reading.accesses) if (access.table) access.table = { ...access.table, name: snakeCase(access.table.name) };
  }
  return reading;
}

/** What CamelCasePlugin sends for a name the code writes: `fitnessPlans` → `fitness_plans` (its default options). */
function snakeCase(name: string): string {
  return name.replace(/(?<=.)[A-Z]/g, (letter) => `_${letter.toLowerCase()}`).replace(/^[A-Z]/, (letter) => letter.toLowerCase());
}
