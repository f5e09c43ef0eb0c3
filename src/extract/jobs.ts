/**
 * Extraction of a batch of files, the same in the main thread and in a worker thread:
 * a file that cannot be analysed becomes an error outcome, never an exception.
 */
import type { FileFacts } from '../facts/types.js';
import { createSqlAnalyzer, type SqlParserName } from '../sql/index.js';
import { extractFile } from './file.js';
import { RepoSymbols, type RepoSymbolData } from './orm/symbols.js';

export interface ExtractJob {
  file: string;
  text: string;
}

export type ExtractOutcome = { facts: FileFacts } | { error: string };

/** An extractor for one SQL parser and repository symbol table; the parser is loaded once. */
export async function createExtractor(sqlParser: SqlParserName, symbols?: RepoSymbolData): Promise<(jobs: ExtractJob[]) => ExtractOutcome[]> {
  const analyzer = await createSqlAnalyzer(sqlParser);
  const repoSymbols = symbols && new RepoSymbols(symbols);
  return (jobs) =>
    jobs.map((job) => {
      try {
        return { facts: extractFile(job.file, job.text, { analyzer, symbols: repoSymbols }) };
      } catch (error) {
        const message = (error as Error).message;
        // The parsers recurse: code nested thousands deep overflows the stack, which is no bug to report.
        return { error: /call stack/i.test(message) ? `nested too deeply to parse (${message})` : message };
      }
    });
}
