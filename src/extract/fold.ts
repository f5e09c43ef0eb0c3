/**
 * Constant folding of SQL text: what an expression evaluates to when its pieces are known statically.
 * String and template literals, `+` chains of any length, const strings of the same file, `[…].join(sep)`,
 * both branches of a conditional piece (one variant each), and the `sql` tag's helpers inside a template
 * (`${sql.raw('…')}`, `${sql.table('t')}`, `${sql.id(name)}`). Anything else is a hole: a value hole
 * (`$N`) where a value stands, an identifier hole where a helper says a name stands.
 *
 * The walk is iterative (generated code chains thousands of `+`), follows at most MAX_INDIRECTIONS
 * const identifiers in a row (cycles), and stops at MAX_PIECES pieces (a const used twice in a const
 * used twice … grows exponentially): what is left becomes one hole, never a silent cut.
 */
import type { ts } from 'ts-morph';
import { typescript } from './typescript-compiler.js';
import type { TableName } from '../facts/types.js';
import { EmbeddedSql, EmbeddedSqlBuilder } from './sql-text.js';

const MAX_INDIRECTIONS = 8;
const MAX_PIECES = 20_000;
/** Helpers of sql tags whose argument is a name: `sql.table('t')`, `sql.id(schema)`, `sql.ref('t.c')`. */
const NAME_HELPERS = new Set(['table', 'id', 'ref', 'identifier', 'ident']);
/** Objects whose `.raw`, `.table` … are the sql tag's helpers. */
const SQL_OBJECTS = new Set(['sql', 'SQL', 'Prisma']);

export interface FoldInput {
  source: ts.SourceFile;
  /** The file's const declarations in scope at an identifier: its initializer, when it declares one. */
  constOf(identifier: ts.Identifier): ts.Expression | undefined;
  /** Literal nodes taken into a text: a loose string among them is not a site of its own. */
  consumed: Set<ts.Node>;
  /** The table a `${…}` of a sql template stands for (a Drizzle table object), if any. */
  tableOf?(expression: ts.Expression): TableName | undefined;
}

export interface Folded {
  sql: EmbeddedSql;
  /** True when a conditional piece chose its first branch: variant 1 takes the others. */
  branches: boolean;
  /** True when the text begins with a piece known only at run time (`${base} WHERE …`). */
  startsWithHole: boolean;
}

type Piece =
  | { kind: 'expression'; node: ts.Expression; indirections: number }
  | { kind: 'literal'; raw: string; start: number }
  /** A name the code does not write as text but names all the same (`${users}` for a Drizzle table): `text` stands for `length` characters of code. */
  | { kind: 'name'; text: string; start: number; length: number }
  /** `as`: what the hole stands for — a value, a name, or a list of values (`sql.join`), which is written in parentheses. */
  | { kind: 'hole'; start: number; length: number; as: 'value' | 'name' | 'list' };

/**
 * The SQL text an expression folds to, taking the first (variant 0) or second (variant 1) branch of
 * every conditional piece. Undefined when the expression holds no literal text at all.
 */
