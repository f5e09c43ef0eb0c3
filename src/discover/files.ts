/**
 * Finds the files to scan: TypeScript/JavaScript sources and .sql migrations under the root,
 * minus node_modules, build output, declaration files, .gitignore'd paths and the map's ignore globs.
 * Symbolic links are never followed, so nothing outside the root is ever read.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ignore from 'ignore';
import { globSync } from 'tinyglobby';
import { UsageError } from '../errors.js';

export const SOURCE_GLOB = '**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs,sql}';
const ALWAYS_IGNORED = [
  '**/node_modules/**',
  '**/.git/**',
  '**/dist/**',
  '**/build/**',
  '**/out/**',
  '**/coverage/**',
  '**/.next/**',
  '**/.schema-guard-cache/**',
  '**/*.d.ts',
  '**/*.d.mts',
  '**/*.d.cts',
];

export interface DiscoverOptions {
  root: string;
  /** Repository-relative files or folders that narrow the scan (all of the root when empty). */
  paths?: string[];
  /** Globs from the map's `ignore`. */
  ignore?: string[];
}

export function discoverFiles(options: DiscoverOptions): string[] {
  const { root } = options;
  const patterns = options.paths?.length ? options.paths.map((p) => patternFor(root, p)) : [SOURCE_GLOB];
  const found = globSync(patterns, {
    cwd: root,
    ignore: [...ALWAYS_IGNORED, ...(options.ignore ?? [])],
    followSymbolicLinks: false,
    dot: false,
    onlyFiles: true,
  });
  const gitignored = gitignoreFilter(root);
  return found
    .filter((file) => /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs|sql)$/.test(file) && !gitignored(file))
    .sort();
}

/** A narrowing path: a file as is, a folder as everything scannable below it. */
function patternFor(root: string, relative: string): string {
  const clean = relative.replace(/\\/g, '/').replace(/\/+$/, '');
  if (clean.startsWith('..') || path.isAbsolute(clean)) throw new UsageError(`Path ${relative} is outside the scanned root ${root}.`);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path.join(root, clean)).isDirectory();
  } catch {
    throw new UsageError(`Path ${relative} does not exist under ${root}.`);
  }
  if (!isDirectory) return clean;
  return clean === '' || clean === '.' ? SOURCE_GLOB : `${clean}/${SOURCE_GLOB}`;
}

/** Applies every .gitignore from the root down to each file's folder, as git does. */
function gitignoreFilter(root: string): (file: string) => boolean {
  const matchers = new Map<string, ReturnType<typeof ignore> | null>();
  const matcherFor = (dir: string) => {
    if (!matchers.has(dir)) {
      const file = path.join(root, dir, '.gitignore');
      let matcher: ReturnType<typeof ignore> | null = null;
      try {
        if (existsSync(file)) matcher = ignore().add(readFileSync(file, 'utf8'));
      } catch {
        matcher = null;
      }
      matchers.set(dir, matcher);
    }
    return matchers.get(dir) ?? null;
  };
  return (file) => {
    const parts = file.split('/');
    for (let depth = 0; depth < parts.length; depth++) {
      const dir = parts.slice(0, depth).join('/');
      const matcher = matcherFor(dir);
      if (matcher && matcher.ignores(parts.slice(depth).join('/'))) return true;
    }
    return false;
  };
}
