/**
 * TypeORM: `@Entity('t')` / `@Entity({ name, schema })` classes used through repositories
 * (`getRepository(E)`, `dataSource.getRepository(E)`, `@InjectRepository(E)`, `Repository<E>`),
 * EntityManager calls with the entity as first argument (`manager.insert(E, …)`), query builders
 * (`createQueryBuilder(E, 'x')…`, `.insert().into(E)`, `.leftJoin('x.relation', 'r')`), BaseEntity
 * statics, and `query(sql)` on a DataSource, manager, repository or QueryRunner. An application's own
 * wrapper of a client (bindings.ts: a class that holds one and hands out repositories or builders,
 * like NestJS apps' `TransactionalConnection`) reads as a client: `getRepository(ctx, E)` takes the
 * entity from whichever argument names one, and its own methods given an entity class
 * (`getEntityOrThrow(ctx, E, id)`, `findOneInChannel(…)`, `build(E, …)`) read that entity's table.
 * `relations` of find options read the related tables; a builder kept in a variable keeps its aliases.
 */
import type { ts } from 'ts-morph';
import { typescript } from '../typescript-compiler.js';
import type { Operation, TableName } from '../../facts/types.js';
import { unwrap } from './chain.js';
import { accessAt, parseBuilderTable } from './names.js';
import { callbacksIn, emptyReading } from './reading.js';
import { snakeCase } from './entities.js';
import { Declarations } from './scope.js';
import type { EntityInfo } from './symbols.js';
import type { Binding, ChainReading, FrameworkReader, ReadContext, Step } from './types.js';

const CLIENT: Binding = { kind: 'client', framework: 'typeorm' };
const QUERY = { kind: 'query', framework: 'typeorm' } as const satisfies Binding;

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
/** Methods of TypeORM's own clients that take an entity class and send no query. */
const NO_QUERY = new Set(['getMetadata', 'hasMetadata', 'getId', 'hasId', 'create', 'merge', 'getCustomRepository', 'withRepository', 'release']);
/** Properties of a client that are clients too: `manager`, `queryRunner`, `connection`, a wrapper's `rawConnection`. */
const CLIENT_PROPERTY = /(connection|manager|datasource|queryrunner)$/i;
/** Find options that load relations (`find({ relations })`); a builder's `setFindOptions` takes them too. */
const FIND_WITH_RELATIONS = new Set(['find', 'findOne', 'findOneOrFail', 'findAndCount', 'findByIds', 'count', 'exists', 'preload']);
/** What a RelationQueryBuilder does: load the related rows, or change the relation. */
const RELATION_TERMINALS = new Set(['loadOne', 'loadMany', 'add', 'remove', 'set', 'addAndRemove']);
/** How deep entity inheritance is followed. */
const MAX_INHERITANCE = 8;
const BUILDER_OPERATIONS: Record<string, Operation> = { insert: 'insert', update: 'update', delete: 'delete', softDelete: 'update', restore: 'update' };
const BUILDER_JOIN = /^(left|inner)Join(AndSelect|AndMapOne|AndMapMany)?$/;

type State =
  | { kind: 'client' }
  | { kind: 'repository'; entity?: string }
  | { kind: 'builder' }
  | { kind: 'done' };

