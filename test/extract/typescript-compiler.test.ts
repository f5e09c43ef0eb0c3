import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers.js';
import { temporaryFolder } from '../temporary.js';

const SAMPLE = 'import { sql } from "db";\nexport class A { q() { return sql`SELECT 1`; } }\n';
const STATEMENTS = ['ImportDeclaration', 'ClassDeclaration'];

/**
 * Loads the compiler in a new process: within one process V8 reuses what it compiled before and
 * would not even look at the code cache. Runs the build (dist/), which `npm test` makes first; the
 * process inherits the test run's temporary user cache folder, where the key is.
 */
function loadInNewProcess(cacheDir: string, options: { sqlParserFirst?: boolean } = {}): { fromCodeCache: boolean; statements: string[] } {
  const module = pathToFileURL(path.join(REPO_ROOT, 'dist/extract/typescript-compiler.js')).href;
  const sql = pathToFileURL(path.join(REPO_ROOT, 'dist/sql/index.js')).href;
  const script = `
    ${options.sqlParserFirst ? `await (await import(${JSON.stringify(sql)})).createSqlAnalyzer('libpg-query');` : ''}
    const { loadTypeScript } = await import(${JSON.stringify(module)});
    const { compiler, fromCodeCache } = loadTypeScript(${JSON.stringify(cacheDir)});
    const statements = compiler.createSourceFile('a.ts', ${JSON.stringify(SAMPLE)}, compiler.ScriptTarget.Latest, true).statements.map((s) => compiler.SyntaxKind[s.kind]);
    console.log(JSON.stringify({ fromCodeCache, statements }));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
}

describe('the TypeScript compiler and its code cache', () => {
  const dir = temporaryFolder('schema-guard-code-cache-');
  const codeFile = () => path.join(dir, readdirSync(dir).find((name) => name.endsWith('.bin'))!);

  it('is made on first use, sealed, and used by the next process, which parses as without it', () => {
    expect(loadInNewProcess(dir)).toEqual({ fromCodeCache: false, statements: STATEMENTS });
    expect(readdirSync(dir)).toEqual([expect.stringMatching(/^typescript-[\d.]+(-node\.\d+)?-[0-9a-f]{16}\.bin$/)]);
    expect(readFileSync(codeFile()).length).toBeGreaterThan(100_000);
    expect(loadInNewProcess(dir)).toEqual({ fromCodeCache: true, statements: STATEMENTS });
  });

  it('is used also when libpg-query loaded first: both set the same V8 flags before compiling', () => {
    // V8 refuses stored code made under other flags; libpg-query's loader sets --liftoff-only.
    expect(loadInNewProcess(dir, { sqlParserFirst: true })).toEqual({ fromCodeCache: true, statements: STATEMENTS });
  });

  it('is not given to V8 without the seal of the user key: planted compiled code is never run', () => {
    const sealed = readFileSync(codeFile());
    // V8's own code, without the first line that seals it: what a planted file would be at best.
    writeFileSync(codeFile(), sealed.subarray(sealed.indexOf(10) + 1));
    expect(loadInNewProcess(dir)).toEqual({ fromCodeCache: false, statements: STATEMENTS });
    // The run replaced it with sealed code of its own.
    expect(loadInNewProcess(dir)).toEqual({ fromCodeCache: true, statements: STATEMENTS });
  });

  it('is refused by V8 when the code is damaged, and the compiler compiles from source', () => {
    const sealed = readFileSync(codeFile());
    writeFileSync(codeFile(), sealed.subarray(0, 4096));
    expect(loadInNewProcess(dir)).toEqual({ fromCodeCache: false, statements: STATEMENTS });
  });
});
