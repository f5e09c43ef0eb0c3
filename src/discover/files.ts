/**
 * Finds the files to scan: TypeScript/JavaScript sources and .sql migrations under the root, in one
 * walk that also finds the Prisma schemas and package manifests. What is left out is documented and
 * counted, never silent:
 * - the default ignores, only at the root or at a package's root (a folder with a package.json):
 *   `node_modules`, `dist`, `build`, `out`, `coverage`, `.next`, `.schema-guard-cache` (a folder
 *   named `build` deeper in a package, `src/build/`, is scanned), and `.git` anywhere;
 * - paths a .gitignore lists, unless git tracks them (when the root is in a git work tree);
 * - the map's `ignore` globs; declaration files (`*.d.ts`); symbolic links, which are never followed.
 * Dot-folders are scanned. An entry in scope that cannot be read by its name (a name that is not
 * UTF-8, a folder that cannot be listed) is kept in the listing with the reason, and becomes a
 * file-not-analysed finding; so does an entry named like a source file that is not a regular file.
 */
import { spawnSync } from 'node:child_process';
import { isUtf8 } from 'node:buffer';
import { lstatSync, readdirSync, readFileSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { gitEnvironment, hardenedArguments } from '../git/hardened.js';
import { parseGitignore, type GitignoreRules } from '../glob/gitignore.js';
import { compileGlobs } from '../glob/match.js';
import type { Notification } from '../outcome.js';

const SOURCE_FILE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs|sql)$/;
const DECLARATION_FILE = /\.d\.(ts|mts|cts)$/;
/** Folders skipped at the root and at every package's root: installed packages, build output, caches. */
export const DEFAULT_IGNORED_FOLDERS: readonly string[] = ['node_modules', 'dist', 'build', 'out', 'coverage', '.next', '.schema-guard-cache'];

/** Why a path was left out of the scan. */
export type SkipReason = 'default ignore' | 'gitignore' | 'map ignore' | 'declaration file' | 'link';

export interface SkippedPath {
  /** Repository-relative; a folder ends with `/`. */
  path: string;
  reason: SkipReason;
}

export interface DiscoverOptions {
  root: string;
  /** Repository-relative files or folders that narrow the scan (all of the root when empty). */
  paths?: string[];
  /** Globs from the map's `ignore`. */
  ignore?: string[];
}

/** What one walk of the repository finds. */
export interface Discovery {
  /** Source files in scope, sorted, including those that cannot be analysed. */
  files: string[];
  prismaSchemas: string[];
  /** package.json files outside the ignored folders. */
  manifests: string[];
  /** Entries of `files` that cannot be read by their name, with why. */
  unreadable: Record<string, string>;
  /** Everything left out, sorted by path. */
  skipped: SkippedPath[];
  /** What the walk noticed without leaving anything out (a folder named like a source file). */
  notes: Notification[];
  /** Every folder the walk entered, the root as ''. */
  folders: string[];
  /** The git index the tracked files were taken from (absolute), when the root is in a git work tree. */
  gitIndex?: string;
}

/** A .gitignore larger than this is not a hand-written one: ignored. */
const MAX_GITIGNORE_BYTES = 1024 * 1024;

export function discoverRepository(options: DiscoverOptions): Discovery {
  const { root } = options;
  const realRoot = realDirectory(root);
  const starts = options.paths?.length ? options.paths.map((p) => startFor(root, realRoot, p)) : [{ path: '', folder: true }];
  return new Walk(root, options.ignore ?? []).run(starts);
}

export function discoverFiles(options: DiscoverOptions): string[] {
  return discoverRepository(options).files;
}

/** The repository's Prisma schema files (models and their tables, for the ORM symbol table): always the whole root. */
export function discoverPrismaSchemas(options: Omit<DiscoverOptions, 'paths'>): string[] {
  return discoverRepository(options).prismaSchemas;
}

/** The repository's package.json files (its workspace packages, for resolving imports by package name). */
export function discoverManifests(root: string): string[] {
  return discoverRepository({ root }).manifests;
}

