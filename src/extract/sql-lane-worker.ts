/**
 * The SQL lane's worker thread (see sql-lane.ts): loads the chosen SQL parser, then answers each
 * list of texts with their analyses, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createSqlAnalyzer, type SqlParserName } from '../sql/index.js';

const port = parentPort!;
const analyzer = await createSqlAnalyzer(workerData as SqlParserName);
// Lists posted while the parser loaded have waited in the port's queue.
port.on('message', (texts: string[]) => port.postMessage(texts.map((text) => analyzer.analyze(text))));
