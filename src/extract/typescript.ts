/**
 * Walks one TypeScript/JavaScript file's compiler nodes (not ts-morph wrappers: those measured
 * 10× slower on large trees) and collects imports and embedded SQL. Nothing here knows the map or rules.
 */
import type { ts } from 'ts-morph';
import { typescript } from './typescript-compiler.js';
import type { ImportKind, TableName } from '../facts/types.js';
import { foldSql, unwrap, type Folded } from './fold.js';
import type { EmbeddedSql } from './sql-text.js';

export interface RawImport {
  specifier: string;
  kind: ImportKind;
  typeOnly: boolean;
  /** Offset and length of the specifier string literal (quotes included). */
  offset: number;
  length: number;
}

/**
 * How a text in a query position reads: a statement; a fragment of one (sql`count(*)`, `raw('x AS n')`),
 * read as an expression; or text that begins with a piece known only at run time.
 */
export type SqlShape = 'statement' | 'fragment' | 'assembled';

export interface SqlSite {
  /** The text with each conditional piece's first branch; `variants[1]`, when present, with the second. */
  variants: EmbeddedSql[];
  /** In a query position (a query call, a sql tag, a `{ text }` object): parse errors there are findings. */
  queryPosition: boolean;
  shape: SqlShape;
  enclosingFunction?: string;
  /** File offsets of the expression holding the SQL (the query argument or the template). */
  expressionStart: number;
  expressionEnd: number;
}

/** A query call whose SQL is not in the file's text (a parameter, a value built elsewhere): a site nobody can read. */
export interface UnreadQuery {
  start: number;
  end: number;
  enclosingFunction?: string;
}

export interface TypeScriptFacts {
  imports: RawImport[];
  sqlSites: SqlSite[];
  unreadQueries: UnreadQuery[];
  ownerHeader?: { domain: string; offset: number; length: number };
  syntaxErrors: Array<{ message: string; offset: number }>;
  /** The parsed file, for further passes over the same nodes (src/extract/orm). */
  source: ts.SourceFile;
}

/** Methods whose first argument is SQL (node-postgres, pg-promise, postgres.js, Prisma, TypeORM, Knex raw). */
const QUERY_METHODS = new Set([
  'query', 'execute', 'raw', 'unsafe', '$queryRaw', '$executeRaw', '$queryRawUnsafe', '$executeRawUnsafe',
  'none', 'one', 'oneOrNone', 'many', 'manyOrNone', 'any',
]);
/** Tags whose template is SQL: sql`…`, SQL`…`, Prisma.sql`…`, db.sql`…`, prisma.$queryRaw`…`. */
const SQL_TAGS = new Set(['sql', 'SQL', '$queryRaw', '$executeRaw']);
/** A string outside a query position is SQL only when it starts like a statement and parses. */
const STATEMENT_START = /^\s*(select|insert|update|delete|with|create|alter|drop|truncate|merge|copy)\s/i;
/** The words a statement can begin with: a text in a query position that begins otherwise is a fragment. */
const STATEMENT_WORDS = new Set([
  'abort', 'alter', 'analyse', 'analyze', 'begin', 'call', 'checkpoint', 'close', 'cluster', 'comment', 'commit', 'copy',
  'create', 'deallocate', 'declare', 'delete', 'discard', 'do', 'drop', 'end', 'execute', 'explain', 'fetch', 'grant',
  'import', 'insert', 'listen', 'load', 'lock', 'merge', 'move', 'notify', 'prepare', 'reassign', 'refresh', 'reindex',
  'release', 'reset', 'revoke', 'rollback', 'savepoint', 'security', 'select', 'set', 'show', 'start', 'table', 'truncate',
  'unlisten', 'update', 'vacuum', 'values', 'with',
]);
/** Words that make a text assembled at run time look like SQL rather than, say, a connection string. */
const SQL_WORDS = /\b(select|insert|update|delete|from|into|where|values|join|set|returning|create|alter|drop|truncate)\b/i;
/** Query methods that only SQL clients have: a call of one whose SQL is not in the text is an unread site. */
const SQL_ONLY_METHODS = new Set(['$queryRaw', '$executeRaw', '$queryRawUnsafe', '$executeRawUnsafe', 'unsafe', 'none', 'oneOrNone', 'manyOrNone']);
/** Receivers that are database clients by name (`pool.query(text)`, `this.db.query(sql)`, `trx.raw(q)`). */
const CLIENT_NAMES = /(?:^|[^a-z])(pool|client|db|database|conn|connection|pg|sql|tx|trx|transaction|knex|prisma|manager|runner|queryrunner)$/i;
const OWNER_HEADER = /^[ \t]*\/\/[ \t]*@owner[ \t]+([A-Za-z0-9_-]+)/m;

