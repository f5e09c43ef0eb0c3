/**
 * Provenance without a type checker: what an expression is bound to, from its declaration in the
 * file, the package or repository file it is imported from, its type annotation or decorator, or the
 * builder callback it is a parameter of. Used by the per-file pass and by the repository pre-pass.
 */
import type { ts } from 'ts-morph';
import { typescript } from '../typescript-compiler.js';
import type { TableName } from '../../facts/types.js';
import { decompose, stepsOf, unwrap } from './chain.js';
import { staticStringOf } from './names.js';
import { READERS } from './readers.js';
import { Declarations, memberOf, thisClassOf, thisFunctionOf } from './scope.js';
import type { RepoSymbols } from './symbols.js';
import type { Binding, CallbackRoot, Chain, ChainReading, OrmFramework, ReadContext, StaticString, Step } from './types.js';

/** Exported bindings of repository files: the finished symbol table, or the pre-pass while it builds one. */
export interface SymbolLookup {
  exportOf(file: string, name: string): Binding | undefined;
  exportsOf(file: string): Record<string, Binding> | undefined;
}

export type ImportTarget = { framework: OrmFramework } | { file: string } | undefined;

export interface ClassifierHost {
  file: string;
  source: ts.SourceFile;
  /** Where an import specifier leads: a framework's package, a repository file, or nowhere this pass knows. */
  importTarget(specifier: string): ImportTarget;
  lookup: SymbolLookup;
  /** The finished symbol table (empty while the pre-pass builds it). */
  symbols: RepoSymbols;
}

/** Names that mean a client when nothing else explains them: `knex(…)`, `prisma.user…`, `ctx.prisma.user…`. */
const CONVENTIONAL: Record<string, Binding> = {
  knex: { kind: 'client', framework: 'knex' },
  prisma: { kind: 'client', framework: 'prisma' },
};

/** Type names that mean a client (or a repository) of their framework when imported from its package. */
const CLIENT_TYPES: Record<OrmFramework, RegExp> = {
  knex: /^(Knex|Transaction|QueryBuilder)$/,
  kysely: /^(Kysely|Transaction|ControlledTransaction)$/,
  drizzle: /(Database|Transaction)$/,
  prisma: /^(PrismaClient|TransactionClient)$/,
  typeorm: /^(DataSource|Connection|EntityManager|QueryRunner)$/,
};
const REPOSITORY_TYPES = /^(Repository|TreeRepository|MongoRepository)$/;
/** Roots are short (`prisma`, `this.repo`, `ctx.prisma`, `this.dataSource.manager`): longer prefixes are not tried. */
const MAX_ROOT_PROPERTIES = 3;
/** Generated code nests expressions deeper than the call stack goes: deeper than this, nothing is bound. */
const MAX_DEPTH = 64;
const INJECTED_CLIENTS = /^(InjectDataSource|InjectEntityManager|InjectConnection)$/;

export class Classifier implements ReadContext {
  readonly file: string;
  readonly source: ts.SourceFile;
  readonly symbols: RepoSymbols;
  private readonly declarations: Declarations;
  private readonly memo = new Map<ts.Node, Binding | null>();
  private readonly parameterRoots = new Map<ts.Node, Binding>();
  private readonly thisRoots = new Map<ts.Node, Binding>();
  private depth = 0;

  constructor(private readonly host: ClassifierHost) {
    this.file = host.file;
    this.source = host.source;
    this.symbols = host.symbols;
    this.declarations = new Declarations();
  }

  classify(expression: ts.Expression): Binding | undefined {
    if (this.depth >= MAX_DEPTH) return undefined;
    this.depth++;
    try {
      return this.classifyNode(unwrap(expression));
    } finally {
      this.depth--;
    }
  }

