/**
 * The pgsql-ast-parser backend: pure JavaScript, a narrower grammar than PostgreSQL's, and
 * function bodies stay opaque. Offsets are already UTF-16.
 */
import { parse, type From, type QName, type Statement } from 'pgsql-ast-parser';
import type { AccessDetails, Operation } from '../facts/types.js';
import { type Backend, FactCollector, ParseFailure, type ParsedText } from './engine.js';
import { alteredDetails, createdColumns, pgAstLevel } from './pgast-columns.js';
import { lexRegions, quotedNameParts, skipTrivia, unterminatedLiteral } from './text.js';

type Json = { [key: string]: unknown };

// The statements that may appear inside expressions and FROM.
const QUERY_TYPES = new Set(['select', 'union', 'union all', 'values', 'with', 'with recursive']);

export function parsePgAst(text: string): ParsedText {
  const trap = lexerTrap(text);
  if (trap) throw new ParseFailure(trap.message, trap.offset);
  let statements: Statement[];
  try {
    statements = parse(withoutEmptyStatements(text), { locationTracking: true });
  } catch (error) {
    // nearley errors carry the offending token (no token: the input ended too early) and a long
    // message whose `Unexpected …` sentence is the useful part.
    const token = (error as { token?: { offset?: unknown } }).token;
    const offset = typeof token?.offset === 'number' ? token.offset : text.length;
    const message = error instanceof Error ? error.message : String(error);
    throw new ParseFailure(/Unexpected [^\n]*?(?:\.(?= )|$)/m.exec(message)?.[0] ?? message.split('\n')[0]!, offset);
  }
  return {
    statements: statements.map((statement) => {
      const walker = new Walker(text);
      walker.statement(statement);
      return walker.out.facts(skipTrivia(text, statement._location?.start ?? 0));
    }),
    errors: [],
  };
}

/**
 * pgsql-ast-parser's lexer backtracks exponentially over an unclosed `$$` or E'…' (a second at 25
 * words, hours at 40): such text is refused before it gets there. Its identifiers stop at `$`, so
 * `a$$` opens a block for it where PostgreSQL (and lexRegions) see one identifier.
 */
function lexerTrap(text: string): { offset: number; message: string } | undefined {
  const unterminated = unterminatedLiteral(text);
  if (unterminated) return unterminated;
  let from = 0;
  for (const region of lexRegions(text)) {
    if (!region.code || region.end <= from) continue;
    for (let open = text.indexOf('$$', Math.max(from, region.start)); open >= 0 && open + 1 < region.end; open = text.indexOf('$$', from)) {
      const close = text.indexOf('$$', open + 2);
      if (close < 0) return { offset: open, message: 'unterminated dollar-quoted string' };
      from = close + 2;
    }
  }
  return undefined;
}

/**
 * The text with every `;` that ends an empty statement blanked out (offsets unchanged): nearley
 * finds ever more ways to read a run of `;`, and 10,000 of them took 20 seconds. PostgreSQL skips
 * empty statements too, so nothing is lost.
 */
function withoutEmptyStatements(text: string): string {
  let chars: string[] | undefined;
  // True after a `;` with only whitespace and comments since: the next `;` ends an empty statement.
  let afterSemicolon = true;
  for (const region of lexRegions(text)) {
    if (!region.code) {
      const opener = text[region.start];
      // A comment is trivia; a quoted string or name is a statement's content.
      if (!(opener === '-' || opener === '/')) afterSemicolon = false;
      continue;
    }
    for (let i = region.start; i < region.end; i++) {
      const char = text[i]!;
      if (char === ';') {
        if (afterSemicolon) (chars ??= [...text])[i] = ' ';
        afterSemicolon = true;
      } else if (!/\s/.test(char)) {
        afterSemicolon = false;
      }
    }
  }
  return chars ? chars.join('') : text;
}

export const pgAstBackend: Backend = {
  name: 'pgsql-ast-parser',
  // nearley can be pathologically slow on long input.
  maxLength: 20_000,
  parse: parsePgAst,
};

class Walker {
  readonly out: FactCollector;

  constructor(private readonly text: string) {
    this.out = new FactCollector(text);
  }

