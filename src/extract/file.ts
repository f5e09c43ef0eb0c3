/**
 * Extracts the facts of one file: imports (resolved inside the repository), table accesses and
 * SQL errors, all placed at 1-based line/column of the file. Knows nothing of the map or rules.
 */
import { LineIndex } from '../facts/positions.js';
import type { FileFacts, SqlAnalysis, TableAccessFact } from '../facts/types.js';
import type { SqlAnalyzer } from '../sql/index.js';
import type { ImportResolver } from './resolve-imports.js';
import { extractTypeScript } from './typescript.js';

export const TYPESCRIPT_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

export interface ExtractContext {
  analyzer: SqlAnalyzer;
  resolver: ImportResolver;
}

export function extractFile(file: string, rawText: string, context: ExtractContext): FileFacts {
  // A BOM is not part of the first line as editors show it.
  const text = rawText.charCodeAt(0) === 0xfeff ? ' ' + rawText.slice(1) : rawText;
  const lines = new LineIndex(text);
  const facts: FileFacts = {
    file,
    language: file.endsWith('.sql') ? 'sql' : 'typescript',
    imports: [],
    accesses: [],
    sqlErrors: [],
    notes: [],
  };
  if (facts.language === 'sql') {
    placeSql(facts, context.analyzer.analyze(text), (offset) => offset, lines, undefined, true);
    return facts;
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
      resolved: context.resolver.resolve(file, raw.specifier),
      ...lines.range(raw.offset, raw.length),
    });
  }
  for (const site of ts.sqlSites) {
    const analysis = context.analyzer.analyze(site.sql.text);
    // Outside query positions a string is SQL only if it parses: 'update ledger entries failed' is a log line.
    if (!site.queryPosition && (analysis.error || analysis.statements.length === 0)) continue;
    placeSql(facts, analysis, (offset) => site.sql.toFileOffset(offset), lines, site.enclosingFunction, site.queryPosition);
  }
  return facts;
}

function placeSql(
  facts: FileFacts,
  analysis: SqlAnalysis,
  toFileOffset: (sqlOffset: number) => number,
  lines: LineIndex,
  enclosingFunction: string | undefined,
  reportErrors: boolean,
): void {
  let statement = facts.accesses.reduce((max, access) => Math.max(max, access.statement + 1), 0);
  for (const parsed of analysis.statements) {
    for (const access of [...parsed.accesses].sort((a, b) => a.offset - b.offset)) {
      const start = toFileOffset(access.offset);
      const fact: TableAccessFact = {
        table: access.table,
        operation: access.operation,
        statement,
        ...lines.range(start, access.length),
      };
      if (enclosingFunction) fact.enclosingFunction = enclosingFunction;
      if (access.synthetic) fact.synthetic = true;
      facts.accesses.push(fact);
    }
    statement++;
  }
  const errors = analysis.errors ?? (analysis.error ? [analysis.error] : []);
  if (reportErrors) {
    for (const error of errors) {
      const fact = { message: error.message, ...lines.locate(toFileOffset(error.offset)) };
      facts.sqlErrors.push(enclosingFunction ? { ...fact, enclosingFunction } : fact);
    }
  }
}
