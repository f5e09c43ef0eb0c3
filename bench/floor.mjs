// The parse floor: read every scannable file of a tree and parse the TypeScript ones with the
// TypeScript parser alone (ts.createSourceFile, without parent pointers: schema-guard does not ask
// the parser for them, its walk sets them), in one process. No SQL, no rules, no output: what any
// TypeScript-aware scan must at least pay.
//
//   node bench/floor.mjs TREE [FILE…]    (FILE: only these, relative to TREE)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ts } from 'ts-morph';
import { globSync } from 'tinyglobby';

const root = process.argv[2];
if (!root) {
  console.error('usage: node bench/floor.mjs TREE [FILE…]');
  process.exit(2);
}
const only = process.argv.slice(3);
const files = only.length > 0 ? only : globSync('**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs,sql}', { cwd: root, ignore: ['**/node_modules/**'] });
let nodes = 0;
for (const file of files) {
  const text = readFileSync(path.join(root, file), 'utf8');
  if (file.endsWith('.sql')) continue;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  nodes += source.statements.length;
}
console.log(JSON.stringify({ files: files.length, statements: nodes }));
