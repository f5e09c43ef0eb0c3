/**
 * Extracts the facts of one file: imports, table accesses and SQL errors, all placed at 1-based
 * line/column of the file. Depends on the file's path and text alone (run.ts caches the facts by
 * content, and resolves the imports afterwards); knows nothing of the map or rules.
 */
import { detachStrings } from '../facts/detach.js';
import { LineIndex } from '../facts/positions.js';
import type { FileFacts, Framework, SqlAnalysis, TableAccessFact } from '../facts/types.js';
import type { SqlAnalyzer } from '../sql/index.js';
import { psqlScriptAsSql } from '../sql/psql.js';
import { extractOrmFacts, frameworkSending, toAccessFacts } from './orm/extract.js';
import { RepoSymbols } from './orm/symbols.js';
import type { EmbeddedSql } from './sql-text.js';
import { findSuppressionComments } from './suppression-comments.js';
import { enclosingFunctionOf, extractTypeScript } from './typescript.js';

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
    const sql = psqlScriptAsSql(text);
    return {
      sql: [sql],
      finish(analysisOf) {
        placeSql(facts, analysisOf(sql), SAME_OFFSETS, lines, undefined, true, 'sql');
        return detachStrings(facts);
      },
    };
  }

  const ts = extractTypeScript(file, text);
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
  const sites = ts.sqlSites;
  return {
    sql: sites.map((site) => site.sql.text),
    finish(analysisOf) {
      for (const site of sites) {
        const analysis = analysisOf(site.sql.text);
        // Outside query positions a string is SQL only if it parses: 'update ledger entries failed' is a log line.
        if (!site.queryPosition && (analysis.error || analysis.statements.length === 0)) continue;
        const framework = frameworkSending(orm, site.expressionStart) ?? 'sql';
        placeSql(facts, analysis, site.sql, lines, site.enclosingFunction, site.queryPosition, framework);
      }
      facts.accesses.push(...toAccessFacts(orm, nextStatement(facts), lines));
      // Names and specifiers are cut from the text; the facts must not keep the whole text alive.
      return detachStrings(facts);
    },
  };
}

/** Where SQL offsets are in the file: embedded SQL maps through its segments, a .sql file is its own text. */
type SqlPlacement = Pick<EmbeddedSql, 'toFileOffset' | 'toFileEnd'>;
const SAME_OFFSETS: SqlPlacement = { toFileOffset: (offset) => offset, toFileEnd: (offset) => offset };

function placeSql(
  facts: FileFacts,
  analysis: SqlAnalysis,
  place: SqlPlacement,
  lines: LineIndex,
  enclosingFunction: string | undefined,
  reportErrors: boolean,
  framework: Framework,
): void {
  let statement = nextStatement(facts);
  for (const parsed of analysis.statements) {
    for (const access of [...parsed.accesses].sort((a, b) => a.offset - b.offset)) {
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
      facts.accesses.push(fact);
    }
    statement++;
  }
  const errors = analysis.errors ?? (analysis.error ? [analysis.error] : []);
  if (reportErrors) {
    for (const error of errors) {
      const fact = { message: error.message, ...lines.locate(place.toFileOffset(error.offset)) };
      facts.sqlErrors.push(enclosingFunction ? { ...fact, enclosingFunction } : fact);
    }
  }
}

function nextStatement(facts: FileFacts): number {
  return facts.accesses.reduce((max, access) => Math.max(max, access.statement + 1), 0);
}