/**
 * `tablesOf`, given the parsed file, tells which `${…}` of a sql template stand for a table (a Drizzle
 * table object): the template names it there.
 */
export function extractTypeScript(
  fileName: string,
  text: string,
  tablesOf?: (source: ts.SourceFile) => (expression: ts.Expression) => TableName | undefined,
): TypeScriptFacts {
  const scriptKind = fileName.endsWith('x') ? typescript.ScriptKind.TSX : typescript.ScriptKind.TS;
  // Without parent pointers: forEachNode sets them as it goes. The parser's own pass that sets them
  // walked every node a second time, ~6% of a cold run over the 5,000-file bench tree.
  const source = typescript.createSourceFile(fileName, text, typescript.ScriptTarget.Latest, false, scriptKind);
  const imports: RawImport[] = [];
  const sqlSites: SqlSite[] = [];
  // Const declarations by name, each with the scope it is declared in: the same name is often
  // declared in many functions (`const sql = …` in each), and a use sees the one in its scope.
  const consts = new Map<string, Array<{ scope: ts.Node; value: ts.Expression }>>();
  // SQL candidates in walk order (parents first): a query site consumes the literals it is built
  // from, so that a loose string inside it is not seen twice.
  const candidates: Array<{ node: ts.Expression; queryPosition: boolean; call?: ts.CallExpression }> = [];
  const unreadQueries: UnreadQuery[] = [];

  // One walk over the file; the SQL sites are read after it, when every const string is known.
  // A switch on the kind: this runs for every node of every file.
  const SyntaxKind = typescript.SyntaxKind;
  forEachNode(source, (node) => {
    switch (node.kind) {
      case SyntaxKind.ImportDeclaration: {
        const declaration = node as ts.ImportDeclaration;
        if (typescript.isStringLiteral(declaration.moduleSpecifier)) imports.push(importOf(declaration.moduleSpecifier, 'import', isTypeOnlyImport(declaration), source));
        return;
      }
      case SyntaxKind.ExportDeclaration: {
        const declaration = node as ts.ExportDeclaration;
        if (declaration.moduleSpecifier && typescript.isStringLiteral(declaration.moduleSpecifier)) imports.push(importOf(declaration.moduleSpecifier, 'export', declaration.isTypeOnly, source));
        return;
      }
      case SyntaxKind.ImportEqualsDeclaration: {
        const declaration = node as ts.ImportEqualsDeclaration;
        if (typescript.isExternalModuleReference(declaration.moduleReference) && typescript.isStringLiteral(declaration.moduleReference.expression)) {
          imports.push(importOf(declaration.moduleReference.expression, 'require', declaration.isTypeOnly, source));
        }
        return;
      }
      case SyntaxKind.VariableDeclarationList: {
        const list = node as ts.VariableDeclarationList;
        if ((list.flags & typescript.NodeFlags.Const) === 0) return;
        for (const declaration of list.declarations) {
          if (!typescript.isIdentifier(declaration.name) || !declaration.initializer) continue;
          const scope = scopeOf(list);
          const entries = consts.get(declaration.name.text);
          const entry = { scope, value: unwrap(declaration.initializer) };
          if (entries) entries.push(entry);
          else consts.set(declaration.name.text, [entry]);
        }
        return;
      }
      case SyntaxKind.CallExpression: {
        const call = node as ts.CallExpression;
        const [first] = call.arguments;
        if (!first) return;
        if (typescript.isStringLiteralLike(first) && call.expression.kind === SyntaxKind.ImportKeyword) {
          imports.push(importOf(first, 'dynamic-import', false, source));
        } else if (typescript.isStringLiteralLike(first) && typescript.isIdentifier(call.expression) && call.expression.text === 'require') {
          imports.push(importOf(first, 'require', false, source));
        } else if (QUERY_METHODS.has(calleeName(call.expression) ?? '')) {
          const argument = queryArgument(first);
          if (argument) candidates.push({ node: argument, queryPosition: true, call });
        }
        return;
      }
      case SyntaxKind.TaggedTemplateExpression: {
        const tagged = node as ts.TaggedTemplateExpression;
        if (SQL_TAGS.has(calleeName(tagged.tag) ?? '')) candidates.push({ node: tagged.template, queryPosition: true });
        return;
      }
      case SyntaxKind.StringLiteral:
      case SyntaxKind.NoSubstitutionTemplateLiteral:
        if (STATEMENT_START.test((node as ts.StringLiteralLike).text)) candidates.push({ node: node as ts.Expression, queryPosition: false });
        return;
      case SyntaxKind.TemplateExpression:
        if (STATEMENT_START.test((node as ts.TemplateExpression).head.text)) candidates.push({ node: node as ts.Expression, queryPosition: false });
        return;
    }
  });

  // Query positions first, so that a const string passed to .query() is not also seen as a loose string.
  const consumed = new Set<ts.Node>();
  const constOf = (identifier: ts.Identifier): ts.Expression | undefined => {
    const entries = consts.get(identifier.text);
    if (!entries) return undefined;
    if (entries.length === 1) return inScope(identifier, entries[0]!.scope) ? entries[0]!.value : undefined;
    for (let current: ts.Node | undefined = identifier.parent; current; current = current.parent) {
      const found = entries.find((entry) => entry.scope === current);
      if (found) return found.value;
    }
    return undefined;
  };
  const fold = { source, constOf, consumed, tableOf: tablesOf?.(source) };
  const folded = new Map<ts.Node, Folded | undefined>();
  // A sql`…` fragment inside another is read as part of it (parents come first), not as a site of its own.
  const nested = new Set<ts.Node>();
  for (const { node, queryPosition, call } of candidates) {
    if (!queryPosition) continue;
    if (consumed.has(node)) {
      nested.add(node);
      continue;
    }
    const result = foldSql(node, fold);
    folded.set(node, result);
    if (!result && call && readsSqlOnly(call)) {
      const start = call.getStart(source);
      unreadQueries.push({ start, end: call.end, enclosingFunction: enclosingFunctionOf(call) });
    }
  }
  for (const { node, queryPosition, call } of candidates) {
    if ((!queryPosition && consumed.has(node)) || nested.has(node)) continue;
    const first = queryPosition ? folded.get(node) : foldSql(node, fold);
    if (!first) continue;
    const shape = queryPosition ? shapeOf(first, call) : 'statement';
    if (shape === undefined) continue;
    const variants = [first.sql];
    if (first.branches) {
      const second = foldSql(node, fold, 1);
      if (second) variants.push(second.sql);
    }
    sqlSites.push({
      variants,
      queryPosition,
      shape,
      enclosingFunction: enclosingFunctionOf(node),
      expressionStart: node.getStart(source),
      expressionEnd: node.end,
    });
  }

  const header = ownerHeaderOf(source, text);
  const syntaxErrors = (source as unknown as { parseDiagnostics?: ts.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
  return {
    imports,
    sqlSites,
    unreadQueries,
    ownerHeader: header,
    syntaxErrors: syntaxErrors.map((d) => ({
      message: typescript.flattenDiagnosticMessageText(d.messageText, ' '),
      offset: d.start ?? 0,
    })),
    source,
  };
}

function importOf(literal: ts.StringLiteralLike, kind: ImportKind, typeOnly: boolean, source: ts.SourceFile): RawImport {
  const offset = literal.getStart(source);
  return { specifier: literal.text, kind, typeOnly, offset, length: literal.end - offset };
}

function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false; // a side-effect import runs the module
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return !clause.name && !!bindings && typescript.isNamedImports(bindings) && bindings.elements.length > 0 &&
    bindings.elements.every((element) => element.isTypeOnly);
}

/** The last name of a callee or tag: `pool.query` → query, `Prisma.sql` → sql, `sql` → sql. */
function calleeName(expression: ts.Expression): string | undefined {
  if (typescript.isIdentifier(expression)) return expression.text;
  if (typescript.isPropertyAccessExpression(expression)) return expression.name.text;
  return undefined;
}

/** `{ text: '…', values }`, `{ text }` and `{ sql }` objects carry their SQL in that property; other objects carry none. */
function queryArgument(argument: ts.Expression): ts.Expression | undefined {
  const expression = unwrap(argument);
  if (!typescript.isObjectLiteralExpression(expression)) return argument;
  for (const property of expression.properties) {
    const name = property.name && (typescript.isIdentifier(property.name) || typescript.isStringLiteral(property.name)) ? property.name.text : undefined;
    if (name !== 'text' && name !== 'sql') continue;
    if (typescript.isPropertyAssignment(property)) return property.initializer;
    if (typescript.isShorthandPropertyAssignment(property)) return property.name;
  }
  return undefined;
}

/** A query call that only a SQL client makes, or one whose receiver is named like a client (`pool.query(text)`). */
function readsSqlOnly(call: ts.CallExpression): boolean {
  const [argument] = call.arguments;
  if (!argument) return false;
  const inner = unwrap(argument);
  if (typescript.isFunctionLike(inner) || typescript.isObjectLiteralExpression(inner) || typescript.isArrayLiteralExpression(inner)) return false;
  const callee = call.expression;
  const method = calleeName(callee) ?? '';
  if (SQL_ONLY_METHODS.has(method)) return true;
  if (method !== 'query' && method !== 'raw' && method !== 'unsafe') return false;
  if (!typescript.isPropertyAccessExpression(callee)) return false;
  const receiver = unwrap(callee.expression);
  const receiverName = typescript.isIdentifier(receiver) ? receiver.text : typescript.isPropertyAccessExpression(receiver) ? receiver.name.text : undefined;
  // A client handed over as the argument (`compiled.execute(db)`) is not SQL text.
  const argumentName = typescript.isIdentifier(inner) ? inner.text : undefined;
  return receiverName !== undefined && CLIENT_NAMES.test(receiverName) && !(argumentName !== undefined && CLIENT_NAMES.test(argumentName) && !/sql|query|text/i.test(argumentName));
}

/**
 * How a text in a query position reads, or undefined when it is not SQL at all (a connection string, a
 * label). Tags and `raw(…)` take fragments (sql`count(*)`, `raw('COUNT(*) AS n')`); the other query
 * calls take statements, so a text there that begins with no statement word but has SQL words in it is
 * a statement that does not parse (`query('SELEC id FROM t')`).
 */
function shapeOf(folded: Folded, call: ts.CallExpression | undefined): SqlShape | undefined {
  const hasSqlWords = SQL_WORDS.test(folded.sql.text);
  if (folded.startsWithHole) return hasSqlWords ? 'assembled' : undefined;
  const word = firstWord(folded.sql.text);
  if (word === undefined) return undefined;
  if (STATEMENT_WORDS.has(word.toLowerCase())) return 'statement';
  if (!call || calleeName(call.expression) === 'raw') return 'fragment';
  // One word is a name, not a statement: `c.req.query('from')` reads a URL parameter.
  return hasSqlWords && /\S\s+\S/.test(folded.sql.text) ? 'statement' : undefined;
}

/** The first word of a text, past whitespace, comments and opening parentheses. */
function firstWord(text: string): string | undefined {
  let i = 0;
  for (;;) {
    while (i < text.length && (/\s/.test(text[i]!) || text[i] === '(')) i++;
    if (text.startsWith('--', i)) {
      const end = text.indexOf('\n', i);
      if (end < 0) return undefined;
      i = end + 1;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return undefined;
      i = end + 2;
    } else break;
  }
  return /^[A-Za-z_]\w*/.exec(text.slice(i, i + 64))?.[0];
}

/**
 * Calls `visit` on every node in source order (parents first), without recursion: generated code
 * nests `'…' + '…'` thousands deep, past what the call stack holds. Sets each node's parent pointer
 * before it is visited, as the parser does when asked to (JSDoc nodes aside, which nothing here reads):
 * once the walk is done, every pass after it (enclosing functions, the ORM readers) can walk up.
 */
function forEachNode(root: ts.Node, visit: (node: ts.Node) => void): void {
  const stack: ts.Node[] = [root];
  const children: ts.Node[] = [];
  let parent = root;
  const collect = (child: ts.Node): undefined => {
    (child as { parent: ts.Node }).parent = parent;
    children.push(child);
  };
  while (stack.length > 0) {
    const node = stack.pop()!;
    visit(node);
    parent = node;
    typescript.forEachChild(node, collect);
    while (children.length > 0) stack.push(children.pop()!);
  }
}

/** The block, module or file whose statements a variable declaration list belongs to. */
function scopeOf(list: ts.VariableDeclarationList): ts.Node {
  const statement = list.parent;
  // `for (const x of …)` declares into the loop; any other list sits in a variable statement.
  return typescript.isVariableStatement(statement) ? statement.parent : statement;
}

/** True when `node` lies inside `scope` (parents are set by the walk). */
function inScope(node: ts.Node, scope: ts.Node): boolean {
  for (let current: ts.Node | undefined = node; current; current = current.parent) if (current === scope) return true;
  return false;
}

/** The name of the innermost function or method around a node (forEachNode has set the parents). */
export function enclosingFunctionOf(node: ts.Node): string | undefined {
  for (let current: ts.Node | undefined = node; current; current = current.parent) {
    const name = functionNameOf(current);
    if (name) return name;
  }
  return undefined;
}

function functionNameOf(node: ts.Node): string | undefined {
  if ((typescript.isFunctionDeclaration(node) || typescript.isMethodDeclaration(node)) && node.name) {
    const own = node.name.getText();
    const owner = typescript.isMethodDeclaration(node) && typescript.isClassLike(node.parent) && node.parent.name ? `${node.parent.name.text}.` : '';
    return owner + own;
  }
  if (typescript.isArrowFunction(node) || typescript.isFunctionExpression(node)) {
    const parent = node.parent;
    if (typescript.isVariableDeclaration(parent) && typescript.isIdentifier(parent.name)) return parent.name.text;
    if (typescript.isPropertyAssignment(parent) || typescript.isPropertyDeclaration(parent)) return parent.name.getText();
    if (typescript.isFunctionExpression(node) && node.name) return node.name.text;
  }
  return undefined;
}

function ownerHeaderOf(source: ts.SourceFile, text: string): TypeScriptFacts['ownerHeader'] {
  const firstStatement = source.statements[0];
  const leading = text.slice(0, firstStatement ? firstStatement.getStart(source) : text.length);
  const match = OWNER_HEADER.exec(leading);
  if (!match) return undefined;
  const offset = match.index + match[0].indexOf('@owner');
  return { domain: match[1]!, offset, length: match[0].length - (offset - match.index) };
}
