/**
 * TypeORM: `@Entity('t')` / `@Entity({ name, schema })` classes used through repositories
 * (`getRepository(E)`, `dataSource.getRepository(E)`, `@InjectRepository(E)`, `Repository<E>`),
 * EntityManager calls with the entity as first argument (`manager.insert(E, …)`), query builders
 * (`createQueryBuilder(E, 'x')…`, `.insert().into(E)`, `.leftJoin('x.relation', 'r')`), BaseEntity
 * statics, and `query(sql)` on a DataSource, manager, repository or QueryRunner.
 */
import type { ts } from 'ts-morph';
import { typescript } from '../typescript-compiler.js';
import type { Operation, TableName } from '../../facts/types.js';
import { unwrap } from './chain.js';
import { accessAt, parseBuilderTable } from './names.js';
import { callbacksIn, emptyReading } from './reading.js';
import type { Binding, ChainReading, FrameworkReader, ReadContext, Step } from './types.js';

const CLIENT: Binding = { kind: 'client', framework: 'typeorm' };
const QUERY: Binding = { kind: 'query', framework: 'typeorm' };

/**
 * Repository and EntityManager methods that reach the database. `save` cannot tell an INSERT from an
 * UPDATE without running: it counts as the insert it is for new entities. `create` and `merge` build
 * objects in memory and are not here.
 */
const OPERATIONS: Record<string, Operation> = {
  find: 'read',
  findBy: 'read',
  findOne: 'read',
  findOneBy: 'read',
  findOneOrFail: 'read',
  findOneByOrFail: 'read',
  findAndCount: 'read',
  findAndCountBy: 'read',
  findByIds: 'read',
  count: 'read',
  countBy: 'read',
  exists: 'read',
  existsBy: 'read',
  sum: 'read',
  average: 'read',
  minimum: 'read',
  maximum: 'read',
  preload: 'read',
  insert: 'insert',
  save: 'insert',
  upsert: 'insert',
  update: 'update',
  increment: 'update',
  decrement: 'update',
  softDelete: 'update',
  softRemove: 'update',
  restore: 'update',
  recover: 'update',
  delete: 'delete',
  remove: 'delete',
  clear: 'truncate',
};
const REPOSITORY_GETTERS = new Set(['getRepository', 'getTreeRepository', 'getMongoRepository']);
const BUILDER_OPERATIONS: Record<string, Operation> = { insert: 'insert', update: 'update', delete: 'delete', softDelete: 'update', restore: 'update' };
const BUILDER_JOIN = /^(left|inner)Join(AndSelect|AndMapOne|AndMapMany)?$/;

type State =
  | { kind: 'client' }
  | { kind: 'repository'; entity?: string }
  | { kind: 'builder' }
  | { kind: 'done' };

export const typeormReader: FrameworkReader = {
  framework: 'typeorm',
  byArguments: true,
  read(root, steps, context) {
    if (!root && !steps.some((step) => step.kind === 'member' && Object.hasOwn(OPERATIONS, step.name))) return undefined;
    const reader = new ChainReader(context, root === undefined);
    return reader.read(root, steps);
  },
};

class ChainReader {
  private readonly reading = emptyReading();
  /** Query-builder state: the main table access's operation, the aliases the builder declared. */
  private mainIndex: number | undefined;
  private builderOperation: Operation = 'read';
  private readonly aliases = new Map<string, string>();

  constructor(
    private readonly context: ReadContext,
    /** Root unknown: only EntityManager calls whose first argument is an entity class count. */
    private readonly byArguments: boolean,
  ) {}

