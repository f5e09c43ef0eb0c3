/**
 * A worker thread of the extraction pool (see pool.ts): loads the TypeScript parser and its own SQL
 * analyzer once, then answers each batch of files with their outcomes, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { SqlParserName } from '../sql/index.js';
import { createExtractor, type ExtractJob } from './jobs.js';
import type { RepoSymbolData } from './orm/symbols.js';

const port = parentPort!;
const { sqlParser, symbols } = workerData as { sqlParser: SqlParserName; symbols?: RepoSymbolData };
const extract = await createExtractor(sqlParser, symbols);
// Batches posted while the parsers loaded have waited in the port's queue.
port.on('message', (jobs: ExtractJob[]) => port.postMessage(extract(jobs)));