/** Reading a dotted relation path goes through at most this many relations. */
const MAX_RELATION_DEPTH = 8;

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
  /** The entity of the builder's main table, for `setFindOptions({ relations })`. */
  private mainEntity: string | undefined;
  /** Names of the builder's CTEs (`addCommonTableExpression(q, 'name')`): not tables. */
  private readonly ctes = new Set<string>();
  /** The relations each method of the app's wrapper joins on the entity it is given (root binding). */
  private wrapperJoins: Record<string, string[]> | undefined;
  /** Relation paths (and their prefixes) of the find options being read: each is joined once. */
  private readonly loaded = new Set<string>();
  /** `relation(…)` of a RelationQueryBuilder: the entity and relation its add/remove/set/load… act on. */
  private relation: { entity: string | undefined; name: string | undefined; node: ts.Node } | undefined;

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
    if (this.relation && this.mainIndex !== undefined) {
      // A RelationQueryBuilder never queries the table it was made from: its terminal call says what it does.
      this.reading.accesses.splice(this.mainIndex, 1);
      this.mainIndex = undefined;
    }
    if (this.mainIndex !== undefined) this.reading.accesses[this.mainIndex]!.operation = this.builderOperation;
    if (this.byArguments && this.reading.accesses.every((access) => !access.table)) return undefined;
    if (state.kind === 'client') this.reading.result = CLIENT;
    else if (state.kind === 'repository') this.reading.result = { kind: 'repository', entity: state.entity };
    else if (state.kind === 'builder') {
      this.reading.result = {
        ...QUERY,
        ...(this.aliases.size > 0 ? { aliases: Object.fromEntries(this.aliases) } : {}),
        ...(this.mainEntity === undefined ? {} : { entity: this.mainEntity }),
      };
    }
    return this.reading;
  }

  private initial(root: Binding | undefined, first: Step | undefined): State | undefined {
    if (!root) return { kind: 'client' };
    switch (root.kind) {
      case 'client':
        this.wrapperJoins = root.joins;
        return { kind: 'client' };
      case 'repository':
        return { kind: 'repository', entity: root.entity };
      case 'query':
        for (const [alias, entity] of Object.entries(root.aliases ?? {})) this.aliases.set(alias, entity);
        this.mainEntity = root.entity;
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
    const { name, args, call, nameNode } = step;
    if (!call) return CLIENT_PROPERTY.test(name) ? { kind: 'client' } : { kind: 'done' };
    if (this.byArguments) return this.onEntityArgument(name, args);
    // getRepository(E), and a wrapper's getRepository(ctx, E).
    if (REPOSITORY_GETTERS.has(name)) return { kind: 'repository', entity: this.entityAmong(args) ?? this.entityKeyOf(args[0]) };
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
    if (Object.hasOwn(OPERATIONS, name) || NO_QUERY.has(name)) return this.onEntityArgument(name, args);
    // A wrapper's own method given an entity class (getEntityOrThrow(ctx, E, id), build(E, …)) reads its table.
    const entity = this.entityClassAmong(args);
    if (!entity) return { kind: 'done' };
    this.mainIndex = this.reading.accesses.length;
    this.mainEntity = entity;
    this.reading.accesses.push(accessAt(nameNode, this.context, this.tableOf(entity), 'read'));
    this.relationsOf(entity, args);
    // What the wrapper's method joins itself (findOneInChannel joining `entity.channels`).
    const joins = this.wrapperJoins && Object.hasOwn(this.wrapperJoins, name) ? this.wrapperJoins[name]! : [];
    for (const relation of joins) if (this.relationInfo(entity, relation)) this.relationPath(entity, [relation], nameNode);
    return { kind: 'builder' };
  }

  /** manager.find(E, …), manager.save(entity): the entity is the first argument. */
  private onEntityArgument(name: string, args: readonly ts.Expression[]): State {
    if (!Object.hasOwn(OPERATIONS, name) || !args[0]) return { kind: 'done' };
    // Recognised by its argument alone, only an entity class will do: a Set may well hold entity instances.
    const bound = this.byArguments ? this.context.classify(args[0]) : undefined;
    const entity = this.byArguments ? (bound?.kind === 'entity' ? bound.entity : undefined) : this.entityKeyOf(args[0]);
    if (entity || !this.byArguments) {
      this.reading.accesses.push(accessAt(unwrap(args[0]), this.context, this.tableOf(entity), OPERATIONS[name]!));
      if (FIND_WITH_RELATIONS.has(name)) this.relationsOf(entity, args.slice(1));
    }
    return { kind: 'done' };
  }

  private onRepository(state: State & { kind: 'repository' }, step: Step & { kind: 'member' }): State {
    const { name, args, call, nameNode } = step;
    if (!call) return name === 'manager' ? { kind: 'client' } : { kind: 'done' };
    if (Object.hasOwn(OPERATIONS, name)) {
      this.reading.accesses.push(accessAt(nameNode, this.context, this.tableOf(state.entity), OPERATIONS[name]!));
      if (FIND_WITH_RELATIONS.has(name)) this.relationsOf(state.entity, args);
      return { kind: 'done' };
    }
    if (name === 'createQueryBuilder') {
      this.mainIndex = this.reading.accesses.length;
      this.mainEntity = state.entity;
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
      // update(E, set) or update(E) names the table; update({ … }) on a builder that has one is only the set.
      const target = name === 'update' ? args[0] && unwrap(args[0]) : undefined;
      if (target && (args.length > 1 || this.mainIndex === undefined) && !typescript.isObjectLiteralExpression(target)) this.main(target, undefined);
    } else if (name === 'from' || name === 'into') {
      if (args[0]) this.main(args[0], args[1]);
    } else if (BUILDER_JOIN.test(name)) {
      const index = name.includes('AndMap') ? 1 : 0;
      if (args[index]) this.joined(args[index]!, args[index + 1]);
    } else if (name === 'addCommonTableExpression') {
      const cte = args[1] && this.context.staticString(args[1]);
      if (cte) this.ctes.add(cte.value);
    } else if (name === 'setFindOptions') {
      this.relationsOf(this.mainEntity, args);
    } else if (name === 'relation' && args[0]) {
      // relation('payments') of the builder's entity, or relation(Order, 'payments').
      const entity = args.length > 1 ? this.entityKeyOf(args[0]) : this.mainEntity;
      const relationName = this.context.staticString(args[args.length > 1 ? 1 : 0]!)?.value;
      this.relation = { entity, name: relationName, node: args[args.length > 1 ? 1 : 0]! };
    } else if (this.relation && RELATION_TERMINALS.has(name)) {
      this.relationCall(this.relation, name);
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
    const aliasName = alias && this.context.staticString(alias)?.value;
    if (aliasName) this.mainEntity = this.aliases.get(aliasName);
  }

  private joined(target: ts.Expression, alias: ts.Expression | undefined): void {
    this.target(target, alias, 'read', true);
  }

  /**
   * An entity class, 'alias.relation' (joins), an entity's class name or a table name as a string; false
   * for subqueries and CTE names.
   */
  private target(target: ts.Expression, alias: ts.Expression | undefined, operation: Operation, join = false): boolean {
    const expression = unwrap(target);
    if (typescript.isFunctionLike(expression)) return false;
    const aliasName = alias && this.context.staticString(alias)?.value;
    const text = this.context.staticString(expression);
    let entity: string | undefined;
    let table: TableName | undefined;
    if (text) {
      const [owner, relation] = text.value.split('.');
      if (relation !== undefined && owner !== undefined && this.aliases.has(owner)) {
        const junction = this.junctionOf(this.aliases.get(owner)!, relation);
        if (junction) this.reading.accesses.push(accessAt(expression, this.context, junction, operation));
        entity = this.relatedEntity(this.aliases.get(owner)!, relation);
        table = this.tableOf(entity);
      } else if (join && relation !== undefined && owner !== undefined && /^\w+$/.test(owner) && /^\w+$/.test(relation) && !this.ctes.has(text.value)) {
        // 'alias.relation' of an alias this chain did not declare (a callback's builder, a helper's): the
        // relation cannot be followed. Counted as unknown, never read as a table `relation` in a schema `alias`.
        table = undefined;
      } else if (this.ctes.has(text.value)) {
        // A CTE of this builder: its tables are read where its query is.
        return false;
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

  /** The first argument that is an entity class (`getRepository(ctx, E)`, `getEntityOrThrow(ctx, E, id)`). */
  private entityClassAmong(args: readonly ts.Expression[]): string | undefined {
    for (const argument of args) {
      const bound = this.context.classify(argument);
      if (bound?.kind === 'entity') return bound.entity;
    }
    return undefined;
  }

  /** The first argument that names an entity: a class, or an entity's class name as a string. */
  private entityAmong(args: readonly ts.Expression[]): string | undefined {
    return this.entityClassAmong(args) ?? args.map((argument) => this.entityKeyOf(argument)).find((entity) => entity !== undefined);
  }

  /**
   * The relations find options load: `{ relations: ['lines', 'lines.productVariant'] }` or
   * `{ relations: { lines: { productVariant: true } } }`, each related table read where its path is written.
   */
  private relationsOf(entity: string | undefined, args: readonly ts.Expression[]): void {
    this.loaded.clear();
    for (const argument of args) {
      const options = unwrap(argument);
      if (!typescript.isObjectLiteralExpression(options)) continue;
      for (const property of options.properties) {
        if (typescript.isPropertyAssignment(property) && property.name.getText(this.context.source) === 'relations') this.relationTree(entity, property.initializer, 0);
        else if (typescript.isShorthandPropertyAssignment(property) && property.name.text === 'relations') this.relationTree(entity, property.name, 0);
      }
    }
  }

  /**
   * Each table a relations list loads, read where its path is written (in place, or in a `const` or a
   * parameter's default of the file). Every list that may be used is read: both sides of `??`, `||` and
   * `?:`, spreads, and the list a `.filter(…)` keeps part of (an over-approximation).
   */
  private relationTree(entity: string | undefined, node: ts.Expression, depth: number): void {
    if (depth > MAX_RELATION_DEPTH) return;
    const value = unwrap(node);
    if (typescript.isArrayLiteralExpression(value)) {
      for (const element of value.elements) {
        const path = this.context.staticString(element);
        if (path) this.relationPath(entity, path.value.split('.'), element);
        else if (typescript.isSpreadElement(element)) this.relationTree(entity, element.expression, depth + 1);
        else this.reading.accesses.push(accessAt(element, this.context, undefined, 'read'));
      }
    } else if (typescript.isObjectLiteralExpression(value)) {
      for (const property of value.properties) {
        if (!typescript.isPropertyAssignment(property) && !typescript.isShorthandPropertyAssignment(property)) continue;
        const name = property.name.getText(this.context.source).replace(/^['"]|['"]$/g, '');
        const related = this.relationPath(entity, [name], property.name);
        const inner = typescript.isPropertyAssignment(property) ? unwrap(property.initializer) : undefined;
        if (inner && typescript.isObjectLiteralExpression(inner)) this.relationTree(related, inner, depth + 1);
      }
    } else if (typescript.isBinaryExpression(value) && (value.operatorToken.kind === typescript.SyntaxKind.QuestionQuestionToken || value.operatorToken.kind === typescript.SyntaxKind.BarBarToken)) {
      this.relationTree(entity, value.left, depth + 1);
      this.relationTree(entity, value.right, depth + 1);
    } else if (typescript.isConditionalExpression(value)) {
      this.relationTree(entity, value.whenTrue, depth + 1);
      this.relationTree(entity, value.whenFalse, depth + 1);
    } else if (isFilterCall(value)) {
      this.relationTree(entity, value.expression.expression, depth + 1);
    } else if (typescript.isIdentifier(value) && constListOf(value, this.context)) {
      this.relationTree(entity, constListOf(value, this.context)!, depth + 1);
    } else if (typescript.isIdentifier(value) && defaultOfParameter(value, this.context)) {
      // `relations: string[] = ['order']`: the default, and whatever a caller passes instead (unknown).
      this.relationTree(entity, defaultOfParameter(value, this.context)!, depth + 1);
      this.reading.accesses.push(accessAt(value, this.context, undefined, 'read'));
    } else if (value.kind !== typescript.SyntaxKind.UndefinedKeyword && value.kind !== typescript.SyntaxKind.NullKeyword) {
      // Relations chosen at run time (a parameter, a list built elsewhere): what they load is unknown.
      this.reading.accesses.push(accessAt(value, this.context, undefined, 'read'));
    }
  }

  /** Reads each table a relation path reaches from `entity`; the entity at its end. */
  private relationPath(entity: string | undefined, path: string[], node: ts.Node): string | undefined {
    let current = entity;
    let loaded = '';
    for (const relation of path.slice(0, MAX_RELATION_DEPTH)) {
      loaded += `.${relation}`;
      // ['payment', 'payment.order'] joins payment once: a path's prefixes already loaded are not read again.
      if (this.loaded.has(loaded)) {
        current = current === undefined ? undefined : this.relatedEntity(current, relation);
        continue;
      }
      this.loaded.add(loaded);
      const junction = current === undefined ? undefined : this.junctionOf(current, relation);
      if (junction) this.reading.accesses.push(accessAt(node, this.context, junction, 'read'));
      current = current === undefined ? undefined : this.relatedEntity(current, relation);
      this.reading.accesses.push(accessAt(node, this.context, this.tableOf(current), 'read'));
      if (current === undefined) return undefined;
    }
    return current;
  }

  /** The entity a relation property of an entity (or of an entity it extends) leads to. */
  private relatedEntity(entity: string, relation: string): string | undefined {
    const found = this.relationInfo(entity, relation);
    if (!found) return undefined;
    const related = found.info.relations[relation]!;
    return related.includes('#') ? related : this.context.symbols.entityKeyNamed(related);
  }

  /** The entity (itself or one it extends) that declares a relation, and its key. */
  private relationInfo(entity: string, relation: string): { key: string; info: EntityInfo } | undefined {
    let key: string | undefined = entity;
    for (let depth = 0; key !== undefined && depth < MAX_INHERITANCE; depth++) {
      const info = this.context.symbols.entity(key);
      if (!info) return undefined;
      if (Object.hasOwn(info.relations, relation)) return { key, info };
      key = info.parent;
    }
    return undefined;
  }

  private relationKind(entity: string | undefined, relation: string): string | undefined {
    const found = entity === undefined ? undefined : this.relationInfo(entity, relation);
    return found?.info.relationKinds?.[relation];
  }

  /**
   * The junction table of a many-to-many relation: `@JoinTable({ name })`, or TypeORM's default
   * `<owner table>_<property>_<related table>` from the owning side (this one, or the inverse's).
   */
  private junctionOf(entity: string, relation: string): TableName | undefined {
    const found = this.relationInfo(entity, relation);
    if (found?.info.relationKinds?.[relation] !== 'ManyToMany') return undefined;
    const related = this.relatedEntity(entity, relation);
    if (found.info.joinTables && Object.hasOwn(found.info.joinTables, relation)) return this.junctionName(found.key, relation, related, found.info.joinTables[relation]!);
    const inverse = found.info.inverses?.[relation];
    const relatedInfo = related && inverse ? this.relationInfo(related, inverse) : undefined;
    if (!relatedInfo?.info.joinTables || !Object.hasOwn(relatedInfo.info.joinTables, inverse!)) return undefined;
    return this.junctionName(relatedInfo.key, inverse!, entity, relatedInfo.info.joinTables[inverse!]!);
  }

  private junctionName(owner: string, property: string, related: string | undefined, written: string): TableName | undefined {
    const ownerTable = this.tableOf(owner);
    if (written !== '') return ownerTable?.schema === undefined ? { name: written } : { schema: ownerTable.schema, name: written };
    const relatedTable = this.tableOf(related);
    if (!ownerTable || !relatedTable) return undefined;
    const name = snakeCase(`${ownerTable.name}_${property}_${relatedTable.name}`);
    return ownerTable.schema === undefined ? { name } : { schema: ownerTable.schema, name };
  }

  /**
   * A RelationQueryBuilder's terminal call: load reads the related table (through a junction for
   * many-to-many); add/remove/set write the junction (many-to-many), the related rows' foreign key
   * (one-to-many) or the entity's own (many-to-one, one-to-one).
   */
  private relationCall(relation: NonNullable<ChainReader['relation']>, call: string): void {
    const { entity, name, node } = relation;
    const kind = name === undefined ? undefined : this.relationKind(entity, name);
    const related = entity && name ? this.relatedEntity(entity, name) : undefined;
    const junction = entity && name ? this.junctionOf(entity, name) : undefined;
    const push = (table: TableName | undefined, operation: Operation) => this.reading.accesses.push(accessAt(node, this.context, table, operation));
    if (call === 'loadOne' || call === 'loadMany') {
      if (junction) push(junction, 'read');
      push(this.tableOf(related), 'read');
    } else if (kind === 'ManyToMany') {
      if (call !== 'remove') push(junction, 'insert');
      if (call !== 'add') push(junction, 'delete');
    } else if (kind === 'OneToMany') {
      push(this.tableOf(related), 'update');
    } else {
      push(kind === undefined ? undefined : this.tableOf(entity), 'update');
    }
  }

  /** An entity's table; a `@ChildEntity` lives in the table of the entity it extends. */
  private tableOf(entity: string | undefined): TableName | undefined {
    let key = entity;
    for (let depth = 0; key !== undefined && depth < MAX_INHERITANCE; depth++) {
      const info = this.context.symbols.entity(key);
      if (!info?.child) return info?.table;
      key = info.parent;
    }
    return undefined;
  }
}

const DECLARATIONS = new WeakMap<ts.SourceFile, Declarations>();

/** `list.filter(…)`: a part of `list`. */
function isFilterCall(node: ts.Expression): node is ts.CallExpression & { expression: ts.PropertyAccessExpression } {
  return typescript.isCallExpression(node) && typescript.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'filter';
}

function declarationOf(identifier: ts.Identifier, context: ReadContext): ts.Node | undefined {
  let declarations = DECLARATIONS.get(context.source);
  if (!declarations) DECLARATIONS.set(context.source, (declarations = new Declarations()));
  return declarations.of(identifier);
}

/** The default value of the parameter an identifier names (`relations = ['order']`). */
function defaultOfParameter(identifier: ts.Identifier, context: ReadContext): ts.Expression | undefined {
  const declaration = declarationOf(identifier, context);
  return declaration && typescript.isParameter(declaration) ? declaration.initializer : undefined;
}

/** What a `const` of the file is initialised with (a relations list written once, `relations ?? […]`). */
function constListOf(identifier: ts.Identifier, context: ReadContext): ts.Expression | undefined {
  const declaration = declarationOf(identifier, context);
  if (!declaration || !typescript.isVariableDeclaration(declaration) || !declaration.initializer) return undefined;
  const list = declaration.parent;
  if (!typescript.isVariableDeclarationList(list) || (list.flags & typescript.NodeFlags.Const) === 0) return undefined;
  return declaration.initializer;
}

/**
 * What each method of an app's TypeORM wrapper joins on the builder of the entity it is given: in a
 * method that makes `createQueryBuilder('entity')`, every `…Join…('entity.relation', …)` of that alias.
 * The relation is the caller's entity's (Vendure's `findOneInChannel(ctx, E, …)` joins `E.channels`).
 */
export function wrapperJoins(cls: ts.ClassLikeDeclaration, stringOf: (expression: ts.Expression) => string | undefined): Record<string, string[]> {
  const joins: Record<string, string[]> = {};
  for (const member of cls.members) {
    if (!typescript.isMethodDeclaration(member) || !member.body || !typescript.isIdentifier(member.name)) continue;
    const aliases = new Set<string>();
    const joined: Array<[string, string]> = [];
    const visit = (node: ts.Node): void => {
      if (typescript.isCallExpression(node) && typescript.isPropertyAccessExpression(node.expression) && node.arguments[0]) {
        const method = node.expression.name.text;
        const text = stringOf(node.arguments[0]);
        if (method === 'createQueryBuilder' && text !== undefined && node.arguments.length === 1) aliases.add(text);
        else if (BUILDER_JOIN.test(method) && !method.includes('AndMap') && text !== undefined) {
          const [owner, relation, rest] = text.split('.');
          if (owner && relation && rest === undefined) joined.push([owner, relation]);
        }
      }
      typescript.forEachChild(node, visit);
    };
    visit(member.body);
    const relations = [...new Set(joined.filter(([owner]) => aliases.has(owner)).map(([, relation]) => relation))];
    if (relations.length > 0) joins[member.name.text] = relations;
  }
  return joins;
}
