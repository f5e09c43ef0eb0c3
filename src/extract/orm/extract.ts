/**
 * The per-file query-builder / ORM pass. Walks the compiler nodes of a file already parsed, finds
 * call chains that start at a known builder root (by provenance, see bindings.ts), and lets the
 * framework's reader turn each into table accesses. Depends on the file and the repository symbol
 * table alone, so its results can be cached with the file's facts.
 */
import type { ts } from 'ts-morph';
import { typescript } from '../typescript-compiler.js';
import type { LineIndex } from '../../facts/positions.js';
import type { Operation, QuerySite, TableAccessFact, TableName } from '../../facts/types.js';
import { Classifier } from './bindings.js';
import { decompose, isChainTop, stepsOf } from './chain.js';
import { frameworkOfPackage } from './packages.js';
import type { RepoSymbols } from './symbols.js';
import type { OrmFramework } from './types.js';

export interface OrmAccess {
  framework: OrmFramework;
  /** Undefined when the name cannot be known statically: the access is counted, never judged. */
  table?: TableName;
  operation: Operation;
  offset: number;
  length: number;
  /** The expression as written, to name an unresolved access. */
  text: string;
  /** Index among this pass's statements: accesses of one query (joins, subqueries, includes) share it. */
  statement: number;
  enclosingFunction?: string;
  /** The receiver was known to be the framework's (`type`), or only the call's shape said so (`shape`). */
  resolvedBy: 'type' | 'shape';
}

/** A call or tag whose SQL text goes to the database through a framework. */
export interface RawSqlSend {
  start: number;
  end: number;
  framework: OrmFramework;
}

/** A query read from one chain (its nested chains included): a site for coverage. */
export interface OrmSite {
  framework: OrmFramework;
  start: number;
  end: number;
  /** This pass's statements of its accesses: from `first` up to, not including, `end`. */
  statements: { first: number; end: number };
  /** True when a table of it could not be known statically. */
  unknownTable: boolean;
}

export interface OrmFacts {
  accesses: OrmAccess[];
  rawSql: RawSqlSend[];
  sites: OrmSite[];
}

export interface OrmInput {
  file: string;
  source: ts.SourceFile;
  /** The file's import specifiers. */
  specifiers: string[];
  symbols: RepoSymbols;
  /** The enclosing function's name at a node, as the SQL sites name it. */
  enclosingFunction(node: ts.Node): string | undefined;
}

/**
 * Names that make a file worth walking even when it imports no framework: `knex(…)`, `prisma.user…`, and
 * the method names a reader recognises whatever the receiver (`repos.db.selectFrom(…)`).
 */
const CONVENTIONAL_NAMES = /\b(?:knex|prisma)\b|\.(?:selectFrom|insertInto|updateTable|deleteFrom|mergeInto|replaceInto)\s*\(/;

export function extractOrmFacts(input: OrmInput): OrmFacts {
  const { file, source, symbols } = input;
  const facts: OrmFacts = { accesses: [], rawSql: [], sites: [] };
  if (!mayUseFrameworks(input)) return facts;
  const classifier = classifierOf(file, source, symbols);
  let statements = 0;
  /** The statement each chain top read with accesses opened: a builder kept in a variable goes on with it. */
  const statementOfChain = new Map<ts.Node, number>();

  /** Reads a node that tops a chain; returns the statement nested chains belong to (`scope`: the one around it). */
  const readChain = (node: ts.Node, outerScope: number | undefined): number | undefined => {
    if (!callsSomething(node) || !isChainTop(node)) return outerScope;
    const chain = decompose(node);
    const root = classifier.rootOf(chain);
    // `const query = knex('links')…; query.leftJoin('domains', …)`: the join belongs to the statement the variable's builder began.
    const continued = root?.binding.kind === 'query' ? statementOfVariable(chain) : undefined;
    const scope = outerScope ?? continued;
    // An unknown receiver this file declares as something else is read only for method names that no other library has.
    const distinctiveOnly = !root && !classifier.mayHoldBuilder(chain);
    if (distinctiveOnly && classifier.rootIsLocalValue(chain)) return scope;
    const reading = classifier.read(root?.binding, stepsOf(chain.links, root?.start ?? 0), distinctiveOnly);
    if (!reading) return scope;
    const resolvedBy = root ? 'type' : 'shape';
    for (const callback of reading.callbacks) classifier.bindCallback(callback);
    for (const sent of reading.rawSql) facts.rawSql.push({ start: sent.getStart(source), end: sent.end, framework: reading.framework });
    if (reading.accesses.length === 0) {
      // A transaction's callback runs statements of its own.
      return reading.callbacks.some((callback) => !callback.sameStatement) ? undefined : scope;
    }
    const base = scope ?? statements;
    if (scope === undefined) statements += Math.max(...reading.accesses.map((access) => access.group)) + 1;
    const enclosingFunction = input.enclosingFunction(node);
    for (const { group, ...access } of reading.accesses) {
      const fact: OrmAccess = { ...access, framework: reading.framework, statement: scope ?? base + group, resolvedBy };
      if (enclosingFunction) fact.enclosingFunction = enclosingFunction;
      facts.accesses.push(fact);
    }
    const unknownTable = reading.accesses.some((access) => access.table === undefined);
    if (scope === undefined) statementOfChain.set(node, base);
    if (scope === undefined) {
      facts.sites.push({ framework: reading.framework, start: node.getStart(source), end: node.end, statements: { first: base, end: statements }, unknownTable });
    } else if (unknownTable) {
      // A nested chain (a subquery, a join callback) whose table is unknown leaves its statement's site unread.
      for (const site of facts.sites) if (site.statements.first <= scope && scope < site.statements.end) site.unknownTable = true;
    }
    return base;
  };

  /** The statement the builder a chain's root variable holds began, when this pass read that builder. */
  const statementOfVariable = (chain: ReturnType<typeof decompose>): number | undefined => {
    const initializer = classifier.initializerOfRoot(chain);
    return initializer && statementOfChain.get(initializer);
  };

  // Parents before children (callbacks are bound before their bodies are read), without recursion:
  // generated code nests deeper than the call stack goes.
  const nodes: ts.Node[] = [source];
  const scopes: Array<number | undefined> = [undefined];
  const children: ts.Node[] = [];
  const collect = (child: ts.Node): undefined => {
    children.push(child);
  };
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const inner = readChain(node, scopes.pop());
    typescript.forEachChild(node, collect);
    while (children.length > 0) {
      nodes.push(children.pop()!);
      scopes.push(inner);
    }
  }
  facts.accesses.sort((a, b) => a.statement - b.statement || a.offset - b.offset);
  return facts;
}