interface Start {
  path: string;
  folder: boolean;
}

class Walk {
  private readonly files = new Set<string>();
  private readonly prismaSchemas: string[] = [];
  private readonly manifests: string[] = [];
  private readonly unreadable: Record<string, string> = {};
  private readonly skipped: SkippedPath[] = [];
  private readonly notes: Notification[] = [];
  private readonly folders: string[] = [];
  private readonly gitignored: (file: string) => boolean;
  private readonly mapIgnored: (file: string) => boolean;
  private readonly mapIgnoredFolder: (folder: string) => boolean;
  private readonly git: TrackedFiles | undefined;

  constructor(
    private readonly root: string,
    ignoreGlobs: string[],
  ) {
    this.gitignored = gitignoreFilter(root);
    // Matched in bounded time (src/glob/): the globs come from the repository's map.
    this.mapIgnored = compileGlobs(ignoreGlobs);
    // A glob `folder/**` leaves out the whole folder: not entered.
    const folderGlobs = ignoreGlobs.filter((glob) => glob.endsWith('/**')).map((glob) => glob.slice(0, -3));
    this.mapIgnoredFolder = compileGlobs(folderGlobs);
    const tracked = trackedFiles(root);
    if ('refused' in tracked) {
      this.notes.push({ level: 'warning', message: `git did not list the tracked files (${tracked.refused}): files a .gitignore lists were skipped even where git tracks them.` });
    } else {
      this.git = tracked.files;
    }
  }

  run(starts: Start[]): Discovery {
    for (const start of starts) {
      if (!this.ancestorsScanned(start)) continue;
      if (start.folder) this.walk(start.path);
      else this.consider(start.path, lstatSync(path.join(this.root, start.path)));
    }
    const sorted = (list: string[]) => list.sort(compareCodeUnits);
    return {
      files: sorted([...this.files]),
      prismaSchemas: sorted(this.prismaSchemas),
      manifests: sorted(this.manifests),
      unreadable: this.unreadable,
      skipped: this.skipped.sort((a, b) => compareCodeUnits(a.path, b.path)),
      notes: this.notes,
      folders: this.folders,
      ...(this.git ? { gitIndex: this.git.index } : {}),
    };
  }

  /** Whether the folders down to a narrowing path (itself included, when it is a folder) are scanned: the walk does not pass through them. */
  private ancestorsScanned(start: Start): boolean {
    const parts = start.path === '' ? [] : start.path.split('/');
    const folders = start.folder ? parts.length : parts.length - 1;
    for (let depth = 1; depth <= folders; depth++) {
      const folder = parts.slice(0, depth).join('/');
      const reason = this.folderSkip(folder, parts.slice(0, depth - 1).join('/'));
      if (reason) {
        this.skip(`${folder}/`, reason);
        return false;
      }
    }
    return true;
  }