export function foldSql(node: ts.Expression, input: FoldInput, variant: 0 | 1 = 0): Folded | undefined {
  const { source } = input;
  const builder = new EmbeddedSqlBuilder();
  let literals = 0;
  let branches = false;
  let seenText = false;
  let startsWithHole = false;
  let pieces = 0;
  const stack: Piece[] = [{ kind: 'expression', node, indirections: 0 }];
  const pushInOrder = (items: Piece[]): void => {
    for (let index = items.length - 1; index >= 0; index--) stack.push(items[index]!);
  };
  const holeOf = (expression: ts.Expression, identifier = false): Piece => {
    const start = expression.getStart(source);
    return { kind: 'hole', start, length: expression.end - start, as: identifier ? 'name' : 'value' };
  };

  while (stack.length > 0) {
    const piece = stack.pop()!;
    if (++pieces > MAX_PIECES) {
      // Too much to unfold: the rest is one hole where it starts, never dropped.
      const first = piece.kind === 'expression' ? piece.node.getStart(source) : piece.start;
      builder.hole(1, first);
      stack.length = 0;
      break;
    }
    if (piece.kind === 'literal') {
      if (!seenText && piece.raw.trim() !== '') seenText = true;
      builder.literal(piece.raw, piece.start);
      continue;
    }
    if (piece.kind === 'name') {
      seenText = true;
      builder.substitute(piece.text, piece.start, piece.length);
      continue;
    }
    if (piece.kind === 'hole') {
      if (!seenText) {
        seenText = true;
        startsWithHole = true;
      }
      if (piece.as === 'name') builder.identifierHole(piece.length, piece.start);
      else if (piece.as === 'list') builder.listHole(piece.length, piece.start);
      else builder.hole(piece.length, piece.start);
      continue;
    }
    const expression = unwrap(piece.node);
    if (typescript.isStringLiteral(expression) || typescript.isNoSubstitutionTemplateLiteral(expression)) {
      const start = expression.getStart(source) + 1;
      input.consumed.add(expression);
      literals++;
      stack.push({ kind: 'literal', raw: source.text.slice(start, expression.end - 1), start });
    } else if (typescript.isTemplateExpression(expression)) {
      input.consumed.add(expression);
      literals++;
      pushInOrder(templatePieces(expression, input, piece.indirections, isSqlTagged(expression)));
    } else if (typescript.isTaggedTemplateExpression(expression) && isSqlTag(expression.tag)) {
      // A sql`…` fragment inside another is SQL text in place.
      stack.push({ kind: 'expression', node: expression.template, indirections: piece.indirections });
    } else if (typescript.isBinaryExpression(expression) && expression.operatorToken.kind === typescript.SyntaxKind.PlusToken && isConcatenation(expression, input)) {
      pushInOrder(plusOperands(expression).map((operand) => ({ kind: 'expression', node: operand, indirections: piece.indirections })));
    } else if (typescript.isConditionalExpression(expression)) {
      branches = true;
      stack.push({ kind: 'expression', node: variant === 0 ? expression.whenTrue : expression.whenFalse, indirections: piece.indirections });
    } else if (typescript.isIdentifier(expression) && piece.indirections < MAX_INDIRECTIONS && foldableConst(expression, input)) {
      // The identifier stands in for its string; locations point at the string's declaration.
      stack.push({ kind: 'expression', node: input.constOf(expression)!, indirections: piece.indirections + 1 });
    } else if (typescript.isCallExpression(expression)) {
      const unfolded = callPieces(expression, input, piece.indirections);
      if (unfolded) pushInOrder(unfolded);
      else stack.push(holeOf(expression));
    } else {
      stack.push(holeOf(expression));
    }
  }
  if (literals === 0) return undefined;
  return { sql: builder.build(), branches, startsWithHole };
}

/**
 * The pieces of a template: its literal parts, and each `${…}` folded where it can be, else a hole over
 * `${…}`. In a sql tag's template (`tagged`) a `${…}` is a bound parameter, whatever it holds: only the
 * tag's helpers (`${sql.raw('…')}`, `${sql.table('t')}`) and nested sql`…` fragments are text.
 */
function templatePieces(template: ts.TemplateExpression, input: FoldInput, indirections: number, tagged: boolean): Piece[] {
  const { source } = input;
  const headStart = template.head.getStart(source) + 1; // after the backtick
  const headEnd = template.head.end - 2; // before `${`
  const pieces: Piece[] = [{ kind: 'literal', raw: source.text.slice(headStart, headEnd), start: headStart }];
  for (const span of template.templateSpans) {
    const holeStart = span.expression.getFullStart() - 2; // the `${`
    const literalStart = span.literal.getStart(source) + 1; // after `}`
    const inner = unwrap(span.expression);
    const inPlace = tagged ? isSqlText(inner, input) : foldsInPlace(inner, input);
    const table = tagged && !inPlace ? input.tableOf?.(inner) : undefined;
    if (table) pieces.push({ kind: 'name', text: sqlName(table), start: holeStart, length: literalStart - holeStart });
    else if (inPlace) pieces.push({ kind: 'expression', node: inner, indirections });
    else pieces.push({ kind: 'hole', start: holeStart, length: literalStart - holeStart, as: holeKind(inner) });
    const literalEnd = typescript.isTemplateTail(span.literal) ? span.literal.end - 1 : span.literal.end - 2;
    pieces.push({ kind: 'literal', raw: source.text.slice(literalStart, literalEnd), start: literalStart });
  }
  return pieces;
}