  private table(name: QName | null | undefined, op: Operation, details?: AccessDetails): void {
    if (!name) return;
    const offset = name._location?.start ?? 0;
    // pgsql-ast-parser trims the spaces of a quoted name and keeps its "" doubled; PostgreSQL does
    // neither, so quoted parts are taken as written.
    const parsed = name.schema === undefined ? [name.name] : [name.schema, name.name];
    const quoted = quotedNameParts(this.text, offset);
    const [first, second] = quoted.length === parsed.length ? parsed.map((part, i) => quoted[i] ?? part) : parsed;
    if (second === undefined) this.out.add(undefined, first!, op, offset, details);
    else this.out.add(first, second, op, offset, details);
  }

  statement(s: Statement): void {
    switch (s.type) {
      case 'select':
        this.out.level(pgAstLevel({ from: s.from ?? [], where: s.where, targets: s.columns }));
        for (const from of s.from ?? []) this.from(from);
        for (const [key, value] of Object.entries(s)) if (key !== 'from') this.nested(value);
        return;
      case 'values':
        this.nested(s.values);
        return;
      case 'union':
      case 'union all':
        this.statement(s.left);
        this.statement(s.right);
        return;
      case 'with':
        this.out.scope((declare) => {
          for (const binding of s.bind) {
            this.statement(binding.statement);
            declare(binding.alias.name);
          }
          this.statement(s.in);
        });
        return;
      case 'with recursive':
        this.out.scope((declare) => {
          declare(s.alias.name);
          this.statement(s.bind);
          this.statement(s.in);
        });
        return;
      case 'insert':
        this.table(s.into, 'insert');
        this.nested([s.insert, s.onConflict, s.returning]);
        return;
      case 'update':
        this.out.level(pgAstLevel({ target: s.table, from: s.from ? [s.from] : [], where: s.where, targets: s.returning }));
        this.table(s.table, 'update');
        if (s.from) this.from(s.from);
        this.nested([s.sets, s.where, s.returning]);
        return;
      case 'delete':
        this.out.level(pgAstLevel({ target: s.from, from: [], where: s.where, targets: s.returning }));
        this.table(s.from, 'delete');
        this.nested([s.where, s.returning]);
        return;
      case 'truncate table':
        for (const name of s.tables) this.table(name, 'truncate');
        return;
      case 'create table':
        this.table(s.name, 'create', createdColumns(s));
        for (const column of s.columns) {
          if (column.kind === 'like table') this.table(column.like, 'read');
          else this.references(column.constraints);
        }
        this.references(s.constraints);
        for (const parent of s.inherits ?? []) this.table(parent, 'reference');
        return;
      case 'alter table':
        this.table(s.table, 'alter', alteredDetails(s));
        this.references(s.changes);
        return;
      case 'create index':
        this.table(s.table, 'alter');
        return;
      case 'create view':
      case 'create materialized view':
        this.table(s.name, 'create');
        this.statement(s.query);
        return;
      case 'drop table':
        for (const name of s.names) this.table(name, 'drop');
        return;
      case 'prepare':
        this.statement(s.statement);
        return;
      case 'create function':
      case 'do':
        return; // bodies are opaque to this backend
      default:
        this.nested(s);
    }
  }

  private from(from: From): void {
    if (from.type === 'table') this.table(from.name, 'read');
    else if (from.type === 'statement') this.statement(from.statement);
    this.nested(from.type === 'call' ? [from.args, from.join] : from.join);
  }

  /** Report `foreignTable` of every FOREIGN KEY / REFERENCES constraint below `node`. */
  private references(node: unknown): void {
    if (Array.isArray(node)) for (const item of node) this.references(item);
    else if (typeof node === 'object' && node !== null) {
      const n = node as Json;
      if ((n.type === 'foreign key' || n.type === 'reference') && n.foreignTable) {
        this.table(n.foreignTable as QName, 'reference');
      } else for (const value of Object.values(n)) this.references(value);
    }
  }

  /** Walk an expression tree for subqueries. */
  private nested(node: unknown): void {
    if (Array.isArray(node)) for (const item of node) this.nested(item);
    else if (isQuery(node)) this.statement(node);
    else if (typeof node === 'object' && node !== null) for (const value of Object.values(node)) this.nested(value);
  }
}

function isQuery(node: unknown): node is Statement {
  return typeof node === 'object' && node !== null && QUERY_TYPES.has(String((node as Json).type));
}
