/**
 * Resolves import specifiers to repository-relative paths, statically: relative paths, tsconfig
 * `paths`, and workspace package names. Never leaves the repository root and never runs its code.
 * Results are cached per (directory, specifier).
 *
 * Probing candidates (`./x` → x.ts, x.tsx, …, x/index.ts …) asks first the discovered files, which
 * costs no system call; only a path none of them answers is probed on disk (an ignored or
 * generated file can still be imported).
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs', '.d.ts'];
/** package.json and tsconfig.json larger than this are not read. */
const MAX_CONFIG_BYTES = 1_000_000;

export interface WorkspacePackage {
  name: string;
  /** Repository-relative folder of the package. */
  dir: string;
  /** Repository-relative files that are the package's public entry points. */
  entries: string[];
}

interface PathAlias {
  prefix: string;
  suffix: string;
  wildcard: boolean;
  targets: string[];
}

type PathKind = 'file' | 'dir' | undefined;

/** The discovered files and the folders that hold them, as repository-relative POSIX paths. */
class FileIndex {
  private readonly files: Set<string>;
  private readonly dirs = new Set<string>();

  constructor(files: Iterable<string>) {
    this.files = new Set(files);
    for (const file of this.files) {
      for (let slash = file.lastIndexOf('/'); slash > 0; slash = file.lastIndexOf('/', slash - 1)) {
        const dir = file.slice(0, slash);
        if (this.dirs.has(dir)) break;
        this.dirs.add(dir);
      }
    }
  }

  /** Sorted, one per line: a digest input. */
  listing(): string {
    return [...this.files].sort().join('\n');
  }

  kindOf(relative: string): PathKind {
    return this.files.has(relative) ? 'file' : this.dirs.has(relative) ? 'dir' : undefined;
  }
}

export class ImportResolver {
  private readonly cache = new Map<string, string | undefined>();
  private readonly existsCache = new Map<string, PathKind>();
  /** The lower-cased entry names of folders listed by surelyAbsent(); null for a folder that is not there. */
  private readonly folderNames = new Map<string, Set<string> | null | 'unlisted'>();
  readonly packages: WorkspacePackage[];
  private readonly aliases: PathAlias[];
  private readonly realRoot: string;
  private readonly index: FileIndex | undefined;
  private digest: string | undefined;

  /**
   * @param knownFiles the repository's discovered files (repository-relative), which spare probing the disk.
   * @param manifests its package.json files (discoverManifests), whose packages imports may name.
   */
  constructor(
    private readonly root: string,
    knownFiles: Iterable<string> | undefined,
    manifests: readonly string[],
  ) {
    this.realRoot = realpathSync.native(root);
    this.index = knownFiles && new FileIndex(knownFiles);
    this.packages = this.findWorkspacePackages(manifests);
    this.aliases = this.readPathAliases();
  }

  /**
   * Changes whenever resolution may: the workspace packages, the tsconfig paths and the known
   * files (a file outside them, found on disk, is not covered).
   */
  get fingerprint(): string {
    return (this.digest ??= createHash('sha256')
      .update(JSON.stringify([this.packages, this.aliases]))
      .update('\0')
      .update(this.index?.listing() ?? '(no file index)')
      .digest('base64url'));
  }

  /** The repository-relative POSIX path an import resolves to, or undefined for external packages. */
  resolve(fromFile: string, specifier: string): string | undefined {
    const fromDir = path.posix.dirname(fromFile);
    const key = `${specifier.startsWith('.') ? fromDir : ''}\0${specifier}`;
    if (this.cache.has(key)) return this.cache.get(key);
    const result = this.resolveUncached(fromDir, specifier);
    this.cache.set(key, result);
    return result;
  }

  /** What resolution asked the disk about paths no discovered file answers, and what it found. */
  diskAnswers(): Array<[string, string]> {
    return [...this.existsCache].map(([relative, kind]) => [relative, kind ?? 'none']);
  }

  /** Whether the disk still answers as recorded by diskAnswers() (of this run or an earlier one). */
  answersStill(answers: ReadonlyArray<readonly [string, string]>): boolean {
    return answers.every(([relative, kind]) => (this.kindOnDisk(relative) ?? 'none') === kind);
  }