/** The classifier of one file against the repository's symbol table. */
function classifierOf(file: string, source: ts.SourceFile, symbols: RepoSymbols): Classifier {
  return new Classifier({
    file,
    source,
    importTarget: (specifier) => {
      const framework = frameworkOfPackage(specifier);
      if (framework) return { framework };
      const target = symbols.fileOf(file, specifier);
      return target === undefined ? undefined : { file: target };
    },
    lookup: symbols,
    symbols,
  });
}

/**
 * The name of the table a `${…}` in a sql template stands for, when it is a Drizzle table object
 * (sql`select * from ${users}`): the template then names that table. A classifier is made only on
 * first use.
 */
export function drizzleTableNames(file: string, source: ts.SourceFile, symbols: RepoSymbols): (expression: ts.Expression) => TableName | undefined {
  let classifier: Classifier | undefined;
  return (expression) => {
    if (!typescript.isIdentifier(expression) && !typescript.isPropertyAccessExpression(expression)) return undefined;
    classifier ??= classifierOf(file, source, symbols);
    const binding = classifier.classify(expression);
    return binding?.kind === 'table' ? binding.table : undefined;
  };
}

/** Only a chain with a call or a tag can query (`row.id` cannot); one may end in a property (`db('t').count().then`). */
function callsSomething(node: ts.Node): boolean {
  return typescript.isCallExpression(node) || typescript.isTaggedTemplateExpression(node) || (typescript.isPropertyAccessExpression(node) && typescript.isCallExpression(node.expression));
}

/** Cheap test before the walk: the file imports a framework or a repository file with framework exports, or names a client conventionally. */
function mayUseFrameworks({ file, specifiers, symbols, source }: OrmInput): boolean {
  return (
    specifiers.some((specifier) => frameworkOfPackage(specifier) !== undefined || symbols.fileOf(file, specifier) !== undefined) ||
    CONVENTIONAL_NAMES.test(source.text)
  );
}

/** The framework a raw SQL site is sent through (the innermost call or tag around it), if any. */
export function frameworkSending(facts: OrmFacts, expressionStart: number): OrmFramework | undefined {
  let best: RawSqlSend | undefined;
  for (const send of facts.rawSql) {
    if (send.start <= expressionStart && expressionStart < send.end && (!best || send.start >= best.start)) best = send;
  }
  return best?.framework;
}

/** The pass's sites as facts, their statements numbered from `firstStatement` as toAccessFacts numbers them. */
export function toSiteFacts(facts: OrmFacts, firstStatement: number, lines: LineIndex): QuerySite[] {
  return facts.sites.map((site) => ({
    framework: site.framework,
    ...lines.range(site.start, site.end - site.start),
    statements: { first: firstStatement + site.statements.first, end: firstStatement + site.statements.end },
    ...(site.unknownTable ? { unread: 'table-unknown' as const } : {}),
  }));
}

/** The pass's accesses as facts, their statements numbered from `firstStatement`; an unknowable name stays synthetic, named as written. */
export function toAccessFacts(facts: OrmFacts, firstStatement: number, lines: LineIndex): TableAccessFact[] {
  return facts.accesses.map((access) => {
    const fact: TableAccessFact = {
      table: access.table ?? { name: access.text.replace(/\s+/g, ' ').slice(0, 80) },
      operation: access.operation,
      statement: firstStatement + access.statement,
      ...lines.range(access.offset, access.length),
      framework: access.framework,
      resolvedBy: access.resolvedBy,
    };
    if (access.enclosingFunction) fact.enclosingFunction = access.enclosingFunction;
    if (!access.table) fact.synthetic = true;
    return fact;
  });
}