  private classifyNode(node: ts.Expression): Binding | undefined {
    if (typescript.isIdentifier(node)) return this.ofIdentifier(node);
    if (node.kind === typescript.SyntaxKind.ThisKeyword) {
      const fn = thisFunctionOf(node);
      return fn && this.thisRoots.get(fn);
    }
    if (typescript.isPropertyAccessExpression(node)) return this.ofProperty(node, node.name.text);
    if (typescript.isElementAccessExpression(node) && typescript.isStringLiteralLike(node.argumentExpression)) return this.ofProperty(node, node.argumentExpression.text);
    if (typescript.isNewExpression(node)) return this.ofNew(node);
    if (typescript.isArrowFunction(node) || typescript.isFunctionExpression(node)) return this.ofFunction(node);
    if (typescript.isBinaryExpression(node) && (node.operatorToken.kind === typescript.SyntaxKind.BarBarToken || node.operatorToken.kind === typescript.SyntaxKind.QuestionQuestionToken)) {
      // `globalThis.db || makeDb()`, `cached ?? create()`: either side tells.
      return this.classify(node.left) ?? this.classify(node.right);
    }
    if (typescript.isCallExpression(node) || typescript.isTaggedTemplateExpression(node)) {
      const chain = decompose(node);
      const root = this.rootOf(chain);
      // A builder recognised by its shape (`kyselyPrisma.$kysely.selectFrom(…)`) is one when kept in a variable too.
      if (!root) return this.mayHoldBuilder(chain) ? this.read(undefined, stepsOf(chain.links))?.result : undefined;
      if (root.start === chain.links.length) return root.binding;
      return this.read(root.binding, stepsOf(chain.links, root.start))?.result;
    }
    // `flag ? tx : prisma`: either branch may be the client.
    if (typescript.isConditionalExpression(node)) return this.classify(node.whenTrue) ?? this.classify(node.whenFalse);
    return undefined;
  }

  staticString(expression: ts.Expression): StaticString | undefined {
    return staticStringOf(expression, this.source, (identifier) => this.declarations.of(identifier));
  }

  exportsOf(file: string): Record<string, Binding> | undefined {
    return this.host.lookup.exportsOf(file);
  }

  /** The shortest prefix of a chain that is bound (`prisma`, `this.repo`, `ctx.prisma`), and where the rest begins. */
  rootOf(chain: Chain): { binding: Binding; start: number } | undefined {
    const { root, links } = chain;
    const first = links[0];
    if (typescript.isIdentifier(root) && root.text === 'require' && first?.kind === 'call') {
      const [specifier] = first.node.arguments;
      const binding = specifier && typescript.isStringLiteralLike(specifier) ? moduleBinding(this.host.importTarget(specifier.text)) : undefined;
      return binding && { binding, start: 1 };
    }
    const bound = this.classify(root);
    if (bound) return throughWrappers(bound, 0, links);
    for (let index = 0; index < Math.min(links.length, MAX_ROOT_PROPERTIES); index++) {
      const link = links[index]!;
      if (link.kind !== 'property') return undefined;
      const binding = this.classify(link.node.parent as ts.Expression);
      if (binding) return throughWrappers(binding, index + 1, links);
    }
    return undefined;
  }

  /**
   * True when a chain whose root is unbound may still start at a builder, so that readers may
   * recognise it by its arguments: `ctx.db…`, an untyped parameter, an import. Not a variable or
   * member this file initialises (`const seen = new Map()`), a class or function, nor a value whose
   * declared type is not a framework's receiving the call itself (`list: List` in `list.remove(User)`).
   */
  mayHoldBuilder(chain: Chain): boolean {
    const root = unwrap(chain.root);
    const [first, second, third] = chain.links;
    let declaration: ts.Node | undefined;
    let receivesCall: boolean;
    if (typescript.isIdentifier(root)) {
      declaration = this.declarations.of(root);
      receivesCall = second?.kind === 'call';
    } else if (root.kind === typescript.SyntaxKind.ThisKeyword && first?.kind === 'property') {
      const cls = thisClassOf(root);
      declaration = cls && memberOf(cls, first.name);
      receivesCall = third?.kind === 'call';
    } else {
      return !typescript.isNewExpression(root) && !typescript.isArrayLiteralExpression(root) && !typescript.isObjectLiteralExpression(root);
    }
    if (!declaration) return true;
    if (typescript.isClassDeclaration(declaration) || typescript.isFunctionDeclaration(declaration)) return false;
    if (!typescript.isParameter(declaration) && !typescript.isVariableDeclaration(declaration) && !typescript.isPropertyDeclaration(declaration)) return true;
    if (declaration.initializer) return false;
    const type = declaration.type;
    return !(receivesCall && type && type.kind !== typescript.SyntaxKind.AnyKeyword && type.kind !== typescript.SyntaxKind.UnknownKeyword);
  }