  /** The workspace package whose folder contains a repository-relative path (the deepest one). */
  packageOf(file: string): WorkspacePackage | undefined {
    let best: WorkspacePackage | undefined;
    for (const candidate of this.packages) {
      if ((candidate.dir === '' || file.startsWith(candidate.dir + '/')) && (!best || candidate.dir.length > best.dir.length)) {
        best = candidate;
      }
    }
    return best;
  }

  private resolveUncached(fromDir: string, specifier: string): string | undefined {
    if (specifier.startsWith('.')) {
      const joined = path.posix.normalize(path.posix.join(fromDir, specifier));
      return joined.startsWith('..') ? undefined : this.resolvePath(joined) ?? joined;
    }
    for (const alias of this.aliases) {
      if (!specifier.startsWith(alias.prefix) || !specifier.endsWith(alias.suffix)) continue;
      if (!alias.wildcard && specifier !== alias.prefix) continue;
      const middle = alias.wildcard ? specifier.slice(alias.prefix.length, specifier.length - alias.suffix.length) : '';
      for (const target of alias.targets) {
        const candidate = path.posix.normalize(target.replace('*', middle));
        if (candidate.startsWith('..')) continue;
        const resolved = this.resolvePath(candidate);
        if (resolved) return resolved;
      }
    }
    const owner = this.packages
      .filter((candidate) => specifier === candidate.name || specifier.startsWith(candidate.name + '/'))
      .sort((a, b) => b.name.length - a.name.length)[0];
    if (owner) {
      if (specifier === owner.name) return owner.entries[0] ?? owner.dir;
      const sub = path.posix.join(owner.dir, specifier.slice(owner.name.length + 1));
      if (leavesRoot(sub)) return undefined;
      return this.resolvePath(sub) ?? sub;
    }
    return undefined;
  }

  /** A file for a path: as is, with an extension, `.js` written for `.ts`, or a folder's index. */
  private resolvePath(candidate: string): string | undefined {
    const known = this.index && probe(candidate, (relative) => this.index!.kindOf(relative));
    return known ?? probe(candidate, (relative) => this.kindOnDisk(relative));
  }

  /** What a repository-relative path is on disk; undefined outside the root, also through a link. */
  private kindOnDisk(relative: string): PathKind {
    if (this.existsCache.has(relative)) return this.existsCache.get(relative);
    let kind: 'file' | 'dir' | undefined;
    // A manifest's "main": "../../etc/passwd" or a tsconfig path to /etc must not resolve.
    const outside = leavesRoot(relative);
    if (!outside && this.surelyAbsent(relative)) {
      this.existsCache.set(relative, undefined);
      return undefined;
    }
    try {
      const absolute = path.join(this.root, relative);
      const stats = outside ? undefined : statSync(absolute);
      kind = stats?.isFile() ? 'file' : stats?.isDirectory() ? 'dir' : undefined;
      const real = kind && realpathSync.native(absolute);
      if (real && real !== this.realRoot && !real.startsWith(this.realRoot + path.sep)) kind = undefined;
    } catch {
      kind = undefined;
    }
    this.existsCache.set(relative, kind);
    return kind;
  }

  /**
   * True when the path's folder does not exist or has no entry of that name, not even in another
   * case (a case-insensitive disk would find it). Most paths probed on disk are absent (x.tsx,
   * x.mts … of one x), and one listing of their folder answers them all, where each stat is a
   * system call.
   */
  private surelyAbsent(relative: string): boolean {
    const slash = relative.lastIndexOf('/');
    const dir = slash < 0 ? '' : relative.slice(0, slash);
    let names = this.folderNames.get(dir);
    if (names === undefined) {
      try {
        names = new Set(readdirSync(path.join(this.root, dir)).map((name) => name.toLowerCase()));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // No such folder (or not a folder): nothing in it exists. A folder that cannot be listed
        // may still let a stat through: then each path is asked on its own.
        names = code === 'ENOENT' || code === 'ENOTDIR' ? null : 'unlisted';
      }
      this.folderNames.set(dir, names);
    }
    if (names === 'unlisted') return false;
    return names === null || !names.has(relative.slice(slash + 1).toLowerCase());
  }