  read(root: Binding | undefined, steps: Step[]): ChainReading | undefined {
    let state = this.initial(root, steps[0]);
    if (!state) return undefined;
    for (const step of steps.slice(root?.kind === 'package' ? 1 : 0)) {
      if (state.kind === 'done') break;
      if (step.kind !== 'member') {
        state = { kind: 'done' };
        continue;
      }
      state = state.kind === 'client' ? this.onClient(step) : state.kind === 'repository' ? this.onRepository(state, step) : this.onBuilder(step);
    }
    if (this.mainIndex !== undefined) this.reading.accesses[this.mainIndex]!.operation = this.builderOperation;
    if (this.byArguments && this.reading.accesses.every((access) => !access.table)) return undefined;
    if (state.kind === 'client') this.reading.result = CLIENT;
    else if (state.kind === 'repository') this.reading.result = { kind: 'repository', entity: state.entity };
    else if (state.kind === 'builder') this.reading.result = QUERY;
    return this.reading;
  }

  private initial(root: Binding | undefined, first: Step | undefined): State | undefined {
    if (!root) return { kind: 'client' };
    switch (root.kind) {
      case 'client':
        return { kind: 'client' };
      case 'repository':
        return { kind: 'repository', entity: root.entity };
      case 'query':
        return { kind: 'builder' };
      case 'entity':
        return this.context.symbols.entity(root.entity)?.activeRecord ? { kind: 'repository', entity: root.entity } : undefined;
      case 'instance':
        return this.context.symbols.entity(root.entity)?.activeRecord ? { kind: 'repository', entity: root.entity } : undefined;
      case 'package': {
        if (first?.kind !== 'call') return undefined;
        if (REPOSITORY_GETTERS.has(root.name)) return { kind: 'repository', entity: this.entityKeyOf(first.args[0]) };
        if (root.name === 'getManager' || root.name === 'getConnection') return { kind: 'client' };
        return undefined;
      }
      default:
        return undefined;
    }
  }

  private onClient(step: Step & { kind: 'member' }): State {
    const { name, args, call } = step;
    if (!call) return name === 'manager' ? { kind: 'client' } : { kind: 'done' };
    if (this.byArguments) return this.onEntityArgument(name, args);
    if (REPOSITORY_GETTERS.has(name)) return { kind: 'repository', entity: this.entityKeyOf(args[0]) };
    if (name === 'withRepository') {
      const repository = args[0] && this.context.classify(args[0]);
      return { kind: 'repository', entity: repository?.kind === 'repository' ? repository.entity : undefined };
    }
    if (name === 'transaction') {
      this.reading.callbacks.push(...callbacksIn(args, CLIENT, false));
      return { kind: 'done' };
    }
    if (name === 'createQueryRunner' || name === 'connect') return { kind: 'client' };
    if (name === 'query') {
      this.reading.rawSql.push(call);
      return { kind: 'done' };
    }
    if (name === 'createQueryBuilder') {
      // createQueryBuilder(Entity, 'alias') names the main table; createQueryBuilder() or (queryRunner) does not.
      if (args.length >= 2) this.main(args[0]!, args[1]);
      return { kind: 'builder' };
    }
    if (name === 'subQuery' || name === 'select') return { kind: 'builder' };
    return this.onEntityArgument(name, args);
  }

  /** manager.find(E, …), manager.save(entity): the entity is the first argument. */
  private onEntityArgument(name: string, args: readonly ts.Expression[]): State {
    if (!Object.hasOwn(OPERATIONS, name) || !args[0]) return { kind: 'done' };
    // Recognised by its argument alone, only an entity class will do: a Set may well hold entity instances.
    const bound = this.byArguments ? this.context.classify(args[0]) : undefined;
    const entity = this.byArguments ? (bound?.kind === 'entity' ? bound.entity : undefined) : this.entityKeyOf(args[0]);
    if (entity || !this.byArguments) this.reading.accesses.push(accessAt(unwrap(args[0]), this.context, this.tableOf(entity), OPERATIONS[name]!));
    return { kind: 'done' };
  }

