/**
 * The TypeScript compiler, as a value: the copy ts-morph bundles (@ts-morph/common/dist/typescript.js),
 * loaded by itself. Modules that parse import `typescript` from here and the namespace's types from
 * ts-morph (`import type { ts }`), which keeps three things off the start of every parsing process:
 * ts-morph's own 3 MB of wrapper code, which the hot path does not use; Node's scan of a CommonJS
 * module's exports when ESM imports it; and compiling the compiler's 9 MB (about 0.5 s; with V8's
 * compiled code, about 0.25 s).
 *
 * That compiled code is made on first use, in the user's cache folder (`<cache home>/schema-guard/code/`,
 * one file per V8 version and compiler source), never in the package (only the Node version that
 * made it can use it) and never in the scanned repository. Stored code is code V8 runs, and V8
 * checks only its version, its flags and the source's length: so the file is sealed with the user's
 * cache key (cache/folder.ts), and one that does not carry the seal is not given to V8. When
 * anything does not match, the compiler is compiled from source, as require() would.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import type { ts } from 'ts-morph';
import { seal, unseal, userCacheHome, userKey } from '../cache/folder.js';
import { readRegularFile, writeFileReplacing } from '../io/safe-files.js';
import { applyV8Flags } from '../v8-flags.js';

/** Larger than any code cache of the compiler (about 2.5 MB). */
const MAX_CODE_BYTES = 64 * 1024 * 1024;
/** Parsed once before the code is stored, so that the functions a parse needs are compiled (V8 compiles lazily). */
const SAMPLE = `import { a } from './a';
export class A<T> extends B implements C { @D() private readonly x: number = 0; constructor(private y?: string) { super(); }
  async m(id: string): Promise<T | undefined> { const rows = await this.k('t').where({ id }); for (const [k, v] of Object.entries(rows)) if (k in v) continue; return rows?.[0] as T; } }
const q = sql\`SELECT * FROM t WHERE id = \${1}\`; enum E { A = 'a' } interface I { a?: number } type M<T> = T | undefined;
export default function f({ a, b: [c, ...d] }: { a: number; b: number[] }): void { switch (a) { case 1: break; default: } }
`;

/** The folder of the compiled code: in the user's cache folder. */
export function codeCacheDir(): string {
  return path.join(userCacheHome(), 'schema-guard', 'code');
}

export const typescript: typeof ts = loadTypeScript(codeCacheDir()).compiler;

/**
 * A fresh copy of the compiler, with the compiled code in `cacheDir` when it is sealed with the
 * user's key and matches this source and V8; without it, the code is stored there for the next process.
 */
export function loadTypeScript(cacheDir: string): { compiler: typeof ts; fromCodeCache: boolean } {
  const file = compilerFile();
  const source = readFileSync(file);
  const key = userKey();
  const codeFile = path.join(cacheDir, `typescript-${process.versions.v8}-${sha1(source).slice(0, 16)}.bin`);
  const cachedData = key && storedCode(key, codeFile);
  const { exports, script } = compile(file, source, cachedData);
  const fromCodeCache = cachedData !== undefined && script.cachedDataRejected === false;
  if (key && !fromCodeCache) storeCode(key, codeFile, exports, script);
  return { compiler: exports, fromCodeCache };
}

/** The file ts-morph loads the compiler from. */
function compilerFile(): string {
  const morph = createRequire(import.meta.url).resolve('ts-morph');
  const common = createRequire(morph).resolve('@ts-morph/common');
  return path.join(path.dirname(common), 'typescript.js');
}

/** The stored code, when its seal holds; else undefined. */
function storedCode(key: Buffer, codeFile: string): Buffer | undefined {
  try {
    return unseal(key, path.basename(codeFile), readRegularFile(codeFile, { maxBytes: MAX_CODE_BYTES, root: path.dirname(codeFile) }));
  } catch {
    return undefined; // none yet, or not a regular file: only a faster start is lost
  }
}

/** Compiles what a parse needs, and stores the code, sealed; a folder that cannot be written costs only speed. */
function storeCode(key: Buffer, codeFile: string, compiler: typeof ts, script: vm.Script): void {
  try {
    compiler.createSourceFile('sample.ts', SAMPLE, compiler.ScriptTarget.Latest, true, compiler.ScriptKind.TS);
    writeFileReplacing(codeFile, seal(key, path.basename(codeFile), script.createCachedData()), { mode: 0o600 });
  } catch {
    // only the next start is slower
  }
}

/** Runs the compiler's CommonJS source as require() would, with V8's compiled code when given. */
function compile(file: string, source: Buffer, cachedData: Buffer | undefined): { exports: typeof ts; script: vm.Script } {
  applyV8Flags(); // V8 uses stored code only under the flags it was made with
  const script = new vm.Script(Module.wrap(source.toString('utf8')), { filename: file, cachedData });
  const module = new Module(file);
  module.filename = file;
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  return { exports: module.exports as typeof ts, script };
}

function sha1(data: Buffer): string {
  return createHash('sha1').update(data).digest('hex');
}