  private findWorkspacePackages(manifests: readonly string[]): WorkspacePackage[] {
    const packages: WorkspacePackage[] = [];
    for (const manifest of manifests) {
      const json = readJsonObject(path.join(this.root, manifest));
      if (!json || typeof json.name !== 'string') continue;
      const dir = path.posix.dirname(manifest) === '.' ? '' : path.posix.dirname(manifest);
      const entries = entryCandidates(json)
        .map((entry) => this.resolvePath(path.posix.normalize(path.posix.join(dir, entry))))
        .filter((entry): entry is string => !!entry);
      for (const fallback of ['index', 'src/index']) {
        const resolved = this.resolvePath(path.posix.join(dir, fallback));
        if (resolved && !entries.includes(resolved)) entries.push(resolved);
      }
      packages.push({ name: json.name, dir, entries });
    }
    return packages;
  }

  private readPathAliases(): PathAlias[] {
    const file = path.join(this.root, 'tsconfig.json');
    const text = readConfigText(file);
    if (text === undefined) return [];
    // tsconfig.json is repository content: any field may have any type.
    const config = parseConfig(text);
    const options = isObject(config) ? config.compilerOptions : undefined;
    if (!isObject(options)) return [];
    const baseUrl = path.posix.normalize(typeof options.baseUrl === 'string' ? options.baseUrl : '.');
    return Object.entries(isObject(options.paths) ? options.paths : {})
      .map(([pattern, targets]) => {
        const star = pattern.indexOf('*');
        return {
          prefix: star < 0 ? pattern : pattern.slice(0, star),
          suffix: star < 0 ? '' : pattern.slice(star + 1),
          wildcard: star >= 0,
          targets: (Array.isArray(targets) ? targets : []).filter((t) => typeof t === 'string').map((target) => path.posix.join(baseUrl, target)),
        };
      })
      .sort((a, b) => b.prefix.length - a.prefix.length);
  }
}

/** Tries the candidates of a path in the order TypeScript does, asking `kindOf` what each is. */
function probe(candidate: string, kindOf: (relative: string) => PathKind): string | undefined {
  const kind = kindOf(candidate);
  if (kind === 'file') return candidate;
  const stem = candidate.replace(/\.(c|m)?jsx?$/, '');
  for (const extension of EXTENSIONS) {
    if (kindOf(stem + extension) === 'file') return stem + extension;
  }
  if (kind === 'dir') {
    for (const extension of EXTENSIONS) {
      const index = path.posix.join(candidate, 'index' + extension);
      if (kindOf(index) === 'file') return index;
    }
  }
  return undefined;
}

function readJsonObject(file: string): Record<string, unknown> | undefined {
  const text = readConfigText(file);
  try {
    const value: unknown = text === undefined ? undefined : JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A configuration file's text; undefined for a link (never followed), a FIFO, a folder or a huge file. */
/**
 * tsconfig.json is JSON with comments and trailing commas: read as JSON when it is that, else with
 * jsonc-parser, loaded only then (its loading is a twentieth of a re-run).
 */
function parseConfig(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const jsonc = createRequire(import.meta.url)('jsonc-parser') as typeof import('jsonc-parser');
    return jsonc.parse(text, [], { allowTrailingComma: true });
  }
}

function readConfigText(file: string): string | undefined {
  try {
    const stats = lstatSync(file);
    return stats.isFile() && stats.size <= MAX_CONFIG_BYTES ? readFileSync(file, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

/** True for a normalized relative path that climbs out of the root, or an absolute one. */
function leavesRoot(relative: string): boolean {
  return relative === '..' || relative.startsWith('../') || path.isAbsolute(relative);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function entryCandidates(manifest: Record<string, unknown>): string[] {
  const entries: string[] = [];
  for (const field of ['types', 'main', 'module']) {
    if (typeof manifest[field] === 'string') entries.push(manifest[field] as string);
  }
  const exports = manifest.exports;
  const dot = typeof exports === 'string' ? exports : exports && typeof exports === 'object' ? (exports as Record<string, unknown>)['.'] : undefined;
  if (typeof dot === 'string') entries.push(dot);
  else if (dot && typeof dot === 'object') {
    for (const value of Object.values(dot as Record<string, unknown>)) if (typeof value === 'string') entries.push(value);
  }
  return entries;
}
