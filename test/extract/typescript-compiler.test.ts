import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadTypeScript, writeCompilerCodeCache } from '../../src/extract/typescript-compiler.js';
import { REPO_ROOT } from '../helpers.js';
import { temporaryFolder } from '../temporary.js';

const SAMPLE = 'import { sql } from "db";\nexport class A { q() { return sql`SELECT 1`; } }\n';
const STATEMENTS = ['ImportDeclaration', 'ClassDeclaration'];
const kinds = (compiler: ReturnType<typeof loadTypeScript>['compiler']) =>
  compiler.createSourceFile('a.ts', SAMPLE, compiler.ScriptTarget.Latest, true).statements.map((s) => compiler.SyntaxKind[s.kind]);

/**
 * Loads the compiler in a new process: within one process V8 reuses what it compiled before and
 * would not even look at the code cache. Runs the build (dist/), which `npm test` makes first.
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
  const { bytes } = writeCompilerCodeCache(SAMPLE, dir);
  const metaFile = path.join(dir, 'typescript.json');
  const codeFile = path.join(dir, 'typescript.bin');
  const meta = JSON.parse(readFileSync(metaFile, 'utf8'));

  it('loads with the code the build stored, and parses as without it', () => {
    expect(bytes).toBeGreaterThan(100_000);
    expect(loadInNewProcess(dir)).toEqual({ fromCodeCache: true, statements: STATEMENTS });
    expect(loadInNewProcess(path.join(dir, 'missing'))).toEqual({ fromCodeCache: false, statements: STATEMENTS });
  });

  it('is used also when libpg-query loaded first: both set the same V8 flags before compiling', () => {
    // V8 refuses stored code made under other flags; libpg-query's loader sets --liftoff-only.
    expect(loadInNewProcess(dir, { sqlParserFirst: true })).toEqual({ fromCodeCache: true, statements: STATEMENTS });
  });

  it('ignores a code cache made from another source or by another V8, or with damaged metadata', () => {
    for (const damaged of [JSON.stringify({ ...meta, sourceSha1: '0'.repeat(40) }), JSON.stringify({ ...meta, v8: '1.0.0' }), '{"v8":']) {
      writeFileSync(metaFile, damaged);
      const loaded = loadTypeScript(dir);
      expect(loaded.fromCodeCache).toBe(false);
      expect(kinds(loaded.compiler)).toEqual(STATEMENTS);
    }
    writeFileSync(metaFile, JSON.stringify(meta));
  });

  it('is refused by V8 when the code file is damaged, and the compiler compiles from source', () => {
    const copy = temporaryFolder('schema-guard-code-cache-');
    writeFileSync(path.join(copy, 'typescript.json'), JSON.stringify(meta));
    writeFileSync(path.join(copy, 'typescript.bin'), readFileSync(codeFile).subarray(0, 4096));
    expect(loadInNewProcess(copy)).toEqual({ fromCodeCache: false, statements: STATEMENTS });
  });
});
