/**
 * Extracts the facts of one file: imports, table accesses and SQL errors, all placed at 1-based
 * line/column of the file. Depends on the file's path and text alone (run.ts caches the facts by
 * content, and resolves the imports afterwards); knows nothing of the map or rules.
 */
import { detachStrings } from '../facts/detach.js';
import { LineIndex } from '../facts/positions.js';
import type { FileFacts, Framework, QuerySite, SqlAnalysis, SqlTableAccess, TableAccessFact } from '../facts/types.js';
import type { SqlAnalyzer } from '../sql/index.js';
import { psqlScriptAsSql } from '../sql/psql.js';
import { drizzleTableNames, extractOrmFacts, frameworkSending, toAccessFacts, toSiteFacts } from './orm/extract.js';
import { RepoSymbols } from './orm/symbols.js';
import type { EmbeddedSql } from './sql-text.js';
import { findSuppressionComments } from './suppression-comments.js';
import { enclosingFunctionOf, extractTypeScript, type SqlSite } from './typescript.js';

export const TYPESCRIPT_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

export interface ExtractContext {
  analyzer: SqlAnalyzer;
  /**
   * Query-builder / ORM declarations of the whole repository (Drizzle tables, Prisma models, TypeORM
   * entities, exported clients), from the pre-pass. Facts depend on it: its fingerprint is part of their cache key.
   */
  symbols?: RepoSymbols;
}

export function extractFile(file: string, rawText: string, context: ExtractContext): FileFacts {
  return startFile(file, rawText, context.symbols).finish((sql) => context.analyzer.analyze(sql));
}

/** A file read and parsed as TypeScript, waiting for the analyses of its SQL texts. */
export interface StartedFile {
  /** The SQL texts `finish` asks the analysis of, in order. */
  sql: string[];
  /** The facts, given the analysis of each text of `sql`. */
  finish(analysisOf: (sql: string) => SqlAnalysis): FileFacts;
}

/**
 * extractFile in two steps, so that the SQL of many files can be analysed elsewhere (another thread)
 * while this one parses the next files: what does not depend on the SQL analyses now, the rest in `finish`.
 */
