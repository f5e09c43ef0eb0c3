/**
 * Knex: `knex('t')`, `db('t as x')`, `.from/.into/.table/.join*('t')`, the operation the chain ends
 * in, `.with(…)` CTE names, `withSchema('s')`, `knex.schema.createTable('t')` and `knex.raw(sql)`.
 */
import type { Operation } from '../../facts/types.js';
import { accessOf, cteName, namesCte, stringTables, type TableArgument } from './names.js';
import { callbacksIn, emptyReading } from './reading.js';
import type { Binding, ChainReading, FrameworkReader, ReadContext, Step } from './types.js';

const CLIENT: Binding = { kind: 'client', framework: 'knex' };
const QUERY: Binding = { kind: 'query', framework: 'knex' };

const MAIN = new Set(['from', 'into', 'table']);
/** Tables a query reads besides its main one: joins, and UPDATE … FROM (`updateFrom`). */
const JOINS = new Set(['join', 'innerJoin', 'leftJoin', 'leftOuterJoin', 'rightJoin', 'rightOuterJoin', 'fullOuterJoin', 'crossJoin', 'outerJoin', 'updateFrom']);
const CTES = new Set(['with', 'withRecursive', 'withMaterialized', 'withNotMaterialized']);
/** `onConflict().merge()` stays an insert, as INSERT … ON CONFLICT DO UPDATE is in SQL. */
const WRITES: Record<string, Operation> = { insert: 'insert', upsert: 'insert', update: 'update', del: 'delete', delete: 'delete', truncate: 'truncate' };
const SCHEMA_OPERATIONS: Record<string, Operation> = {
  createTable: 'create',
  createTableIfNotExists: 'create',
  createTableLike: 'create',
  alterTable: 'alter',
  table: 'alter',
  renameTable: 'alter',
  dropTable: 'drop',
  dropTableIfExists: 'drop',
};

type Mode = 'client' | 'query' | 'schema' | 'done';

export const knexReader: FrameworkReader = {
  framework: 'knex',
  read(root, steps, context) {
    if (!root) return undefined;
    if (root.kind === 'package' || root.kind === 'module') {
      // knex(config), require('knex')(config), knex.knex(config): the factory makes a client.
      const factory = root.kind === 'module' || root.name === 'default' || root.name === 'knex';
      return factory && steps[0]?.kind === 'call' ? readClient(CLIENT, steps.slice(1), context) : undefined;
    }
    return root.kind === 'client' || root.kind === 'query' ? readClient(root, steps, context) : undefined;
  },
};

function readClient(root: Binding, steps: Step[], context: ReadContext): ChainReading {
  const reading = emptyReading();
  let mode: Mode = root.kind === 'client' ? 'client' : 'query';
  let schema = root.kind === 'client' ? root.schema : undefined;
  let main: TableArgument[] = [];
  const joined: TableArgument[] = [];
  let operation: Operation = 'read';
  let group = 0;
  const ctes = new Set<string>();
  const add = (tables: TableArgument[], op: Operation, inGroup: number) => {
    for (const table of tables) {
      const access = accessOf(table, op, inGroup);
      if (access && !namesCte(access, ctes)) reading.accesses.push(access);
    }
  };

  for (const step of steps) {
    if (step.kind === 'tag' || step.kind === 'computed') break;
    if (step.kind === 'call') {
      if (mode === 'client') main = stringTables(step.args[0], context, schema);
      mode = mode === 'client' ? 'query' : mode;
      continue;
    }
    const { name, args } = step;
    if (!step.call) {
      if (name === 'schema' && mode === 'client') mode = 'schema';
      continue;
    }
    if (name === 'withSchema') {
      schema = (args[0] && context.staticString(args[0])?.value) ?? schema;
    } else if (mode === 'schema') {
      const operationOf = Object.hasOwn(SCHEMA_OPERATIONS, name) ? SCHEMA_OPERATIONS[name] : undefined;
      if (operationOf) {
        add(stringTables(args[0], context, schema), operationOf, group);
        if (name === 'createTableLike') add(stringTables(args[1], context, schema), 'read', group);
        group++;
      } else if (name === 'raw') {
        reading.rawSql.push(step.call);
      }
    } else if (mode === 'client' && name === 'transaction') {
      reading.callbacks.push(...callbacksIn(args, CLIENT, false));
      reading.result = CLIENT;
    } else if (mode === 'client' && name === 'raw') {
      reading.rawSql.push(step.call);
      mode = 'done';
    } else if (mode !== 'done') {
      mode = 'query';
      if (MAIN.has(name)) main = stringTables(args[0], context, schema);
      else if (JOINS.has(name)) joined.push(...stringTables(args[0], context, schema));
      else if (CTES.has(name)) {
        const cte = args[0] && context.staticString(args[0]);
        if (cte) ctes.add(cteName(cte.value));
      } else if (Object.hasOwn(WRITES, name)) operation = WRITES[name]!;
      reading.callbacks.push(...callbacksIn(args, CLIENT, true));
    }
  }
  add(main, operation, 0);
  add(joined, 'read', 0);
  if (mode === 'client') reading.result = schema === undefined ? root : { kind: 'client', framework: 'knex', schema };
  else if (reading.result === undefined) reading.result = QUERY;
  return reading;
}
