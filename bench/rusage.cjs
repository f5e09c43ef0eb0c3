// Preloaded into every measured process (NODE_OPTIONS=--require): at exit, writes the process's
// peak resident memory and CPU time to $SCHEMA_GUARD_BENCH_RUSAGE, so the benchmark needs no
// /usr/bin/time. ru_maxrss covers the whole process, worker threads included.
const { writeFileSync } = require('node:fs');
const { isMainThread } = require('node:worker_threads');

const target = process.env.SCHEMA_GUARD_BENCH_RUSAGE;
if (target && isMainThread) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(target, JSON.stringify({ maxRssKb: usage.maxRSS, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 }));
  });
}
