/**
 * The TypeScript compiler, as a value: the copy ts-morph bundles (@ts-morph/common/dist/typescript.js),
 * loaded by itself. Modules that parse import `typescript` from here and the namespace's types from
 * ts-morph (`import type { ts }`), which keeps three things off the start of every parsing process:
 * ts-morph's own 3 MB of wrapper code, which the hot path does not use; Node's scan of a CommonJS
 * module's exports when ESM imports it; and compiling the compiler's 9 MB, for which the build
 * (scripts/compiler-code-cache.mjs) stores V8's compiled code in dist/code-cache/.
 *
 * The code cache is part of the tool's own build and is never written while scanning (a cache a
 * scanned repository could plant would be code it runs). V8 accepts a code cache by its version,
 * its flags and the source's length only, so the source's digest is checked here as well; when
 * anything does not match, the compiler is compiled from source, as require() would.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import type { ts } from 'ts-morph';
import { applyV8Flags } from '../v8-flags.js';

/** Where the build stores the code cache: dist/code-cache/, also when this module runs from src/ (tests). */
const CACHE_DIR = fileURLToPath(new URL('../../dist/code-cache/', import.meta.url));
const CODE_FILE = 'typescript.bin';
const META_FILE = 'typescript.json';

interface CodeCacheMeta {
  /** V8 rejects another version's code anyway; checked first, as it costs nothing. */
  v8: string;
  sourceSha1: string;
}

export const typescript: typeof ts = loadTypeScript(CACHE_DIR).compiler;

/** A fresh copy of the compiler, with the code in `cacheDir` when it matches this source and V8. */
export function loadTypeScript(cacheDir: string): { compiler: typeof ts; fromCodeCache: boolean } {
  const file = compilerFile();
  const source = readFileSync(file);
  const cachedData = matchingCodeCache(cacheDir, source);
  const { exports, script } = compile(file, source, cachedData);
  return { compiler: exports, fromCodeCache: cachedData !== undefined && script.cachedDataRejected === false };
}

/** The file ts-morph loads the compiler from. */
function compilerFile(): string {
  const morph = createRequire(import.meta.url).resolve('ts-morph');
  const common = createRequire(morph).resolve('@ts-morph/common');
  return path.join(path.dirname(common), 'typescript.js');
}

/** The build's compiled code for exactly this source and V8, or undefined. */
function matchingCodeCache(cacheDir: string, source: Buffer): Buffer | undefined {
  try {
    const metaFile = path.join(cacheDir, META_FILE);
    if (!existsSync(metaFile)) return undefined;
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as CodeCacheMeta;
    if (meta.v8 !== process.versions.v8 || meta.sourceSha1 !== sha1(source)) return undefined;
    return readFileSync(path.join(cacheDir, CODE_FILE));
  } catch {
    return undefined; // only a faster start is lost
  }
}

/**
 * Called by the build: compiles the compiler, parses a sample so that the functions a parse needs
 * are compiled too (V8 compiles lazily), and stores the code.
 */
export function writeCompilerCodeCache(sample: string, cacheDir = CACHE_DIR): { bytes: number } {
  const file = compilerFile();
  const source = readFileSync(file);
  const { exports: fresh, script } = compile(file, source, undefined);
  fresh.createSourceFile('sample.ts', sample, fresh.ScriptTarget.Latest, true, fresh.ScriptKind.TS);
  const code = script.createCachedData();
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(path.join(cacheDir, CODE_FILE), code);
  const meta: CodeCacheMeta = { v8: process.versions.v8, sourceSha1: sha1(source) };
  writeFileSync(path.join(cacheDir, META_FILE), JSON.stringify(meta) + '\n');
  return { bytes: code.length };
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
