/**
 * A worker thread of the extraction pool (see pool.ts). It loads the TypeScript parser (importing
 * jobs.js does) and its SQL analyzer as soon as it starts, for it may be started before the main
 * thread knows the repository's symbol table; the setup comes as the first message, then batches
 * of files, each answered with their outcomes, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createSqlAnalyzer, type SqlParserName } from '../sql/index.js';
import { createExtractor, type ExtractJob, type Extractor, type ExtractorSetup } from './jobs.js';

const port = parentPort!;
// createExtractor asks for the same analyzer, and fails the worker if it could not load.
createSqlAnalyzer(workerData as SqlParserName).catch(() => {});
let extract: Promise<Extractor> | undefined;
let previous = Promise.resolve();
port.on('message', (message: ExtractorSetup | ExtractJob[]) => {
  if (!Array.isArray(message)) {
    extract = createExtractor(message);
    return;
  }
  previous = previous.then(async () => port.postMessage(await (await extract!)(message)));
});