  /** The initializer of the variable a chain starts at (`query` in `query.leftJoin(…)`), past `await` and parentheses. */
  initializerOfRoot(chain: Chain): ts.Node | undefined {
    const root = unwrap(chain.root);
    const declaration = typescript.isIdentifier(root) ? this.declarations.of(root) : undefined;
    return declaration && typescript.isVariableDeclaration(declaration) && declaration.initializer ? unwrap(declaration.initializer) : undefined;
  }

  /**
   * True when the chain starts at a value this file builds itself from a literal (`const fake = {
   * selectFrom … }`, an array, a function, `new LocalClass()`): its methods are the file's own, whatever
   * they are called.
   */
  rootIsLocalValue(chain: Chain): boolean {
    const root = unwrap(chain.root);
    const declaration = typescript.isIdentifier(root) ? this.declarations.of(root) : undefined;
    if (declaration && (typescript.isClassDeclaration(declaration) || typescript.isFunctionDeclaration(declaration))) return true;
    const value = declaration && typescript.isVariableDeclaration(declaration) && declaration.initializer ? unwrap(declaration.initializer) : typescript.isIdentifier(root) ? undefined : root;
    if (!value) return false;
    if (typescript.isObjectLiteralExpression(value) || typescript.isArrayLiteralExpression(value) || typescript.isFunctionLike(value) || typescript.isClassExpression(value)) return true;
    if (typescript.isNewExpression(value) && typescript.isIdentifier(value.expression)) {
      const constructor = this.declarations.of(value.expression);
      return constructor !== undefined && (typescript.isClassDeclaration(constructor) || typescript.isClassExpression(constructor));
    }
    return false;
  }

  /**
   * Reads steps with the reader of the root's framework, or with the readers that recognise a chain by
   * its arguments; `distinctiveOnly`: only by method names no other library has.
   */
  read(root: Binding | undefined, steps: Step[], distinctiveOnly = false): (ChainReading & { framework: OrmFramework }) | undefined {
    const framework = root && frameworkOf(root);
    for (const reader of READERS) {
      if (framework ? reader.framework !== framework : !reader.byArguments || (distinctiveOnly && !reader.distinctive)) continue;
      const reading = reader.read(root, steps, this);
      if (reading) return { ...reading, framework: reader.framework };
    }
    return undefined;
  }

  /** From now on, the callback's first parameter (and its `this`) is a builder. */
  bindCallback(callback: CallbackRoot): void {
    const [parameter] = callback.fn.parameters;
    if (parameter) this.parameterRoots.set(parameter, callback.binding);
    if (typescript.isFunctionExpression(callback.fn)) this.thisRoots.set(callback.fn, callback.binding);
  }

  /** What a declaration binds its name to: memoised, and undefined for cycles. */
  ofDeclaration(declaration: ts.Node): Binding | undefined {
    const callbackRoot = this.parameterRoots.get(declaration);
    if (callbackRoot) return callbackRoot;
    if (this.memo.has(declaration)) return this.memo.get(declaration) ?? undefined;
    this.memo.set(declaration, null);
    const binding = this.bindingOf(declaration);
    this.memo.set(declaration, binding ?? null);
    return binding;
  }

  private ofIdentifier(identifier: ts.Identifier): Binding | undefined {
    const declaration = this.declarations.of(identifier);
    return (declaration && this.ofDeclaration(declaration)) ?? conventional(identifier.text);
  }

  private ofProperty(node: ts.PropertyAccessExpression | ts.ElementAccessExpression, name: string): Binding | undefined {
    if (node.expression.kind === typescript.SyntaxKind.ThisKeyword) {
      const cls = thisClassOf(node);
      const bound = cls && this.memberBinding(cls, name);
      if (bound) return bound;
    }
    const base = this.classify(node.expression);
    if (base?.kind === 'module') return memberOfModule(base, name, this.host.lookup);
    if (base?.kind === 'object' || base?.kind === 'class') return Object.hasOwn(base.members, name) ? base.members[name] : undefined;
    if (base?.kind === 'function') return undefined;
    if (base) {
      const nameNode = typescript.isPropertyAccessExpression(node) ? node.name : node.argumentExpression;
      const bound = this.read(base, [{ kind: 'member', name, nameNode, args: [] }])?.result;
      if (bound) return bound;
    }
    return name === 'prisma' ? conventional(name) : undefined;
  }