  private onRepository(state: State & { kind: 'repository' }, step: Step & { kind: 'member' }): State {
    const { name, args, call, nameNode } = step;
    if (!call) return name === 'manager' ? { kind: 'client' } : { kind: 'done' };
    if (Object.hasOwn(OPERATIONS, name)) {
      this.reading.accesses.push(accessAt(nameNode, this.context, this.tableOf(state.entity), OPERATIONS[name]!));
      return { kind: 'done' };
    }
    if (name === 'createQueryBuilder') {
      this.mainIndex = this.reading.accesses.length;
      this.reading.accesses.push(accessAt(nameNode, this.context, this.tableOf(state.entity), 'read'));
      const alias = args[0] && this.context.staticString(args[0]);
      if (alias && state.entity) this.aliases.set(alias.value, state.entity);
      return { kind: 'builder' };
    }
    if (name === 'query') {
      this.reading.rawSql.push(call);
      return { kind: 'done' };
    }
    return name === 'extend' ? state : { kind: 'done' };
  }

  private onBuilder(step: Step & { kind: 'member' }): State {
    const { name, args, call } = step;
    if (!call) return { kind: 'builder' };
    if (Object.hasOwn(BUILDER_OPERATIONS, name)) {
      this.builderOperation = BUILDER_OPERATIONS[name]!;
      if (name === 'update' && args[0]) this.main(args[0], undefined);
    } else if (name === 'from' || name === 'into') {
      if (args[0]) this.main(args[0], args[1]);
    } else if (BUILDER_JOIN.test(name)) {
      const index = name.includes('AndMap') ? 1 : 0;
      if (args[index]) this.joined(args[index]!, args[index + 1]);
    }
    this.reading.callbacks.push(...callbacksIn(args, CLIENT, true));
    return { kind: 'builder' };
  }

  /** The builder's main table (from/into/update/createQueryBuilder(E)); a second `from` is a read. */
  private main(target: ts.Expression, alias: ts.Expression | undefined): void {
    if (this.mainIndex !== undefined) {
      this.joined(target, alias);
      return;
    }
    const index = this.reading.accesses.length;
    if (this.target(target, alias, 'read')) this.mainIndex = index;
  }

  private joined(target: ts.Expression, alias: ts.Expression | undefined): void {
    this.target(target, alias, 'read');
  }

  /** An entity class, 'alias.relation', an entity's class name or a table name as a string; false for subqueries. */
  private target(target: ts.Expression, alias: ts.Expression | undefined, operation: Operation): boolean {
    const expression = unwrap(target);
    if (typescript.isFunctionLike(expression)) return false;
    const aliasName = alias && this.context.staticString(alias)?.value;
    const text = this.context.staticString(expression);
    let entity: string | undefined;
    let table: TableName | undefined;
    if (text) {
      const [owner, relation] = text.value.split('.');
      if (relation !== undefined && owner !== undefined && this.aliases.has(owner)) {
        const ownerInfo = this.context.symbols.entity(this.aliases.get(owner)!);
        const related = ownerInfo && Object.hasOwn(ownerInfo.relations, relation) ? ownerInfo.relations[relation]! : undefined;
        entity = related && (related.includes('#') ? related : this.context.symbols.entityKeyNamed(related));
        table = this.tableOf(entity);
      } else {
        entity = this.context.symbols.entityKeyNamed(text.value);
        table = entity ? this.tableOf(entity) : parseBuilderTable(text.value)?.table;
      }
    } else {
      entity = this.entityKeyOf(expression);
      table = this.tableOf(entity);
    }
    if (aliasName && entity) this.aliases.set(aliasName, entity);
    this.reading.accesses.push(accessAt(expression, this.context, table, operation));
    return true;
  }

  /** The entity an argument names: a class, an instance (`new E()`, a value typed `E`), or an entity's class name. */
  private entityKeyOf(argument: ts.Expression | undefined): string | undefined {
    if (!argument) return undefined;
    const bound = this.context.classify(argument);
    if (bound?.kind === 'entity' || bound?.kind === 'instance') return bound.entity;
    const name = this.context.staticString(argument);
    return name ? this.context.symbols.entityKeyNamed(name.value) : undefined;
  }

  private tableOf(entity: string | undefined): TableName | undefined {
    return entity === undefined ? undefined : this.context.symbols.entity(entity)?.table;
  }
}
