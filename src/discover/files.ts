/**
 * Finds the files to scan: TypeScript/JavaScript sources and .sql migrations under the root,
 * minus node_modules, build output, declaration files, .gitignore'd paths and the map's ignore globs
 * (both matched in bounded time by src/glob/: they come from the repository).
 * Symbolic links are never followed, so nothing outside the root is ever read.
 */
import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { escapePath, globSync } from 'tinyglobby';
import { UsageError } from '../errors.js';
import { parseGitignore, type GitignoreRules } from '../glob/gitignore.js';
import { compileGlobs } from '../glob/match.js';

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

/** A .gitignore larger than this is not a hand-written one: ignored. */
const MAX_GITIGNORE_BYTES = 1024 * 1024;

export function discoverFiles(options: DiscoverOptions): string[] {
  const { root } = options;
  const realRoot = realDirectory(root);
  const patterns = options.paths?.length ? options.paths.map((p) => patternFor(root, realRoot, p)) : [SOURCE_GLOB];
  const found = globSync(patterns, {
    cwd: root,
    ignore: ALWAYS_IGNORED,
    followSymbolicLinks: false,
    dot: false,
    onlyFiles: true,
  });
  const gitignored = gitignoreFilter(root);
  const mapIgnored = mapIgnoreFilter(options.ignore);
  return found
    .filter((file) => /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs|sql)$/.test(file) && !mapIgnored(file) && !gitignored(file))
    .sort();
}

/**
 * The repository's Prisma schema files (models and their tables, for the ORM symbol table): always
 * the whole root, whatever paths narrow the scan, with the same exclusions as source files.
 */
export function discoverPrismaSchemas(options: Omit<DiscoverOptions, 'paths'>): string[] {
  const found = globSync('**/*.prisma', {
    cwd: options.root,
    ignore: ALWAYS_IGNORED,
    followSymbolicLinks: false,
    dot: false,
    onlyFiles: true,
  });
  const gitignored = gitignoreFilter(options.root);
  const mapIgnored = mapIgnoreFilter(options.ignore);
  return found.filter((file) => !mapIgnored(file) && !gitignored(file)).sort();
}

/** Folders never searched for package manifests: installed and built packages are not the repository's. */
const NOT_WORKSPACE = ['**/node_modules/**', '**/dist/**', '**/build/**'];

/** The repository's package.json files (its workspace packages, for resolving imports by package name). */
export function discoverManifests(root: string): string[] {
  return globSync('**/package.json', { cwd: root, ignore: NOT_WORKSPACE, followSymbolicLinks: false }).sort();
}

/**
 * discoverManifests, and in the same walk every folder under the root (the root itself as '') that
 * one of the discover functions may enter: those of the manifest search, whose exclusions are a
 * part of every other's.
 */
export function discoverManifestsAndFolders(root: string): { manifests: string[]; folders: string[] } {
  const found = globSync('**', { cwd: root, onlyFiles: false, ignore: NOT_WORKSPACE, followSymbolicLinks: false });
  const folders = found.filter((entry) => entry.endsWith('/'));
  const manifests = found.filter((entry) => entry === 'package.json' || entry.endsWith('/package.json'));
  return { manifests: manifests.sort(), folders: ['', ...folders.map((folder) => folder.slice(0, -1))] };
}

/** The root with its links resolved; a usage error when it is not a directory. */
function realDirectory(root: string): string {
  try {
    if (statSync(root).isDirectory()) return realpathSync(root);
  } catch {
    throw new UsageError(`--root ${root} does not exist.`);
  }
  throw new UsageError(`--root ${root} is not a directory.`);
}

/** A narrowing path: a file as is, a folder as everything scannable below it; never a way out of the root. */
function patternFor(root: string, realRoot: string, relative: string): string {
  const clean = relative.replace(/\\/g, '/').replace(/\/+$/, '');
  if (clean === '..' || clean.startsWith('../') || path.isAbsolute(clean)) throw new UsageError(`Path ${relative} is outside the scanned root ${root}.`);
  let real: string;
  try {
    real = realpathSync(path.join(root, clean));
  } catch {
    throw new UsageError(`Path ${relative} does not exist under ${root}.`);
  }
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
    throw new UsageError(`Path ${relative} is a link to ${real}, outside the scanned root ${root}: links are not followed.`);
  }
  // Next.js routes like [id].ts are names, not globs.
  const literal = escapePath(clean);
  if (!statSync(real).isDirectory()) return literal;
  return clean === '' || clean === '.' ? SOURCE_GLOB : `${literal}/${SOURCE_GLOB}`;
}

/** The map's `ignore` globs: a file is ignored when it or a folder on its way matches one (as a glob walk prunes a matched folder). */
function mapIgnoreFilter(globs: readonly string[] = []): (file: string) => boolean {
  if (globs.length === 0) return () => false;
  const match = compileGlobs(globs);
  return (file) => {
    if (match(file)) return true;
    for (let slash = file.indexOf('/'); slash > 0; slash = file.indexOf('/', slash + 1)) if (match(file.slice(0, slash))) return true;
    return false;
  };
}

/** Applies every .gitignore from the root down to each file's folder, as git does. */
function gitignoreFilter(root: string): (file: string) => boolean {
  const matchers = new Map<string, GitignoreRules | null>();
  const matcherFor = (dir: string) => {
    if (!matchers.has(dir)) {
      const file = path.join(root, dir, '.gitignore');
      let matcher: GitignoreRules | null = null;
      try {
        // lstat: a .gitignore that is a link, a FIFO or huge is not read.
        const stats = lstatSync(file);
        if (stats.isFile() && stats.size <= MAX_GITIGNORE_BYTES) matcher = parseGitignore(readFileSync(file, 'utf8'));
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