  private ofNew(node: ts.NewExpression): Binding | undefined {
    const constructor = this.classify(node.expression);
    if (constructor?.kind === 'entity') return { kind: 'instance', entity: constructor.entity };
    if (constructor?.kind === 'class') return { kind: 'object', members: constructor.members };
    const name = constructor?.kind === 'package' ? constructor.name : typescript.isIdentifier(node.expression) ? node.expression.text : undefined;
    if (name === 'PrismaClient') return { kind: 'client', framework: 'prisma' };
    if (constructor?.kind !== 'package') return undefined;
    if (constructor.framework === 'kysely' && name === 'Kysely') return { kind: 'client', framework: 'kysely' };
    if (constructor.framework === 'typeorm' && CLIENT_TYPES.typeorm.test(name ?? '')) return { kind: 'client', framework: 'typeorm' };
    return undefined;
  }

  private bindingOf(declaration: ts.Node): Binding | undefined {
    if (typescript.isImportSpecifier(declaration)) {
      const specifier = declaration.parent.parent.parent.moduleSpecifier;
      const imported = (declaration.propertyName ?? declaration.name).text;
      return typescript.isStringLiteral(specifier) ? memberOfModule(moduleBinding(this.host.importTarget(specifier.text)), imported, this.host.lookup) : undefined;
    }
    if (typescript.isImportClause(declaration)) {
      const specifier = declaration.parent.moduleSpecifier;
      return typescript.isStringLiteral(specifier) ? memberOfModule(moduleBinding(this.host.importTarget(specifier.text)), 'default', this.host.lookup) : undefined;
    }
    if (typescript.isNamespaceImport(declaration)) {
      const specifier = declaration.parent.parent.moduleSpecifier;
      return typescript.isStringLiteral(specifier) ? moduleBinding(this.host.importTarget(specifier.text)) : undefined;
    }
    if (typescript.isImportEqualsDeclaration(declaration)) {
      const reference = declaration.moduleReference;
      return typescript.isExternalModuleReference(reference) && typescript.isStringLiteral(reference.expression)
        ? moduleBinding(this.host.importTarget(reference.expression.text))
        : undefined;
    }
    if (typescript.isClassDeclaration(declaration) || typescript.isClassExpression(declaration)) {
      if (this.isEntityClass(declaration) && declaration.name) return { kind: 'entity', entity: `${this.file}#${declaration.name.text}` };
      return this.ofClass(declaration);
    }
    if (typescript.isTypeAliasDeclaration(declaration)) return this.ofType(declaration.type);
    // `<Q extends PgDatabase<…>>(primary: Q) => Q & {…}`: a type parameter is what its constraint says.
    if (typescript.isTypeParameterDeclaration(declaration)) return declaration.constraint && this.ofType(declaration.constraint);
    if (typescript.isInterfaceDeclaration(declaration)) return this.ofMembers(declaration.members, declaration.heritageClauses, 'object');
    if (typescript.isFunctionDeclaration(declaration) || typescript.isMethodDeclaration(declaration)) return this.ofFunction(declaration);
    if (typescript.isGetAccessorDeclaration(declaration)) {
      return (declaration.type && this.ofType(declaration.type)) ?? this.returnedBy(declaration);
    }
    if (typescript.isBindingElement(declaration)) return this.ofBindingElement(declaration);
    if (typescript.isParameter(declaration) || typescript.isPropertyDeclaration(declaration) || typescript.isVariableDeclaration(declaration)) {
      const injected = typescript.isVariableDeclaration(declaration) ? undefined : this.ofDecorators(declaration);
      if (injected) return injected;
      const typed = declaration.type && this.ofType(declaration.type);
      if (typed) return typed;
      return declaration.initializer ? this.classify(declaration.initializer) : undefined;
    }
    return undefined;
  }

  /** `const { PrismaClient } = require('@prisma/client')` and destructured namespaces. */
  private ofBindingElement(element: ts.BindingElement): Binding | undefined {
    const pattern = element.parent;
    const holder = pattern.parent;
    if (!typescript.isObjectBindingPattern(pattern) || !typescript.isVariableDeclaration(holder) || !holder.initializer) return undefined;
    const source = this.classify(holder.initializer);
    const property = element.propertyName ?? element.name;
    if (!typescript.isIdentifier(property)) return undefined;
    // `const { db } = await getAdminContext()`: a member of a wrapper.
    if (source?.kind === 'object' || source?.kind === 'class') return Object.hasOwn(source.members, property.text) ? source.members[property.text] : undefined;
    return source?.kind === 'module' ? memberOfModule(source, property.text, this.host.lookup) : undefined;
  }

