/**
 * Walks one TypeScript/JavaScript file's compiler nodes (not ts-morph wrappers: those measured
 * 10× slower on large trees) and collects imports and embedded SQL. Nothing here knows the map or rules.
 */
import type { ts } from 'ts-morph';
import { typescript } from './typescript-compiler.js';
import type { ImportKind } from '../facts/types.js';
import { EmbeddedSql, EmbeddedSqlBuilder } from './sql-text.js';

export interface RawImport {
  specifier: string;
  kind: ImportKind;
  typeOnly: boolean;
  /** Offset and length of the specifier string literal (quotes included). */
  offset: number;
  length: number;
}

export interface SqlSite {
  sql: EmbeddedSql;
  /** In a query position (a query call, a sql tag, a `{ text }` object): parse errors there are findings. */
  queryPosition: boolean;
  enclosingFunction?: string;
  /** File offset where the expression holding the SQL starts (the query argument or the template). */
  expressionStart: number;
}

export interface TypeScriptFacts {
  imports: RawImport[];
  sqlSites: SqlSite[];
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
const OWNER_HEADER = /^[ \t]*\/\/[ \t]*@owner[ \t]+([A-Za-z0-9_-]+)/m;

export function extractTypeScript(fileName: string, text: string): TypeScriptFacts {
  const scriptKind = fileName.endsWith('x') ? typescript.ScriptKind.TSX : typescript.ScriptKind.TS;
  // Without parent pointers: forEachNode sets them as it goes. The parser's own pass that sets them
  // walked every node a second time, ~6% of a cold run over the 5,000-file bench tree.
  const source = typescript.createSourceFile(fileName, text, typescript.ScriptTarget.Latest, false, scriptKind);
  const imports: RawImport[] = [];
  const sqlSites: SqlSite[] = [];
  const consts = new Map<string, ts.Expression>();
  const queryArguments: ts.Expression[] = [];
  // SQL candidates in walk order (parents first): a query site consumes the literals it is built
  // from, so that a loose string inside it is not seen twice.
  const candidates: Array<{ node: ts.Expression; queryPosition: boolean }> = [];

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
          if (typescript.isIdentifier(declaration.name) && declaration.initializer) consts.set(declaration.name.text, unwrap(declaration.initializer));
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
          queryArguments.push(argument);
          candidates.push({ node: argument, queryPosition: true });
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
  for (const argument of queryArguments) markLiterals(argument, consts, consumed, 0);
  for (const { node, queryPosition } of candidates) {
    if (!queryPosition && consumed.has(node)) continue;
    const sql = embeddedSqlOf(node, source, consts, consumed);
    if (sql) sqlSites.push({ sql, queryPosition, enclosingFunction: enclosingFunctionOf(node), expressionStart: node.getStart(source) });
  }

  const header = ownerHeaderOf(source, text);
  const syntaxErrors = (source as unknown as { parseDiagnostics?: ts.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
  return {
    imports,
    sqlSites,
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

/** `{ text: '…', values }` objects carry their SQL in `text`. */
function queryArgument(argument: ts.Expression): ts.Expression {
  if (typescript.isObjectLiteralExpression(argument)) {
    for (const property of argument.properties) {
      if (typescript.isPropertyAssignment(property) && typescript.isIdentifier(property.name) && property.name.text === 'text') {
        return property.initializer;
      }
    }
  }
  return argument;
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

function unwrap(expression: ts.Expression): ts.Expression {
  let current = expression;
  while (typescript.isParenthesizedExpression(current) || typescript.isAsExpression(current) || typescript.isSatisfiesExpression(current)) {
    current = current.expression;
  }
  return current;
}

function markLiterals(node: ts.Expression, consts: Map<string, ts.Expression>, consumed: Set<ts.Node>, depth: number): void {
  const expression = unwrap(node);
  if (depth > 8) return;
  if (typescript.isIdentifier(expression)) {
    const target = consts.get(expression.text);
    if (target) markLiterals(target, consts, consumed, depth + 1);
  } else if (typescript.isBinaryExpression(expression) && expression.operatorToken.kind === typescript.SyntaxKind.PlusToken) {
    markLiterals(expression.left, consts, consumed, depth + 1);
    markLiterals(expression.right, consts, consumed, depth + 1);
  } else {
    consumed.add(expression);
  }
}

/**
 * Builds the SQL text of an expression: string and template literals, `+` concatenations and
 * identifiers bound to const strings in the same file. Anything else is a value hole.
 * Returns undefined when the expression holds no literal text at all (a variable from elsewhere).
 */
function embeddedSqlOf(
  node: ts.Expression,
  source: ts.SourceFile,
  consts: Map<string, ts.Expression>,
  consumed: Set<ts.Node>,
): EmbeddedSql | undefined {
  const builder = new EmbeddedSqlBuilder();
  let literalParts = 0;
  const append = (raw: ts.Expression, depth: number): void => {
    const expression = unwrap(raw);
    if (typescript.isStringLiteral(expression) || typescript.isNoSubstitutionTemplateLiteral(expression)) {
      const start = expression.getStart(source) + 1;
      builder.literal(source.text.slice(start, expression.end - 1), start);
      consumed.add(expression);
      literalParts++;
    } else if (typescript.isTemplateExpression(expression)) {
      appendTemplate(expression, source, builder);
      consumed.add(expression);
      literalParts++;
    } else if (typescript.isBinaryExpression(expression) && expression.operatorToken.kind === typescript.SyntaxKind.PlusToken && depth < 8) {
      append(expression.left, depth + 1);
      append(expression.right, depth + 1);
    } else if (typescript.isIdentifier(expression) && consts.has(expression.text) && depth < 8) {
      const target = consts.get(expression.text)!;
      // The identifier stands in for its string; locations point at the string's declaration.
      append(target, depth + 1);
    } else {
      const start = expression.getStart(source);
      builder.hole(expression.end - start, start);
    }
  };
  append(node, 0);
  return literalParts > 0 ? builder.build() : undefined;
}

function appendTemplate(template: ts.TemplateExpression, source: ts.SourceFile, builder: EmbeddedSqlBuilder): void {
  const headStart = template.head.getStart(source) + 1; // after the backtick
  const headEnd = template.head.end - 2; // before `${`
  builder.literal(source.text.slice(headStart, headEnd), headStart);
  for (const span of template.templateSpans) {
    const holeStart = span.expression.getFullStart() - 2; // the `${`
    const literalStart = span.literal.getStart(source) + 1; // after `}`
    builder.hole(literalStart - holeStart, holeStart);
    const literalEnd = typescript.isTemplateTail(span.literal) ? span.literal.end - 1 : span.literal.end - 2;
    builder.literal(source.text.slice(literalStart, literalEnd), literalStart);
  }
}

function ownerHeaderOf(source: ts.SourceFile, text: string): TypeScriptFacts['ownerHeader'] {
  const firstStatement = source.statements[0];
  const leading = text.slice(0, firstStatement ? firstStatement.getStart(source) : text.length);
  const match = OWNER_HEADER.exec(leading);
  if (!match) return undefined;
  const offset = match.index + match[0].indexOf('@owner');
  return { domain: match[1]!, offset, length: match[0].length - (offset - match.index) };
}
