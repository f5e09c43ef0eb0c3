/**
 * A worker thread of the extraction pool (see pool.ts): loads the TypeScript parser and its own SQL
 * analyzer once, then answers each batch of files with their outcomes, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createExtractor, type ExtractJob, type ExtractorSetup } from './jobs.js';

const port = parentPort!;
const extract = await createExtractor(workerData as ExtractorSetup);
// Batches posted while the parsers loaded have waited in the port's queue; answered in order.
let previous = Promise.resolve();
port.on('message', (jobs: ExtractJob[]) => {
  previous = previous.then(async () => port.postMessage(await extract(jobs)));
});