  /** `@InjectRepository(E)` and `@InjectDataSource()` / `@InjectEntityManager()` (Nest). */
  private ofDecorators(node: ts.HasDecorators): Binding | undefined {
    for (const decorator of typescript.getDecorators(node) ?? []) {
      const call = decorator.expression;
      if (!typescript.isCallExpression(call)) continue;
      const callee = this.classify(call.expression);
      if (callee?.kind !== 'package' || callee.framework !== 'typeorm') continue;
      if (callee.name === 'InjectRepository') {
        const entity = call.arguments[0] && this.classify(call.arguments[0]);
        return { kind: 'repository', entity: entity?.kind === 'entity' ? entity.entity : undefined };
      }
      if (INJECTED_CLIENTS.test(callee.name)) return { kind: 'client', framework: 'typeorm' };
    }
    return undefined;
  }

  private ofType(type: ts.TypeNode): Binding | undefined {
    if (typescript.isTypeQueryNode(type) && typescript.isIdentifier(type.exprName)) return this.classify(type.exprName);
    if (typescript.isParenthesizedTypeNode(type)) return this.ofType(type.type);
    if (typescript.isUnionTypeNode(type) || typescript.isIntersectionTypeNode(type)) return this.ofTypes(type.types);
    if (typescript.isTypeLiteralNode(type)) return this.ofMembers(type.members, undefined, 'object');
    if (!typescript.isTypeReferenceNode(type)) return undefined;
    // `Awaited<ReturnType<typeof make>>` is what make() resolves to.
    const [first] = type.typeArguments ?? [];
    if (typescript.isIdentifier(type.typeName) && type.typeName.text === 'Awaited' && first && type.typeArguments!.length === 1) return this.ofType(first);
    const names: string[] = [];
    let name: ts.EntityName = type.typeName;
    while (typescript.isQualifiedName(name)) {
      names.unshift(name.right.text);
      name = name.left;
    }
    let binding = this.ofIdentifier(name);
    for (const part of names) binding = binding?.kind === 'module' ? memberOfModule(binding, part, this.host.lookup) : binding?.kind === 'package' ? { ...binding, name: part } : undefined;
    if (binding?.kind === 'entity') return { kind: 'instance', entity: binding.entity };
    // A class used as a type is one of its instances; an alias or interface already says what a value is.
    if (binding?.kind === 'class') return { kind: 'object', members: binding.members };
    if (binding?.kind === 'object' || binding?.kind === 'client' || binding?.kind === 'repository' || binding?.kind === 'function') return binding;
    if (!binding && names.length === 0 && name.text === 'ReturnType' && type.typeArguments?.[0]) {
      // ReturnType<typeof makeDb>
      const made = this.ofType(type.typeArguments[0]);
      return made?.kind === 'function' ? made.returns : undefined;
    }
    const last = binding?.kind === 'package' ? binding.name : (names.at(-1) ?? name.text);
    if (last === 'PrismaClient') return { kind: 'client', framework: 'prisma' };
    if (binding?.kind !== 'package') return undefined;
    const [argument] = type.typeArguments ?? [];
    if (binding.framework === 'typeorm' && REPOSITORY_TYPES.test(last)) {
      const entity = argument && typescript.isTypeReferenceNode(argument) && typescript.isIdentifier(argument.typeName) ? this.ofIdentifier(argument.typeName) : undefined;
      return { kind: 'repository', entity: entity?.kind === 'entity' ? entity.entity : undefined };
    }
    if (!CLIENT_TYPES[binding.framework].test(last)) return undefined;
    const tables = binding.framework === 'drizzle' && argument && typescript.isTypeQueryNode(argument) ? this.drizzleTablesOf(argument.exprName) : undefined;
    return tables ? { kind: 'client', framework: 'drizzle', tables } : { kind: 'client', framework: binding.framework };
  }