export function startFile(file: string, rawText: string, symbols: RepoSymbols | undefined): StartedFile {
  // A BOM is not part of the first line as editors show it, nor a column in SARIF: dropped.
  const text = rawText.charCodeAt(0) === 0xfeff ? rawText.slice(1) : rawText;
  const lines = new LineIndex(text);
  const facts: FileFacts = {
    file,
    language: file.endsWith('.sql') ? 'sql' : 'typescript',
    imports: [],
    accesses: [],
    sqlErrors: [],
    suppressions: [],
    notes: [],
  };
  facts.suppressions = findSuppressionComments(text, facts.language);
  if (facts.language === 'sql') {
    // Same length as the script: offsets in it are offsets in the file.
    const sql = withoutNul(psqlScriptAsSql(text));
    return {
      sql: [sql],
      finish(analysisOf) {
        const analysis = analysisOf(sql);
        placeSql(facts, analysis, SAME_OFFSETS, lines, undefined, true, 'sql', text);
        // A script is one site: read when every statement of it parsed.
        if (analysis.statements.length > 0 || analysis.error) {
          facts.sites = [{ framework: 'sql', line: 1, column: 1, statements: { first: 0, end: nextStatement(facts) }, ...(analysis.error ? { unread: 'unparsed' as const } : {}) }];
        }
        return detachStrings(facts);
      },
    };
  }

  const ts = extractTypeScript(file, text, symbols && ((source) => drizzleTableNames(file, source, symbols)));
  for (const error of ts.syntaxErrors.slice(0, 1)) {
    facts.notes.push({ message: `TypeScript syntax error: ${error.message}`, ...lines.locate(error.offset) });
  }
  if (ts.ownerHeader) facts.ownerHeader = { domain: ts.ownerHeader.domain, ...lines.range(ts.ownerHeader.offset, ts.ownerHeader.length) };
  for (const raw of ts.imports) {
    facts.imports.push({
      specifier: raw.specifier,
      kind: raw.kind,
      typeOnly: raw.typeOnly,
      ...lines.range(raw.offset, raw.length),
    });
  }
  const orm = extractOrmFacts({
    file,
    source: ts.source,
    specifiers: ts.imports.map((raw) => raw.specifier),
    symbols: symbols ?? RepoSymbols.EMPTY,
    enclosingFunction: enclosingFunctionOf,
  });
  // Not `ts` itself: the syntax tree need not wait for the SQL analyses.
  const { sqlSites, unreadQueries } = ts;
  return {
    sql: sqlSites.flatMap((site) => textsOf(site).map((variant) => withoutNul(variant.text))),
    finish(analysisOf) {
      const sites: QuerySite[] = [];
      for (const site of sqlSites) {
        const texts = textsOf(site);
        const analyses = texts.map((variant) => analysisOf(withoutNul(variant.text)));
        // Of the two texts a conditional piece makes, the one that parses leads.
        const lead = analyses[0]!.error && analyses[1] && !analyses[1].error ? 1 : 0;
        const analysis = analyses[lead]!;
        const parsed = !analysis.error && analysis.statements.length > 0;
        // Outside query positions a string is SQL only if it parses: 'update ledger entries failed' is a log line.
        // A fragment (sql`count(*)`) that does not parse alone is a piece of a statement, not an error.
        if (!parsed && (!site.queryPosition || site.shape === 'fragment')) continue;
        const framework = frameworkSending(orm, site.expressionStart) ?? 'sql';
        const where = lines.range(site.expressionStart, site.expressionEnd - site.expressionStart);
        const first = nextStatement(facts);
        if (site.shape === 'assembled' && !parsed) {
          sites.push({ framework, ...where, statements: { first, end: first }, unread: 'assembled' });
          continue;
        }
        // A statement that fails where a piece computed at run time stands (`ALTER TABLE t ${definition}`,
        // `FROM t ${where}` with a fragment) cannot be judged either way: an unread site, not a parse error.
        const place = texts[lead]!;
        const atHole = (error: { offset: number }) => place.isHoleAt(error.offset);
        const failedAtHole = (analysis.errors ?? (analysis.error ? [analysis.error] : [])).some(atHole);
        const reported = failedAtHole ? withoutErrors(analysis, atHole) : analysis;
        placeSql(facts, reported, place, lines, site.enclosingFunction, site.queryPosition, framework, text);
        const other = analyses[1 - lead];
        if (other && !other.error) placeOtherVariant(facts, other, texts[1 - lead]!, lines, site.enclosingFunction, framework);
        const end = nextStatement(facts);
        if (site.shape === 'fragment' && end === first) continue; // an expression naming no table is no query
        const unread = failedAtHole ? ('assembled' as const) : analysis.error ? ('unparsed' as const) : undefined;
        sites.push({ framework, ...where, statements: { first, end }, ...(unread ? { unread } : {}) });
      }
      for (const query of unreadQueries) {
        const framework = frameworkSending(orm, query.start) ?? 'sql';
        const first = nextStatement(facts);
        sites.push({ framework, ...lines.range(query.start, query.end - query.start), statements: { first, end: first }, unread: 'not-static' });
      }
      const ormFirst = nextStatement(facts);
      facts.accesses.push(...toAccessFacts(orm, ormFirst, lines));
      sites.push(...toSiteFacts(orm, ormFirst, lines));
      if (sites.length > 0) facts.sites = sites.sort((a, b) => a.line - b.line || a.column - b.column);
      // Names and specifiers are cut from the text; the facts must not keep the whole text alive.
      return detachStrings(facts);
    },
  };
}

/** The analysis without the errors `drop` picks. */
function withoutErrors(analysis: SqlAnalysis, drop: (error: { offset: number }) => boolean): SqlAnalysis {
  const errors = (analysis.errors ?? (analysis.error ? [analysis.error] : [])).filter((error) => !drop(error));
  return errors.length > 0 ? { statements: analysis.statements, error: errors[0], errors } : { statements: analysis.statements };
}

/** The texts a site's SQL is analysed as: a fragment as an expression (`SELECT <fragment>`). */
function textsOf(site: SqlSite): EmbeddedSql[] {
  return site.shape === 'fragment' ? site.variants.map((variant) => variant.asExpression()) : site.variants;
}

/**
 * SQL as the parsers get it: a NUL ends a C string, so libpg-query would stop reading at one, and
 * the statements after it (which a migration runner that splits statements would still send) would
 * pass unseen. A space in its place keeps every offset.
 */
function withoutNul(sql: string): string {
  return sql.includes('\0') ? sql.replaceAll('\0', ' ') : sql;
}

