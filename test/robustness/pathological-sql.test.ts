/**
 * Inputs that once took seconds to hours: each must now be analysed (or refused with a located
 * error) in well under a second, by both backends.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { SqlAnalysis } from '../../src/facts/types.js';
import { createSqlAnalyzer, type SqlAnalyzer } from '../../src/sql/index.js';

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');

/** Analyses `sql` with both backends, each within `ms`. */
let analyzers: SqlAnalyzer[];
beforeAll(async () => {
  analyzers = [await createSqlAnalyzer('libpg-query'), await createSqlAnalyzer('pgsql-ast-parser')];
});
function analyzeQuickly(sql: string, ms = 1000): SqlAnalysis[] {
  return analyzers.map((analyzer) => {
    const started = performance.now();
    const analysis = analyzer.analyze(sql);
    expect(performance.now() - started, `${analyzer.name} took too long`).toBeLessThan(ms);
    return analysis;
  });
}

describe('pathological SQL', () => {
  it('an unclosed $$ or E-string: pgsql-ast-parser’s lexer backtracked exponentially over the words after it', () => {
    for (const sql of [`SELECT $$ ${words(60)}`, `SELECT E'${words(60)}`, `SELECT a$$ ${words(60)}`, `SELECT $$x$$, $$ ${words(60)}`]) {
      for (const analysis of analyzeQuickly(sql)) {
        expect(analysis.error?.message).toMatch(/unterminated|syntax error|Unexpected/);
      }
    }
    const [, pgAst] = analyzeQuickly(`SELECT $$ ${words(60)}`);
    expect(pgAst!.error).toEqual({ message: 'unterminated dollar-quoted string', offset: 7 });
  });

  it('a closed $$ body and a $$ inside a string are still parsed by pgsql-ast-parser', () => {
    const [, pgAst] = analyzeQuickly("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$; SELECT '$$' AS a FROM t");
    expect(pgAst!.error).toBeUndefined();
    expect(pgAst!.statements[1]!.accesses.map((a) => a.table.name)).toEqual(['t']);
  });

  it('a template hole padded to 100 kB: the identifier-hole rewrite was quadratic in the padding', () => {
    const [libpg, pgAst] = analyzeQuickly(`SELECT * FROM t WHERE a = $1${' '.repeat(100_000)}AND b = ?`);
    expect(libpg!.statements[0]?.accesses.map((a) => a.table.name)).toEqual(['t']);
    expect(pgAst!.error?.message).toMatch(/exceeds the 20000-character limit/);
  });

  it('BEGIN ATOMIC never ended, then 20,000 statements: splitting rescanned the growing piece', () => {
    const sql = `CREATE FUNCTION f() RETURNS int BEGIN ATOMIC ${'SELECT 1 FROM t;'.repeat(20_000)}`;
    for (const analysis of analyzeQuickly(sql, 3000)) expect(analysis.error).toBeDefined();
  });
});