  /** A union's (or intersection's) binding: the one its members that have one agree on (`Knex | Knex.Transaction`). */
  private ofTypes(types: readonly ts.TypeNode[]): Binding | undefined {
    let found: Binding | undefined;
    for (const member of types) {
      const binding = this.ofType(member);
      if (!binding) continue;
      if (!found) found = binding;
      else if (found.kind === 'client' && binding.kind === 'client' && found.framework === binding.framework) continue;
      else if (JSON.stringify(found) !== JSON.stringify(binding)) return undefined;
    }
    return found;
  }

  /** A class: its members that lead to clients, its base class's included (`extends BaseRepository`). */
  private ofClass(cls: ts.ClassLikeDeclaration): Binding | undefined {
    const members: Record<string, Binding> = {};
    const base = this.baseOf(cls);
    if (base) Object.assign(members, base.members);
    for (const member of cls.members) {
      if (typescript.isConstructorDeclaration(member)) {
        for (const parameter of member.parameters) {
          if (typescript.isIdentifier(parameter.name) && typescript.getModifiers(parameter)?.length) put(members, parameter.name.text, this.ofDeclaration(parameter));
        }
      } else if (member.name && typescript.isIdentifier(member.name) && !isStatic(member)) {
        if (typescript.isPropertyDeclaration(member) || typescript.isGetAccessorDeclaration(member) || typescript.isMethodDeclaration(member)) {
          put(members, member.name.text, this.ofDeclaration(member));
        }
      }
    }
    return Object.keys(members).length > 0 ? { kind: 'class', members } : undefined;
  }

  /** The class a class extends, when it is one with client members. */
  private baseOf(cls: ts.ClassLikeDeclaration): Extract<Binding, { kind: 'class' }> | undefined {
    const heritage = cls.heritageClauses?.find((clause) => clause.token === typescript.SyntaxKind.ExtendsKeyword)?.types[0];
    const base = heritage && this.classify(heritage.expression);
    return base?.kind === 'class' ? base : undefined;
  }

  /** What `this.<name>` is in a class: its own member, or one it inherits. */
  private memberBinding(cls: ts.ClassLikeDeclaration, name: string): Binding | undefined {
    const member = memberOf(cls, name);
    if (member) return this.ofDeclaration(member);
    const base = this.baseOf(cls);
    return base && Object.hasOwn(base.members, name) ? base.members[name] : undefined;
  }

  /** An interface's or object type's members that lead to clients, those of the interfaces it extends included. */
  private ofMembers(
    elements: ts.NodeArray<ts.TypeElement>,
    heritage: ts.NodeArray<ts.HeritageClause> | undefined,
    kind: 'object',
  ): Binding | undefined {
    const members: Record<string, Binding> = {};
    for (const clause of heritage ?? []) {
      for (const type of clause.types) {
        const base = this.classify(type.expression);
        if (base?.kind === 'object' || base?.kind === 'class') Object.assign(members, base.members);
      }
    }
    for (const element of elements) {
      if (!element.name || !typescript.isIdentifier(element.name)) continue;
      if (typescript.isPropertySignature(element) && element.type) put(members, element.name.text, this.ofType(element.type));
      else if (typescript.isMethodSignature(element) && element.type) {
        const returns = this.ofType(element.type);
        if (returns) put(members, element.name.text, { kind: 'function', returns });
      }
    }
    return Object.keys(members).length > 0 ? { kind, members } : undefined;
  }

  /** A function that returns a client or builder: by its declared return type, else by what it returns. */
  private ofFunction(fn: ts.FunctionLikeDeclaration): Binding | undefined {
    const declared = fn.type && this.ofType(unwrapPromise(fn.type));
    const returns = declared ?? this.returnedBy(fn);
    return returns ? { kind: 'function', returns } : undefined;
  }

  /** What a function body returns, when it is one expression (`() => db`, `{ return this.inner }`). */
  private returnedBy(fn: ts.FunctionLikeDeclaration): Binding | undefined {
    const body = fn.body;
    if (!body) return undefined;
    if (!typescript.isBlock(body)) return this.classify(body);
    const returns = body.statements.filter(typescript.isReturnStatement);
    const [only] = returns;
    return returns.length === 1 && only?.expression ? this.classify(only.expression) : undefined;
  }

