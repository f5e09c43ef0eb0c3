/** What a TypeORM `@Entity` class declares: its table, its relations, whether it is an active record. */
import type { ts } from 'ts-morph';
import { typescript } from '../typescript-compiler.js';
import type { TableName } from '../../facts/types.js';
import { unwrap } from './chain.js';
import type { Classifier } from './bindings.js';
import type { EntityInfo } from './symbols.js';

const RELATIONS = new Set(['ManyToOne', 'OneToMany', 'OneToOne', 'ManyToMany', 'TreeParent', 'TreeChildren']);
/** Tree relations point at the entity itself; their kind as a plain relation. */
const TREE_RELATIONS: Record<string, string> = { TreeParent: 'ManyToOne', TreeChildren: 'OneToMany' };

export function readEntity(cls: ts.ClassLikeDeclaration & { name: ts.Identifier }, classifier: Classifier): EntityInfo {
  const className = cls.name.text;
  const info: EntityInfo = { className, relations: {}, activeRecord: extendsBaseEntity(cls, classifier) };
  const parent = parentEntity(cls, classifier);
  if (parent) info.parent = parent;
  if (decoratorCall(cls, classifier, (name) => name === 'ChildEntity')) info.child = true;
  const table = info.child ? undefined : entityTable(cls, classifier);
  if (table) info.table = table;
  for (const member of cls.members) {
    if (!typescript.isPropertyDeclaration(member) || !typescript.isIdentifier(member.name)) continue;
    const name = member.name.text;
    const decorator = decoratorCall(member, classifier, (kind) => RELATIONS.has(kind));
    const kind = decorator && classifier.classify(decorator.expression);
    const tree = kind?.kind === 'package' && Object.hasOwn(TREE_RELATIONS, kind.name) ? TREE_RELATIONS[kind.name] : undefined;
    const self = tree ? classifier.classify(cls.name) : undefined;
    const target = tree ? (self?.kind === 'entity' ? self.entity : undefined) : decorator && relationTarget(decorator, classifier);
    if (!decorator || !target) continue;
    info.relations[name] = target;
    if (kind?.kind === 'package') (info.relationKinds ??= {})[name] = tree ?? kind.name;
    const inverse = inverseProperty(decorator.arguments[1]);
    if (inverse) (info.inverses ??= {})[name] = inverse;
    const joinTable = decoratorCall(member, classifier, (kind) => kind === 'JoinTable');
    if (joinTable && kind?.kind === 'package' && kind.name === 'ManyToMany') (info.joinTables ??= {})[name] = joinTableName(joinTable, classifier);
  }
  return info;
}

/** `@JoinTable({ name: 'x' })` → x; '' for TypeORM's default name (made from both tables). */
function joinTableName(decorator: ts.CallExpression, classifier: Classifier): string {
  const options = decorator.arguments[0] && unwrap(decorator.arguments[0]);
  if (!options || !typescript.isObjectLiteralExpression(options)) return '';
  for (const property of options.properties) {
    if (typescript.isPropertyAssignment(property) && typescript.isIdentifier(property.name) && property.name.text === 'name') {
      return classifier.staticString(property.initializer)?.value ?? '';
    }
  }
  return '';
}

/** `(order) => order.lines` → lines. */
function inverseProperty(argument: ts.Expression | undefined): string | undefined {
  const fn = argument && unwrap(argument);
  if (!fn || !typescript.isArrowFunction(fn) || typescript.isBlock(fn.body)) return undefined;
  const body = unwrap(fn.body);
  return typescript.isPropertyAccessExpression(body) ? body.name.text : undefined;
}

/**
 * `@Entity()` → the class name in snake_case (TypeORM's default naming strategy), `@Entity('t')`,
 * `@Entity({ name, schema })`, `@Entity('t', { schema })`. Undefined when a name is computed.
 */
function entityTable(cls: ts.ClassLikeDeclaration & { name: ts.Identifier }, classifier: Classifier): TableName | undefined {
  const decorator = decoratorCall(cls, classifier, (name) => name === 'Entity');
  if (!decorator) return undefined;
  let name: string | undefined = snakeCase(cls.name.text);
  let schema: string | undefined;
  for (const argument of decorator.arguments) {
    const value = unwrap(argument);
    if (typescript.isObjectLiteralExpression(value)) {
      for (const property of value.properties) {
        if (!typescript.isPropertyAssignment(property) || !typescript.isIdentifier(property.name)) continue;
        const text = classifier.staticString(property.initializer)?.value;
        if (property.name.text === 'name') name = text;
        if (property.name.text === 'schema') schema = text;
        if ((property.name.text === 'name' || property.name.text === 'schema') && text === undefined) return undefined;
      }
    } else {
      name = classifier.staticString(value)?.value;
      if (name === undefined) return undefined;
    }
  }
  if (name === undefined) return undefined;
  return schema === undefined ? { name } : { schema, name };
}

/** `@ManyToOne(() => Invoice)`, `@OneToMany(type => Line, …)`, `@ManyToOne('Invoice')`: the entity key, or a class name. */
function relationTarget(decorator: ts.CallExpression, classifier: Classifier): string | undefined {
  const [target] = decorator.arguments;
  if (!target) return undefined;
  const expression = unwrap(target);
  if (typescript.isArrowFunction(expression) || typescript.isFunctionExpression(expression)) {
    const body = typescript.isArrowFunction(expression) && !typescript.isBlock(expression.body) ? expression.body : undefined;
    const bound = body && classifier.classify(body);
    return bound?.kind === 'entity' ? bound.entity : undefined;
  }
  return classifier.staticString(expression)?.value;
}

/** The entity class this one extends (`class Sale extends StockMovement`), by key. */
function parentEntity(cls: ts.ClassLikeDeclaration, classifier: Classifier): string | undefined {
  for (const clause of cls.heritageClauses ?? []) {
    if (clause.token !== typescript.SyntaxKind.ExtendsKeyword) continue;
    for (const type of clause.types) {
      const bound = classifier.classify(type.expression);
      if (bound?.kind === 'entity') return bound.entity;
    }
  }
  return undefined;
}

function extendsBaseEntity(cls: ts.ClassLikeDeclaration, classifier: Classifier): boolean {
  return (cls.heritageClauses ?? []).some(
    (clause) =>
      clause.token === typescript.SyntaxKind.ExtendsKeyword &&
      clause.types.some((type) => {
        const bound = classifier.classify(type.expression);
        return bound?.kind === 'package' && bound.framework === 'typeorm' && bound.name === 'BaseEntity';
      }),
  );
}

function decoratorCall(node: ts.HasDecorators, classifier: Classifier, named: (name: string) => boolean): ts.CallExpression | undefined {
  for (const decorator of typescript.getDecorators(node) ?? []) {
    const call = decorator.expression;
    if (!typescript.isCallExpression(call)) continue;
    const bound = classifier.classify(call.expression);
    if (bound?.kind === 'package' && bound.framework === 'typeorm' && named(bound.name)) return call;
  }
  return undefined;
}

/** TypeORM's snakeCase: `ABc` → `a_bc`, `aB` → `a_b`, lower case. */
export function snakeCase(text: string): string {
  return text
    .replace(/([A-Z])([A-Z])([a-z])/g, '$1_$2$3')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}
