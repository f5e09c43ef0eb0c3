import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
if (isMainThread) {
  for (const mb of [4, 16, 32, 64]) {
    const w = new Worker(new URL(import.meta.url), { workerData: mb, resourceLimits: { stackSizeMb: mb } });
    const r = await new Promise((res, rej) => { w.on('message', res); w.on('error', rej); });
    console.log(mb, r); await w.terminate();
  }
} else {
  const { createExtractor } = await import('./dist/extract/jobs.js');
  const { writeFileSync, mkdirSync } = await import('node:fs');
  mkdirSync('/tmp/hf/deeproot', { recursive: true });
  const results = {};
  const extract = await createExtractor({ realRoot: '/tmp/hf/deeproot', sqlParser: 'libpg-query' });
  for (const [name, make] of [['arr', (n) => 'const a = ' + '['.repeat(n) + ']'.repeat(n) + ';\n'], ['par', (n) => 'const a = ' + '('.repeat(n) + '1' + ')'.repeat(n) + ';\n'], ['blk', (n) => 'if (x) {'.repeat(n) + '}'.repeat(n) + '\n'], ['call', (n) => 'f('.repeat(n) + ')'.repeat(n) + '\n']]) {
    let best = 0;
    for (const n of [1000, 2000, 4000, 8000, 16000, 32000]) {
      writeFileSync('/tmp/hf/deeproot/x.ts', make(n) + "pool.query('DELETE FROM ledger_entries');\n");
      const [o] = await extract([{ file: 'x.ts' }]);
      if (o.facts && o.facts.accesses.length) best = n; else break;
    }
    results[name] = best;
  }
  parentPort.postMessage(results);
}