  /** The tables a drizzle `schema` holds, by export name: a namespace import, `{ ...a, users }`, or `typeof schema`. */
  drizzleTablesOf(node: ts.Node): Record<string, TableName> | undefined {
    if (typescript.isIdentifier(node) || typescript.isPropertyAccessExpression(node)) {
      const bound = this.classify(node);
      if (bound?.kind !== 'module' || !bound.file) return undefined;
      const tables: Record<string, TableName> = {};
      for (const [name, binding] of Object.entries(this.exportsOf(bound.file) ?? {})) if (binding.kind === 'table') tables[name] = binding.table;
      return tables;
    }
    if (!typescript.isObjectLiteralExpression(node)) return undefined;
    const tables: Record<string, TableName> = {};
    for (const property of node.properties) {
      if (typescript.isSpreadAssignment(property)) Object.assign(tables, this.drizzleTablesOf(unwrap(property.expression)));
      else if (typescript.isShorthandPropertyAssignment(property) || typescript.isPropertyAssignment(property)) {
        const value = typescript.isShorthandPropertyAssignment(property) ? property.name : property.initializer;
        const bound = this.classify(value);
        if (bound?.kind === 'table') tables[property.name.getText(this.source)] = bound.table;
      }
    }
    return tables;
  }

  /** A class decorated with TypeORM's `@Entity`. */
  isEntityClass(declaration: ts.ClassLikeDeclaration): boolean {
    return (typescript.getDecorators(declaration) ?? []).some((decorator) => {
      const expression = typescript.isCallExpression(decorator.expression) ? decorator.expression.expression : decorator.expression;
      const bound = this.classify(expression);
      return bound?.kind === 'package' && bound.framework === 'typeorm' && bound.name === 'Entity';
    });
  }
}

function conventional(name: string): Binding | undefined {
  return Object.hasOwn(CONVENTIONAL, name) ? CONVENTIONAL[name] : undefined;
}

function frameworkOf(binding: Binding): OrmFramework | undefined {
  switch (binding.kind) {
    case 'package':
    case 'client':
    case 'query':
      return binding.framework;
    case 'module':
      return binding.framework;
    case 'table':
    case 'schema':
    case 'relations':
      return 'drizzle';
    case 'object':
    case 'class':
    case 'function':
      return undefined;
    default:
      return 'typeorm';
  }
}

function moduleBinding(target: ImportTarget): Binding | undefined {
  if (!target) return undefined;
  return 'framework' in target ? { kind: 'module', framework: target.framework } : { kind: 'module', file: target.file };
}

function memberOfModule(module: Binding | undefined, name: string, lookup: SymbolLookup): Binding | undefined {
  if (module?.kind !== 'module') return undefined;
  if (module.framework) return { kind: 'package', framework: module.framework, name };
  return module.file === undefined ? undefined : lookup.exportOf(module.file, name);
}

/**
 * From a binding that wraps a client (an object with a `db` member, a function returning one), the
 * client a chain reaches through it: `d.db.selectFrom`, `getDb().selectFrom`. Undefined when the chain
 * stops at the wrapper.
 */
function throughWrappers(binding: Binding, start: number, links: Chain['links']): { binding: Binding; start: number } | undefined {
  let current = binding;
  let index = start;
  for (;;) {
    const link = links[index];
    if ((current.kind === 'object' || current.kind === 'class') && link?.kind === 'property' && Object.hasOwn(current.members, link.name)) {
      current = current.members[link.name]!;
    } else if (current.kind === 'function' && link?.kind === 'call') {
      current = current.returns;
    } else break;
    index++;
  }
  return current.kind === 'object' || current.kind === 'class' || current.kind === 'function' ? undefined : { binding: current, start: index };
}

function put(members: Record<string, Binding>, name: string, binding: Binding | undefined): void {
  if (binding) members[name] = binding;
}

function isStatic(member: ts.ClassElement): boolean {
  return typescript.getModifiers(member as ts.HasModifiers)?.some((modifier) => modifier.kind === typescript.SyntaxKind.StaticKeyword) ?? false;
}

/** `Promise<Kysely<DB>>` is what an async function declares: the value is the client. */
function unwrapPromise(type: ts.TypeNode): ts.TypeNode {
  if (typescript.isTypeReferenceNode(type) && typescript.isIdentifier(type.typeName) && type.typeName.text === 'Promise' && type.typeArguments?.length === 1) return type.typeArguments[0]!;
  return type;
}
