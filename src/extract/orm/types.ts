/**
 * The shared vocabulary of the query-builder / ORM pass: what an expression is bound to (a Binding),
 * a call chain cut into steps, and what one framework reads from one chain.
 */
import type { ts } from 'ts-morph';
import type { Framework, Operation, TableName } from '../../facts/types.js';
import type { RepoSymbols } from './symbols.js';

export type OrmFramework = Exclude<Framework, 'sql'>;

/**
 * What an expression stands for, as far as syntax, imports and the repository symbol table tell.
 * Plain data: bindings cross files (the symbol table) and may cross worker threads.
 */
export type Binding =
  /** An export of the framework's own package: `knex`, `sql`, `pgTable`, `getRepository`, `PrismaClient` … */
  | { kind: 'package'; framework: OrmFramework; name: string }
  /** A module namespace (`import * as schema from './schema'`, `require('knex')`). */
  | { kind: 'module'; file?: string; framework?: OrmFramework }
  /**
   * A query entry point: a knex instance or transaction, Kysely, a drizzle db, a PrismaClient, a TypeORM
   * DataSource / EntityManager / QueryRunner. `schema` from withSchema; `tables` are a drizzle db's
   * relational query names (`db.query.<name>`).
   */
  | { kind: 'client'; framework: OrmFramework; schema?: string; tables?: Record<string, TableName> }
  /** A builder value (a query, a subquery, a CTE object): never a table of its own. */
  | { kind: 'query'; framework: OrmFramework }
  /** A Drizzle table object: pgTable(…), pgSchema(…).table(…), alias(…). */
  | { kind: 'table'; table: TableName }
  /** A Drizzle pgSchema('s') object. */
  | { kind: 'schema'; schema: string }
  /** Drizzle `relations(table, ({ one, many }) => ({ name: one(other, …) }))`: each relation's table; undefined when unknown. */
  | { kind: 'relations'; table: TableName; relations: Record<string, TableName | null> }
  /** A TypeORM entity class, an instance of one, a repository of one; entities by key `file#Class`. */
  | { kind: 'entity'; entity: string }
  | { kind: 'instance'; entity: string }
  | { kind: 'repository'; entity?: string }
  /**
   * A value with members that lead to clients: an instance of a wrapper class, a value typed with an
   * interface or object type (`ctx: { db: DB }`). Only members with a binding are kept.
   */
  | { kind: 'object'; members: Record<string, Binding> }
  /** A class whose instances are such objects (`new Database(db)`, `extends BaseRepository`). */
  | { kind: 'class'; members: Record<string, Binding> }
  /** A function or method that returns a client or builder (`getDb()`, `this.baseQuery()`). */
  | { kind: 'function'; returns: Binding };

/** One piece of a call chain, root outwards: `.name`, a call, a template tag. */
export type Link =
  | { kind: 'property'; name: string; node: ts.Node }
  /** `x[name]` with a name not known statically. */
  | { kind: 'computed'; node: ts.Expression }
  | { kind: 'call'; node: ts.CallExpression }
  | { kind: 'tag'; node: ts.TaggedTemplateExpression };

export interface Chain {
  /** The innermost expression: an identifier, `this`, `new X()`, an awaited value … */
  root: ts.Expression;
  links: Link[];
}

/** A chain as framework readers walk it: `.name(…)` method calls, calls of the value itself, tags. */
export type Step =
  | { kind: 'call'; node: ts.CallExpression; args: readonly ts.Expression[] }
  | { kind: 'member'; name: string; nameNode: ts.Node; call?: ts.CallExpression; args: readonly ts.Expression[] }
  | { kind: 'computed'; node: ts.Expression }
  | { kind: 'tag'; node: ts.TaggedTemplateExpression };

/** A table access a reader found; `table` is undefined when the name cannot be known statically. */
export interface PendingAccess {
  table?: TableName;
  operation: Operation;
  /** File offset and length of what the finding points at (the name inside a literal, or a node). */
  offset: number;
  length: number;
  /** The expression as written, to name an unresolved access. */
  text: string;
  /** Accesses of one chain share a statement, unless the chain runs several (schema builders). */
  group: number;
}

/** A function passed to a builder whose first parameter (and `this`, for function expressions) is a builder too. */
export interface CallbackRoot {
  fn: ts.SignatureDeclaration;
  binding: Binding;
  /** Query callbacks (where(qb => …), with('x', db => …)) belong to the chain's statement; transaction callbacks do not. */
  sameStatement: boolean;
}

export interface ChainReading {
  /** What the chain evaluates to, for variables bound to it. */
  result?: Binding;
  accesses: PendingAccess[];
  callbacks: CallbackRoot[];
  /** Calls and tags whose SQL text goes to the database through this framework. */
  rawSql: ts.Node[];
}

/** A string known statically; `offset` is the file offset of its first character when it is written in place. */
export interface StaticString {
  value: string;
  offset?: number;
}

/** What readers may ask about the file they read. */
export interface ReadContext {
  readonly file: string;
  readonly source: ts.SourceFile;
  readonly symbols: RepoSymbols;
  classify(expression: ts.Expression): Binding | undefined;
  staticString(expression: ts.Expression): StaticString | undefined;
  /** The bindings a repository file exports (re-exports followed). */
  exportsOf(file: string): Record<string, Binding> | undefined;
  /** The tables of a drizzle `schema` option or `typeof schema`, by the names `db.query.<name>` uses. */
  drizzleTablesOf(node: ts.Node): Record<string, TableName> | undefined;
}

/** One framework: reads a chain whose root binding is its own (or, root undefined, one it recognises by its arguments). */
export interface FrameworkReader {
  readonly framework: OrmFramework;
  /** True when the reader also recognises chains whose root is unknown, by their arguments (a Drizzle table, a TypeORM entity). */
  readonly byArguments?: boolean;
  /**
   * True when what it recognises a chain by is its method names alone, which no other library has
   * (Kysely's selectFrom, insertInto …): it reads such a chain whatever its receiver is declared as.
   */
  readonly distinctive?: boolean;
  read(root: Binding | undefined, steps: Step[], context: ReadContext): ChainReading | undefined;
}