/** Expressions worth folding inside a template; anything else is a hole over its whole `${…}`. */
function foldsInPlace(expression: ts.Expression, input: FoldInput): boolean {
  return (
    typescript.isStringLiteralLike(expression) ||
    typescript.isTemplateExpression(expression) ||
    (typescript.isIdentifier(expression) && foldableConst(expression, input)) ||
    typescript.isConditionalExpression(expression) ||
    (typescript.isBinaryExpression(expression) && expression.operatorToken.kind === typescript.SyntaxKind.PlusToken && isConcatenation(expression, input)) ||
    (typescript.isCallExpression(expression) && (isJoin(expression) || sqlHelperOf(expression) !== undefined))
  );
}

/** A table as SQL names it: each part quoted, as Drizzle writes it. */
function sqlName(table: TableName): string {
  const quote = (part: string) => `"${part.replaceAll('"', '""')}"`;
  return table.schema === undefined ? quote(table.name) : `${quote(table.schema)}.${quote(table.name)}`;
}

/** Tags whose template is SQL with bound parameters: sql`…`, SQL`…`, Prisma.sql`…`, db.sql`…`, $queryRaw`…`. */
const SQL_TAGS = new Set(['sql', 'SQL', '$queryRaw', '$executeRaw']);

function isSqlTag(tag: ts.Expression): boolean {
  const name = typescript.isIdentifier(tag) ? tag.text : typescript.isPropertyAccessExpression(tag) ? tag.name.text : undefined;
  return name !== undefined && SQL_TAGS.has(name);
}

function isSqlTagged(template: ts.TemplateExpression): boolean {
  return typescript.isTaggedTemplateExpression(template.parent) && isSqlTag(template.parent.tag);
}

/**
 * Inside a sql tag, what is SQL text rather than a parameter: the tag's helpers, nested sql`…` fragments,
 * and consts and conditionals made of them (`${where}` with `const where = all ? sql`` : sql`WHERE …``).
 */
function isSqlText(expression: ts.Expression, input: FoldInput, indirections = 0): boolean {
  const inner = unwrap(expression);
  if (typescript.isTaggedTemplateExpression(inner)) return isSqlTag(inner.tag);
  if (typescript.isConditionalExpression(inner)) return isSqlText(inner.whenTrue, input, indirections) || isSqlText(inner.whenFalse, input, indirections);
  if (typescript.isIdentifier(inner) && indirections < MAX_INDIRECTIONS) {
    const value = input.constOf(inner);
    return value !== undefined && isSqlText(value, input, indirections + 1);
  }
  return typescript.isCallExpression(inner) && sqlHelperOf(inner) !== undefined && sqlHelperOf(inner) !== 'join';
}

/** What a `${…}` that stays a hole stands for: a name (`sql.id(x)`), a list (`sql.join(xs)`), else a value. */
function holeKind(expression: ts.Expression): 'value' | 'name' | 'list' {
  if (isNameHelper(expression)) return 'name';
  return typescript.isCallExpression(expression) && sqlHelperOf(expression) === 'join' ? 'list' : 'value';
}

/** A `+` chain that joins text (one operand at least is a string), not one that adds numbers (`params.length + 1`). */
function isConcatenation(chain: ts.BinaryExpression, input: FoldInput): boolean {
  return plusOperands(chain).some((operand) => {
    const inner = unwrap(operand);
    if (typescript.isStringLiteralLike(inner) || typescript.isTemplateExpression(inner)) return true;
    const value = typescript.isIdentifier(inner) ? input.constOf(inner) : undefined;
    return value !== undefined && (typescript.isStringLiteralLike(unwrap(value)) || typescript.isTemplateExpression(unwrap(value)));
  });
}

