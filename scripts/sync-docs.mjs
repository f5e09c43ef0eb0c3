// Rewrites the rule table in README.md from rules/*.md (run after `npm run build`).
import { readFileSync, writeFileSync } from 'node:fs';
import { getRuleCatalog, renderRuleTable } from '../dist/rules/catalog.js';

const readme = new URL('../README.md', import.meta.url);
const text = readFileSync(readme, 'utf8');
const block = /(<!-- rules:start -->\n)[\s\S]*?(<!-- rules:end -->)/;
if (!block.test(text)) throw new Error('README.md has no <!-- rules:start --> … <!-- rules:end --> block');
writeFileSync(readme, text.replace(block, `$1${renderRuleTable(getRuleCatalog())}\n$2`));
