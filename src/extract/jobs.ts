/**
 * Extraction of a batch of files, the same in the main thread and in a worker thread: each file is
 * read, hashed and analysed (run.ts has taken what the cache could answer). A file that
 * cannot be read or analysed becomes an outcome that says so, never an exception.
 */
import type { FileFacts, SqlAnalysis } from '../facts/types.js';
import type { Notification } from '../outcome.js';
import { createSqlAnalyzer, type SqlParserName } from '../sql/index.js';
import { contentHash } from '../cache/freshness.js';
import { startFile } from './file.js';
import { RepoSymbols, type RepoSymbolData } from './orm/symbols.js';
import { SourceReader } from './read-source.js';
import type { SqlLane } from './sql-lane.js';

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
  /** Why the file could not be read or analysed: it gets a file-not-analysed finding instead of facts. */
  notAnalysed?: string;
  /** The parsers ran out of stack: a thread with a larger one may analyse the file (run.ts). */
  nestedTooDeep?: boolean;
}

export interface ExtractorSetup {
  /** The scanned root with links resolved. */
  realRoot: string;
  sqlParser: SqlParserName;
  symbols?: RepoSymbolData;
}

/** Extracts a batch of files; outcomes in the order of the jobs. */
export type Extractor = (jobs: ExtractJob[]) => Promise<ExtractOutcome[]>;

export interface ExtractorOptions {
  /** Texts already read in this thread (SourceTexts.take); other files are read here. */
  preread?: (file: string) => string | undefined;
  /** Where the SQL texts are analysed; none: in this thread. */
  sqlLane?: SqlLane;
  /** Called once when the SQL lane fails; this thread then analyses the SQL itself. */
  onSqlLaneFailure?: (reason: string) => void;
}

/**
 * An extractor for one root, SQL parser and repository symbol table; the parsers are loaded once.
 * With a SQL lane, each batch is parsed here and its SQL analysed there: a batch's promise settles
 * once the lane has answered, and meanwhile this thread may start the next batch.
 */
export async function createExtractor(setup: ExtractorSetup, options: ExtractorOptions = {}): Promise<Extractor> {
  let sqlLane = options.sqlLane;
  // With a lane, this thread loads the SQL parser only if the lane fails.
  let analyzer = sqlLane ? undefined : await createSqlAnalyzer(setup.sqlParser);
  const symbols = setup.symbols && new RepoSymbols(setup.symbols);
  const reader = new SourceReader(setup.realRoot);

  return async (jobs) => {
    const started = jobs.map((job) => {
      const notes: Notification[] = [];
      const text = options.preread?.(job.file) ?? reader.read(job.file, notes);
      // The reader's notes say why it read nothing: that is the reason the file was not analysed.
      if (text === undefined) return { notes: [], notAnalysed: notes.map((note) => note.message.replace(/^skipped: /, '')).join('; ') || 'it could not be read' };
      const hash = contentHash(text);
      try {
        return { notes, hash, file: startFile(job.file, text, symbols) };
      } catch (error) {
        return { notes, hash, ...failure(error) };
      }
    });
    let analysisOf: ((sql: string) => SqlAnalysis) | undefined;
    if (sqlLane) {
      try {
        analysisOf = await sqlLane.analyze(started.flatMap((outcome) => outcome.file?.sql ?? []));
      } catch (error) {
        options.onSqlLaneFailure?.((error as Error).message);
        sqlLane = undefined;
      }
    }
    if (!analysisOf) {
      const local = (analyzer ??= await createSqlAnalyzer(setup.sqlParser));
      analysisOf = (sql) => local.analyze(sql);
    }
    return started.map(({ file, ...outcome }): ExtractOutcome => {
      if (!file) return outcome;
      try {
        return { ...outcome, facts: file.finish(analysisOf) };
      } catch (error) {
        return { ...outcome, ...failure(error) };
      }
    });
  };
}

function failure(error: unknown): Pick<ExtractOutcome, 'notAnalysed' | 'nestedTooDeep'> {
  const message = error instanceof Error ? error.message : String(error);
  // The parsers recurse: code nested thousands deep overflows the stack, which is no bug to report.
  if (error instanceof RangeError && /call stack/i.test(message)) return { notAnalysed: 'nested too deeply to parse', nestedTooDeep: true };
  return { notAnalysed: `could not be analysed (${message})` };
}