/** `sql.raw('…')` → its text; `sql.table('t')` → t; `[…].join(' ')` → the parts; other calls are not folded. */
function callPieces(call: ts.CallExpression, input: FoldInput, indirections: number): Piece[] | undefined {
  const helper = sqlHelperOf(call);
  const [argument] = call.arguments;
  if (helper === 'raw' && argument) return [{ kind: 'expression', node: argument, indirections }];
  if (helper !== undefined && NAME_HELPERS.has(helper) && argument) {
    const name = unwrap(argument);
    if (typescript.isStringLiteralLike(name)) {
      const start = name.getStart(input.source) + 1;
      input.consumed.add(name);
      return [{ kind: 'literal', raw: input.source.text.slice(start, name.end - 1), start }];
    }
    const start = call.getStart(input.source);
    return [{ kind: 'hole', start, length: call.end - start, as: 'name' }];
  }
  if (!isJoin(call)) return undefined;
  // Only an array written in place: a const array is often filled later (`conditions.push(…)`).
  const array = unwrap((call.expression as ts.PropertyAccessExpression).expression);
  if (!typescript.isArrayLiteralExpression(array) || array.elements.some(typescript.isSpreadElement)) return undefined;
  const separator = argument === undefined ? undefined : unwrap(argument);
  if (separator !== undefined && !typescript.isStringLiteralLike(separator)) return undefined;
  const separatorStart = separator ? separator.getStart(input.source) + 1 : call.end;
  const separatorRaw = separator ? input.source.text.slice(separatorStart, separator.end - 1) : ',';
  const pieces: Piece[] = [];
  array.elements.forEach((element, index) => {
    if (index > 0) pieces.push({ kind: 'literal', raw: separatorRaw, start: separatorStart });
    pieces.push({ kind: 'expression', node: element, indirections });
  });
  return pieces;
}

/**
 * True when an identifier names a const whose value folds to text: a literal, a template, a `+` chain,
 * a conditional, a join or a sql helper. A const holding anything else (`const s = validate(schema)`)
 * stays a hole where the identifier is used, not where the const is declared.
 */
function foldableConst(identifier: ts.Identifier, input: FoldInput): boolean {
  const value = input.constOf(identifier);
  if (value === undefined) return false;
  const inner = unwrap(value);
  return (
    typescript.isStringLiteralLike(inner) ||
    typescript.isTemplateExpression(inner) ||
    typescript.isConditionalExpression(inner) ||
    typescript.isIdentifier(inner) ||
    (typescript.isBinaryExpression(inner) && inner.operatorToken.kind === typescript.SyntaxKind.PlusToken) ||
    (typescript.isCallExpression(inner) && (isJoin(inner) || sqlHelperOf(inner) !== undefined))
  );
}

function isJoin(call: ts.CallExpression): boolean {
  return typescript.isPropertyAccessExpression(call.expression) && call.expression.name.text === 'join' && call.arguments.length <= 1;
}

/** The helper's name when `call` is `sql.<helper>(…)` (or `Prisma.<helper>`, `x.sql.<helper>`). */
function sqlHelperOf(call: ts.CallExpression): string | undefined {
  const callee = call.expression;
  if (!typescript.isPropertyAccessExpression(callee)) return undefined;
  const object = callee.expression;
  const objectName = typescript.isIdentifier(object) ? object.text : typescript.isPropertyAccessExpression(object) ? object.name.text : undefined;
  return objectName !== undefined && SQL_OBJECTS.has(objectName) ? callee.name.text : undefined;
}

function isNameHelper(expression: ts.Expression): boolean {
  if (!typescript.isCallExpression(expression)) return false;
  const helper = sqlHelperOf(expression);
  return helper !== undefined && NAME_HELPERS.has(helper);
}

/** The operands of a `+` chain, left to right, without recursion. */
function plusOperands(chain: ts.BinaryExpression): ts.Expression[] {
  const operands: ts.Expression[] = [];
  const pending: ts.Expression[] = [chain];
  while (pending.length > 0) {
    const next = unwrap(pending.pop()!);
    if (typescript.isBinaryExpression(next) && next.operatorToken.kind === typescript.SyntaxKind.PlusToken) {
      pending.push(next.right, next.left);
    } else {
      operands.push(next);
    }
  }
  return operands;
}

export function unwrap(expression: ts.Expression): ts.Expression {
  let current = expression;
  while (
    typescript.isParenthesizedExpression(current) ||
    typescript.isAsExpression(current) ||
    typescript.isSatisfiesExpression(current) ||
    typescript.isNonNullExpression(current) ||
    typescript.isTypeAssertionExpression(current)
  ) {
    current = current.expression;
  }
  return current;
}
