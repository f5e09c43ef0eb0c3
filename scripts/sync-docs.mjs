// Rewrites the generated parts of the documentation from real runs (run after `npm run build`,
// or as `npm run docs:sync`): the rule table in README.md from rules/*.md, and every output sample
// that scripts/doc-samples.mjs describes. test/docs.test.ts fails when any of them is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { main } from '../dist/cli/main.js';
import { getRuleCatalog, renderRuleTable } from '../dist/rules/catalog.js';
import { REPO_ROOT, renderSample, SAMPLES, withBlock } from './doc-samples.mjs';

const only = process.argv.slice(2); // sample ids, to refresh a few; all by default
const files = new Map();
const read = (file) => files.get(file) ?? readFileSync(path.join(REPO_ROOT, file), 'utf8');

const readme = read('README.md');
const table = /(<!-- rules:start -->\n)[\s\S]*?(<!-- rules:end -->)/;
if (!table.test(readme)) throw new Error('README.md has no <!-- rules:start --> … <!-- rules:end --> block');
files.set('README.md', readme.replace(table, `$1${renderRuleTable(getRuleCatalog())}\n$2`));

for (const sample of SAMPLES) {
  if (only.length && !only.includes(sample.id)) continue;
  files.set(sample.file, withBlock(read(sample.file), sample.id, await renderSample(sample, main)));
  process.stderr.write(`${sample.file}: ${sample.id}\n`);
}
for (const [file, text] of files) writeFileSync(path.join(REPO_ROOT, file), text);
