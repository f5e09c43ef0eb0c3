/**
 * Extraction of a batch of files, the same in the main thread and in a worker thread: each file is
 * read, hashed and analysed (run.ts has taken what the cache could answer). A file that
 * cannot be read or analysed becomes an outcome that says so, never an exception.
 */
import type { FileFacts } from '../facts/types.js';
import type { Notification } from '../report/summary.js';
import { createSqlAnalyzer, type SqlParserName } from '../sql/index.js';
import { contentHash } from './cache.js';
import { extractFile } from './file.js';
import { RepoSymbols, type RepoSymbolData } from './orm/symbols.js';
import { SourceReader } from './read-source.js';

export interface ExtractJob {
  /** Repository-relative path. */
  file: string;
}

export interface ExtractOutcome {
  /** Why the file was not read, or what reading it noticed. */
  notes: Notification[];
  /** The content hash of the text read; absent when the file could not be read. */
  hash?: string;
  /** Fresh facts; absent when the file was not read or failed. */
  facts?: FileFacts;
  /** Why the file could not be analysed. */
  error?: string;
}

export interface ExtractorSetup {
  /** The scanned root with links resolved. */
  realRoot: string;
  sqlParser: SqlParserName;
  symbols?: RepoSymbolData;
}

/**
 * An extractor for one root, SQL parser and repository symbol table; the parsers are loaded once.
 * `preread` gives texts already read in this thread (SourceTexts.take); other files are read here.
 */
export async function createExtractor(setup: ExtractorSetup, preread?: (file: string) => string | undefined): Promise<(jobs: ExtractJob[]) => ExtractOutcome[]> {
  const analyzer = await createSqlAnalyzer(setup.sqlParser);
  const symbols = setup.symbols && new RepoSymbols(setup.symbols);
  const reader = new SourceReader(setup.realRoot);
  return (jobs) =>
    jobs.map((job): ExtractOutcome => {
      const notes: Notification[] = [];
      const text = preread?.(job.file) ?? reader.read(job.file, notes);
      if (text === undefined) return { notes };
      const hash = contentHash(text);
      try {
        return { notes, hash, facts: extractFile(job.file, text, { analyzer, symbols }) };
      } catch (error) {
        const message = (error as Error).message;
        // The parsers recurse: code nested thousands deep overflows the stack, which is no bug to report.
        return { notes, hash, error: /call stack/i.test(message) ? `nested too deeply to parse (${message})` : message };
      }
    });
}