/** Where SQL offsets are in the file: embedded SQL maps through its segments, a .sql file is its own text. */
type SqlPlacement = Pick<EmbeddedSql, 'toFileOffset' | 'toFileEnd'> & Partial<Pick<EmbeddedSql, 'fileRangeAt'>>;
const SAME_OFFSETS: SqlPlacement = { toFileOffset: (offset) => offset, toFileEnd: (offset) => offset };

function placeSql(
  facts: FileFacts,
  analysis: SqlAnalysis,
  place: SqlPlacement,
  lines: LineIndex,
  enclosingFunction: string | undefined,
  reportErrors: boolean,
  framework: Framework,
  fileText: string,
): void {
  let statement = nextStatement(facts);
  for (const parsed of analysis.statements) {
    // The statements of a function body follow their CREATE FUNCTION, one statement number each.
    const parts = Math.max(0, ...parsed.accesses.map((access) => access.part ?? 0));
    for (const access of [...parsed.accesses].sort((a, b) => a.offset - b.offset)) {
      facts.accesses.push(accessFact(access, statement + (access.part ?? 0), place, lines, enclosingFunction, framework));
    }
    statement += parts + 1;
  }
  const errors = analysis.errors ?? (analysis.error ? [analysis.error] : []);
  if (reportErrors) {
    for (const error of errors) {
      const at = place.toFileOffset(error.offset);
      const fact = { message: inUserWords(error.message, error.offset, place, fileText), ...lines.locate(at) };
      facts.sqlErrors.push(enclosingFunction ? { ...fact, enclosingFunction } : fact);
    }
  }
}

/** The accesses that only the other branch of a conditional piece names, as statements of their own. */
function placeOtherVariant(
  facts: FileFacts,
  analysis: SqlAnalysis,
  place: SqlPlacement,
  lines: LineIndex,
  enclosingFunction: string | undefined,
  framework: Framework,
): void {
  const seen = new Set(facts.accesses.map((access) => `${access.line}:${access.column}:${access.table.name}:${access.operation}`));
  let statement = nextStatement(facts);
  for (const parsed of analysis.statements) {
    let added = false;
    for (const access of [...parsed.accesses].sort((a, b) => a.offset - b.offset)) {
      const fact = accessFact(access, statement, place, lines, enclosingFunction, framework);
      if (seen.has(`${fact.line}:${fact.column}:${fact.table.name}:${fact.operation}`)) continue;
      facts.accesses.push(fact);
      added = true;
    }
    if (added) statement++;
  }
}

function accessFact(
  access: SqlTableAccess,
  statement: number,
  place: SqlPlacement,
  lines: LineIndex,
  enclosingFunction: string | undefined,
  framework: Framework,
): TableAccessFact {
  const start = place.toFileOffset(access.offset);
  const fact: TableAccessFact = {
    // A copy: the analysis is cached and shared.
    table: { ...access.table },
    operation: access.operation,
    statement,
    ...lines.range(start, place.toFileEnd(access.offset + access.length) - start),
    framework,
  };
  if (enclosingFunction) fact.enclosingFunction = enclosingFunction;
  if (access.synthetic) fact.synthetic = true;
  if (access.schemaHole) fact.schemaHole = true;
  if (access.detail) fact.detail = access.detail;
  if (access.columns) fact.columns = access.columns;
  if (access.constrained) fact.constrained = access.constrained;
  if (access.selected) fact.selected = access.selected;
  return fact;
}

/** The parser quotes the text it parsed; where that is a hole schema-guard put in (`$9001`, `__2_`), quote what the code wrote there. */
function inUserWords(message: string, sqlOffset: number, place: SqlPlacement, fileText: string): string {
  return message.replace(/at or near "(\(?(?:\$\d+|__\d*_*)\)?)"/, (whole, token: string) => {
    const range = place.fileRangeAt?.(sqlOffset) ?? { start: place.toFileOffset(sqlOffset), end: place.toFileEnd(sqlOffset + token.length) };
    const written = fileText.slice(range.start, range.end).trim();
    return written === '' || written.length > 80 ? whole : `at or near ${JSON.stringify(written)}`;
  });
}

function nextStatement(facts: FileFacts): number {
  return facts.accesses.reduce((max, access) => Math.max(max, access.statement + 1), 0);
}
