/**
 * SQL analysis: which tables each statement reads and writes, with offsets in the SQL text.
 * Two interchangeable backends; libpg-query (PostgreSQL's own parser) is the default.
 */
import { detachString } from '../facts/detach.js';
import type { SqlAnalysis } from '../facts/types.js';
import { analyzeSql, type Backend, type SqlParserName } from './engine.js';
import { libpgBackend, loadLibpgQuery } from './libpg.js';

export type { SqlParserName } from './engine.js';
export { isSyntheticTableName } from './placeholders.js';

export interface SqlAnalyzer {
  readonly name: SqlParserName;
  /** Never throws. Results are cached per text and shared: do not mutate them. */
  analyze(sql: string): SqlAnalysis;
}

const CACHE_LIMIT = 5_000;
const analyzers = new Map<SqlParserName, Promise<SqlAnalyzer>>();

function cachedAnalyzer(backend: Backend): SqlAnalyzer {
  const cache = new Map<string, SqlAnalysis>();
  return {
    name: backend.name,
    analyze(sql) {
      let analysis = cache.get(sql);
      if (analysis === undefined) {
        analysis = analyzeSql(backend, sql);
        if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!); // oldest first
        // The key is often cut from a file's text: a copy, so that the cache does not hold the file.
        cache.set(detachString(sql), analysis);
      }
      return analysis;
    },
  };
}

/** One analyzer (and cache) per backend, loaded on first request. */
export function createSqlAnalyzer(name: SqlParserName = 'libpg-query'): Promise<SqlAnalyzer> {
  let analyzer = analyzers.get(name);
  if (analyzer === undefined) {
    // Each backend is loaded only when chosen: pgsql-ast-parser alone takes ~130 ms to import.
    analyzer = name === 'libpg-query'
      ? loadLibpgQuery().then(() => cachedAnalyzer(libpgBackend))
      : import('./pgast.js').then(({ pgAstBackend }) => cachedAnalyzer(pgAstBackend));
    analyzers.set(name, analyzer);
  }
  return analyzer;
}