  /** Walks a folder and everything below it, without recursion (no depth of folders overflows the stack). */
  private walk(start: string): void {
    const pending = [start];
    while (pending.length > 0) {
      const folder = pending.pop()!;
      this.folders.push(folder);
      let entries: Dirent[];
      try {
        entries = readdirSync(path.join(this.root, folder), { withFileTypes: true });
      } catch (error) {
        // Something in it may be in scope: fail closed.
        this.unreadableEntry(folder || '.', `its folder could not be listed (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
        continue;
      }
      const isPackageRoot = folder === '' || entries.some((entry) => entry.name === 'package.json' && entry.isFile());
      if (entries.some((entry) => entry.name.includes('\ufffd'))) this.undecodableNames(folder);
      for (const entry of entries) {
        // A name that is not UTF-8 reads back as one with U+FFFD, which does not exist: undecodableNames took it.
        if (entry.name.includes('\ufffd') && !exists(path.join(this.root, folder, entry.name))) continue;
        const relative = folder === '' ? entry.name : `${folder}/${entry.name}`;
        if (entry.isSymbolicLink()) {
          this.skip(relative, 'link');
        } else if (entry.isDirectory()) {
          if (entry.name === '.git') continue;
          const reason = this.folderSkip(relative, folder, isPackageRoot);
          if (reason) this.skip(`${relative}/`, reason);
          else {
            if (SOURCE_FILE.test(entry.name)) this.notes.push({ level: 'note', file: relative, message: 'a folder named like a source file: the files in it were scanned' });
            pending.push(relative);
          }
        } else {
          this.consider(relative, entry);
        }
      }
    }
  }

  /** Why a folder is not entered, or undefined. `isPackageRoot`: whether its parent holds a package.json. */
  private folderSkip(relative: string, parent: string, isPackageRoot?: boolean): SkipReason | undefined {
    const name = relative.slice(relative.lastIndexOf('/') + 1);
    if (name === '.git') return 'default ignore';
    if (DEFAULT_IGNORED_FOLDERS.includes(name)) {
      const anchored = parent === '' || (isPackageRoot ?? isFile(path.join(this.root, parent, 'package.json')));
      if (anchored) return 'default ignore';
    }
    if (this.mapIgnoredFolder(relative)) return 'map ignore';
    if (this.gitignored(`${relative}/`) && !this.git?.holdsFolder(relative)) return 'gitignore';
    return undefined;
  }

  /** A file, or anything else that is not a folder or a link. */
  private consider(relative: string, entry: Dirent | Stats): void {
    const name = relative.slice(relative.lastIndexOf('/') + 1);
    if (name === 'package.json' && entry.isFile()) {
      this.manifests.push(relative);
      return;
    }
    const prisma = name.endsWith('.prisma');
    if (!SOURCE_FILE.test(name) && !prisma) return;
    if (entry.isSymbolicLink()) return this.skip(relative, 'link');
    if (DECLARATION_FILE.test(name)) return this.skip(relative, 'declaration file');
    if (this.mapIgnored(relative)) return this.skip(relative, 'map ignore');
    if (this.gitignored(relative) && !this.git?.tracks(relative)) return this.skip(relative, 'gitignore');
    if (prisma) {
      if (entry.isFile()) this.prismaSchemas.push(relative);
      return;
    }
    // A FIFO, socket or device named like a source file is listed: reading refuses it, and says so as a finding.
    this.files.add(relative);
  }

  private skip(relative: string, reason: SkipReason): void {
    this.skipped.push({ path: relative, reason });
  }

  private unreadableEntry(relative: string, reason: string): void {
    if (this.mapIgnored(relative)) return this.skip(relative, 'map ignore');
    this.files.add(relative);
    this.unreadable[relative] = reason;
  }

  /**
   * The entries of a folder whose names are not UTF-8 (git keeps such names, and a runtime can load
   * them): they cannot be named in a report or read by a string path, so each source file among
   * them, or below them, is kept as unreadable, under its name with U+FFFD for the bytes.
   */
  private undecodableNames(folder: string): void {
    const pending: Array<{ raw: Buffer; shown: string; named: boolean }> = [{ raw: Buffer.from(path.join(this.root, folder)), shown: folder, named: true }];
    while (pending.length > 0) {
      const current = pending.pop()!;
      let entries: Array<Dirent<Buffer>>;
      try {
        entries = readdirSync(current.raw, { withFileTypes: true, encoding: 'buffer' });
      } catch (error) {
        if (!current.named) this.unreadableEntry(current.shown, `its folder, whose name is not UTF-8, could not be listed (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
        continue;
      }
      for (const entry of entries) {
        // In a folder with a UTF-8 path, entries with UTF-8 names are the ordinary walk's.
        if (current.named && isUtf8(entry.name)) continue;
        const name = new TextDecoder().decode(entry.name);
        const shown = current.shown === '' ? name : `${current.shown}/${name}`;
        const raw = Buffer.concat([current.raw, Buffer.from('/'), entry.name]);
        if (entry.isDirectory()) pending.push({ raw, shown, named: false });
        else if (!entry.isSymbolicLink() && SOURCE_FILE.test(name) && !DECLARATION_FILE.test(name)) {
          this.unreadableEntry(shown, 'its path is not valid UTF-8, so it cannot be read or reported by name');
        }
      }
    }
  }
}

function exists(file: string): boolean {
  return lstatSync(file, { throwIfNoEntry: false }) !== undefined;
}

function isFile(file: string): boolean {
  try {
    return lstatSync(file).isFile();
  } catch {
    return false;
  }
}

/** Sorts by UTF-16 code units, the same on every machine and locale. */
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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

/** A narrowing path: a file or a folder under the root; never a way out of it. */
function startFor(root: string, realRoot: string, relative: string): Start {
  const clean = path.posix.normalize(relative.replace(/\\/g, '/')).replace(/\/+$/, '');
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
  const start = clean === '.' ? '' : clean;
  return { path: start, folder: statSync(real).isDirectory() };
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
    // A folder is given as `folder/`: its last part is empty, and its own .gitignore does not apply to it.
    const last = parts.length - (file.endsWith('/') ? 2 : 1);
    for (let depth = 0; depth <= last; depth++) {
      const dir = parts.slice(0, depth).join('/');
      const matcher = matcherFor(dir);
      if (matcher && matcher.ignores(parts.slice(depth).join('/'))) return true;
    }
    return false;
  };
}

/** The files git tracks under the root, which a .gitignore does not hide. */
interface TrackedFiles {
  tracks(file: string): boolean;
  /** Whether git tracks a file below this folder. */
  holdsFolder(folder: string): boolean;
  /** The index file they were read from (absolute). */
  index: string;
}

/**
 * Git's own list of tracked files under the root, when the root is in a git work tree; undefined
 * otherwise or when git cannot answer. Git runs with fixed arguments and options that keep the
 * repository's configuration from running anything: no fsmonitor, no hooks, no pager, no prompt,
 * no optional locks, and none of the caller's GIT_* variables that would point it elsewhere.
 */
function trackedFiles(root: string): { files?: TrackedFiles } | { refused: string } {
  const where = git(root, ['rev-parse', '--git-path', 'index']);
  // Not a work tree, or no git: nothing is tracked. A work tree git will not read is worth saying.
  if ('failure' in where) return /dubious ownership|safe\.directory/.test(where.failure) ? { refused: where.failure } : {};
  const indexPath = where.output.toString('utf8').trim();
  // Paths relative to the root, unquoted (-z), of the files under it.
  const listed = git(root, ['ls-files', '-z', '--cached', '--', '.']);
  if ('failure' in listed) return { refused: listed.failure };
  const listing = listed.output;
  const files = new Set<string>();
  const folders = new Set<string>();
  for (const file of listing.toString('utf8').split('\0')) {
    if (file === '') continue;
    files.add(file);
    for (let slash = file.indexOf('/'); slash !== -1; slash = file.indexOf('/', slash + 1)) folders.add(file.slice(0, slash));
  }
  return { files: { tracks: (file) => files.has(file), holdsFolder: (folder) => folders.has(folder), index: path.resolve(root, indexPath) } };
}

/** Git's output, or the first line of why it failed (not installed, an error, too long). */
function git(cwd: string, args: string[]): { output: Buffer } | { failure: string } {
  // The repository's own commands switched off (git/hardened.ts).
  const result = spawnSync('git', ['--no-optional-locks', '-c', 'core.untrackedCache=false', ...hardenedArguments(cwd, args)], {
    cwd,
    env: gitEnvironment(),
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
    maxBuffer: 512 * 1024 * 1024,
  });
  if (result.status === 0 && result.stdout) return { output: result.stdout };
  const reason = result.error?.message ?? result.stderr?.toString('utf8').trim().split('\n')[0];
  return { failure: reason || `git ${args[0]} failed` };
}
