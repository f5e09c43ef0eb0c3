/**
 * Resolves import specifiers to repository-relative paths, statically, as TypeScript would in the
 * repository with its packages installed, but without node_modules and without running anything:
 * - relative paths (`./x` → x.ts, x.tsx, …, x/index.ts; `./x.js` written for x.ts);
 * - the `paths` and `baseUrl` of the tsconfig.json nearest the importing file (through `extends`,
 *   and the referenced project of a solution-style config that holds the file);
 * - workspace packages by name (declared in package.json `workspaces` or pnpm-workspace.yaml),
 *   through their `exports` map (subpaths, `*` patterns, conditions), `types`/`main`/`module`, or
 *   the path under the package; `#name` through the importing package's `imports` map;
 * - an entry written for build output (`./dist/index.js`) through the package's tsconfig
 *   `outDir` → `rootDir`, when the build is not there.
 * An import that names the repository's own code (a relative path, a tsconfig alias, a workspace
 * package) and leads to no file is unresolved, with the reason (resolveImport); a bare import of
 * any other package is third-party and none of its business.
 *
 * Never leaves the root: a path that climbs out of it, an absolute path, and anything reached
 * through a link out of it resolve to nothing; configuration files are read only when they are
 * regular files inside the root (not links) of at most 1 MB. Results are cached per importing
 * scope and specifier.
 *
 * Probing candidates asks first the discovered files, which costs no system call; only a path
 * none of them answers is probed on disk (an ignored or generated file can still be imported),
 * and what the disk answered is recorded (diskAnswers) for the result cache.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { exportedSubpaths, matchExports, matchImports } from './package-exports.js';
import { type CompilerScope, type ConfigFiles, leavesRoot, loadCompilerScope, matchPathAlias } from './tsconfig.js';
import { readWorkspaceDeclaration } from './workspace.js';

const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs', '.d.ts'];
/** package.json, tsconfig.json and pnpm-workspace.yaml larger than this are not read. */
const MAX_CONFIG_BYTES = 1_000_000;
const CONFIG_NAMES = ['tsconfig.json', 'jsconfig.json'];
/**
 * Files a bundler imports that hold no code (styles, images, fonts, media, text): when one is
 * missing no query can hide in it, so it is not counted unresolved (a corpus without its assets,
 * a file a build step writes).
 */
const ASSET = /\.(css|scss|sass|less|styl|pcss|png|jpe?g|gif|svg|webp|avif|ico|bmp|tiff?|woff2?|ttf|otf|eot|mp3|mp4|webm|wav|ogg|m4a|mov|pdf|md|mdx|txt|html?|ya?ml|toml|csv|wasm|glsl|graphql|gql|json)$/i;

export interface WorkspacePackage {
  name: string;
  /** Repository-relative folder of the package. */
  dir: string;
  /** Repository-relative files that are the package's public entry points. */
  entries: string[];
  /** False for a package.json folder the workspace declaration leaves out (found by its name only when no member has it). */
  member: boolean;
}

/** Where an import leads. */
export interface ImportResolution {
  /**
   * The file, when it resolves; else, for an import into the repository's own code, the path it
   * names as far as it can be told (the package folder and subpath, the missing file), so that the
   * import rules still see which domain it reaches.
   */
  file?: string;
  /** Set when the import names the repository's own code and leads to no file: why. */
  unresolved?: string;
}

type PathKind = 'file' | 'dir' | undefined;

/** The discovered files and the folders that hold them, as repository-relative POSIX paths. */
class FileIndex {
  readonly files: Set<string>;
  readonly dirs = new Set<string>();

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

interface PackageRecord extends WorkspacePackage {
  manifest: Record<string, unknown>;
}

export class ImportResolver {
  private readonly cache = new Map<string, ImportResolution>();
  private readonly existsCache = new Map<string, PathKind>();
  /** The lower-cased entry names of folders listed by surelyAbsent(); null for a folder that is not there. */
  private readonly folderNames = new Map<string, Set<string> | null | 'unlisted'>();
  readonly packages: WorkspacePackage[];
  private readonly records: PackageRecord[];
  private readonly byName = new Map<string, PackageRecord>();
  private readonly packageByDir = new Map<string, PackageRecord>();
  /** Every config read, by repository-relative path: its text, or why it was not read (a digest input). */
  private readonly configTexts = new Map<string, string>();
  private readonly parsedConfigs = new Map<string, unknown>();
  /** The tsconfig.json (or jsconfig.json) of each folder that has one. */
  private readonly configOfDir = new Map<string, string>();
  private readonly scopes = new Map<string, CompilerScope>();
  private readonly scopeOfDirCache = new Map<string, CompilerScope | undefined>();
  private readonly realRoot: string;
  private readonly index: FileIndex | undefined;
  private digest: string | undefined;
  /** False while resolveInAnyScope asks every project: it looks for discovered files only, and records nothing on disk. */
  private diskAllowed = true;

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
    this.records = this.readPackages(manifests);
    this.packages = this.records.map(({ name, dir, entries, member }) => ({ name, dir, entries, member }));
    this.loadCompilerScopes();
    for (const record of this.records) record.entries.push(...this.entriesOf(record).filter((entry) => !record.entries.includes(entry)));
  }

  /**
   * Changes whenever resolution may: the workspace packages, every configuration file read (they
   * are all read here, before any import is resolved) and the known files (a file outside them,
   * found on disk, is covered by diskAnswers).
   */
  get fingerprint(): string {
    if (this.digest) return this.digest;
    const hash = createHash('sha256').update(JSON.stringify(this.packages));
    for (const [file, text] of [...this.configTexts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) hash.update(`\0${file}\0${text}`);
    return (this.digest = hash
      .update('\0')
      .update(this.index?.listing() ?? '(no file index)')
      .digest('base64url'));
  }

  /** The repository-relative POSIX path an import resolves to, or undefined for external packages (see ImportResolution.file). */
  resolve(fromFile: string, specifier: string): string | undefined {
    return this.resolveImport(fromFile, specifier).file;
  }

  /**
   * Where an import leads, and why not when it names the repository's own code and leads to no file.
   * `fromFile` '' stands for no importing file: then a bare specifier resolves as the root's config
   * reads it, else to the one file it leads to in every project of the repository that resolves it.
   */
  resolveImport(fromFile: string, specifier: string): ImportResolution {
    const resolution = this.resolveCached(fromFile, specifier);
    if (resolution.unresolved && ASSET.test(specifier.replace(/[?#].*$/s, ''))) return optionalFile(resolution.file);
    return resolution;
  }

  private resolveCached(fromFile: string, specifier: string): ImportResolution {
    const fromDir = dirOf(fromFile);
    const bare = !specifier.startsWith('.') && !specifier.startsWith('/');
    const scope = bare ? this.scopeOf(fromFile) : undefined;
    const owner = specifier.startsWith('#') ? this.packageOf(fromFile === '' ? '-' : fromFile)?.dir ?? '' : '';
    const key = bare ? `${fromFile === '' ? '\u0001' : scope?.file ?? ''}\0${owner}\0${specifier}` : `${fromDir}\0${specifier}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    let result = this.resolveUncached(fromFile, fromDir, specifier, scope);
    if (fromFile === '' && bare && result.file === undefined) result = this.resolveInAnyScope(specifier) ?? result;
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
    for (let dir = dirOf(file); ; dir = dirOf(dir)) {
      const record = this.packageByDir.get(dir);
      if (record) return record;
      if (dir === '') return undefined;
    }
  }

  private resolveUncached(fromFile: string, fromDir: string, specifier: string, scope: CompilerScope | undefined): ImportResolution {
    // Bundlers' queries and fragments (`./worker?worker`, `./icon.svg?react`) are not part of the path.
    const written = specifier.startsWith('#') ? specifier : specifier.replace(/[?#].*$/s, '');
    if (written.startsWith('.')) {
      const joined = path.posix.normalize(path.posix.join(fromDir === '' ? '.' : fromDir, written));
      if (leavesRoot(joined)) return { unresolved: 'it leads outside the repository' };
      const file = this.resolvePath(joined);
      return file ? { file } : { file: joined, unresolved: `no file ${joined} (or with a source extension, or its index)` };
    }
    if (written.startsWith('/')) return { unresolved: 'an absolute path is never followed' };
    if (written.startsWith('#')) {
      const owner = this.packageOf(fromFile === '' ? '-' : fromFile) as PackageRecord | undefined;
      const match = owner && matchImports(owner.manifest.imports, written);
      if (owner && match) {
        for (const target of match.targets) {
          const resolved = target.startsWith('./') ? this.resolveTarget(owner, path.posix.join(owner.dir, target)) : this.resolveBare(target, scope).file;
          if (resolved) return { file: resolved };
        }
        return { unresolved: match.targets.length ? `${owner.name}'s imports map ${match.key} to ${match.targets.join(', ')}, and no such file exists` : `${owner.name}'s imports do not map ${written}` };
      }
    }
    const result = this.resolveBare(written, scope);
    // `#name` is always the importing package's own: when nothing resolves it, it is unresolved.
    if (written.startsWith('#') && result.file === undefined && !result.unresolved) return { unresolved: `no imports map of the importing package and no tsconfig paths resolve ${written}` };
    return result;
  }

  /** A bare specifier: tsconfig paths, baseUrl, then a workspace package by name; else third-party. */
  private resolveBare(specifier: string, scope: CompilerScope | undefined): ImportResolution {
    const alias = scope && matchPathAlias(scope, specifier);
    if (alias) {
      for (const candidate of alias.candidates) {
        const file = this.resolvePath(candidate);
        if (file) return { file };
      }
    }
    if (scope?.baseUrl !== undefined && this.index) {
      // Only discovered files: every third-party import would otherwise be probed on disk under baseUrl.
      const candidate = path.posix.normalize(path.posix.join(scope.baseUrl === '' ? '.' : scope.baseUrl, specifier));
      const file = leavesRoot(candidate) ? undefined : probe(candidate, (relative) => this.index!.kindOf(relative));
      if (file) return { file };
    }
    const name = packageName(specifier);
    const owner = name === undefined ? undefined : this.byName.get(name);
    if (owner) return this.resolvePackage(owner, specifier.slice(name!.length + 1));
    if (alias && !alias.alias.fallsThrough) {
      return { unresolved: `it matches '${alias.alias.pattern}' of the paths in ${scope!.file}, whose targets (${alias.candidates.join(', ') || 'none inside the repository'}) lead to no file` };
    }
    return {};
  }

  /** A subpath ('' for the package itself) of a workspace package. */
  private resolvePackage(owner: PackageRecord, subpath: string): ImportResolution {
    const named = subpath === '' ? owner.name : `${owner.name}/${subpath}`;
    const exported = matchExports(owner.manifest.exports, subpath === '' ? '.' : `./${subpath}`);
    const underPackage = path.posix.normalize(path.posix.join(owner.dir === '' ? '.' : owner.dir, subpath));
    const attributed = leavesRoot(underPackage) || !isUnder(underPackage, owner.dir) ? undefined : underPackage;
    if (exported) {
      const targets = exported.targets.map((target) => path.posix.normalize(path.posix.join(owner.dir === '' ? '.' : owner.dir, target)));
      const file = this.resolveTargets(owner, targets);
      if (file) return { file };
      if (targets.length === 0) return { ...optionalFile(attributed), unresolved: `${owner.name} (${owner.dir || 'the root'}) does not export '${subpath === '' ? '.' : `./${subpath}`}' in its package.json exports` };
      return { file: targets[0], unresolved: `${owner.name} exports '${exported.key}' as ${targets.join(', ')}, and no such file exists (build output that is not in the repository?)` };
    }
    if (subpath === '') {
      const entry = owner.entries[0];
      return entry ? { file: entry } : { file: owner.dir, unresolved: `${owner.name} (${owner.dir || 'the root'}) has no entry file: no exports, types, main or module that exists, and no index` };
    }
    if (!attributed) return { unresolved: `${named} leads outside its package` };
    const file = this.resolveTargets(owner, [attributed]);
    return file ? { file } : { file: attributed, unresolved: `no file ${attributed} (or with a source extension, or its index) in ${owner.name}` };
  }

  /** The first target that is a discovered file, else the first found on disk, else the first whose source its tsconfig's outDir → rootDir names. */
  private resolveTargets(owner: PackageRecord, targets: string[]): string | undefined {
    const inside = targets.filter((target) => !leavesRoot(target) && isUnder(target, owner.dir));
    for (const target of inside) {
      const known = this.index && probe(target, (relative) => this.index!.kindOf(relative));
      if (known) return known;
    }
    for (const target of this.diskAllowed ? inside : []) {
      const found = probe(target, (relative) => this.kindOnDisk(relative));
      if (found) return found;
    }
    for (const target of inside) {
      const source = this.sourceOfBuildOutput(owner, target);
      if (source) return source;
    }
    return undefined;
  }

  private resolveTarget(owner: PackageRecord, target: string): string | undefined {
    return this.resolveTargets(owner, [path.posix.normalize(target)]);
  }

  /**
   * The source file a build output path stands for, as TypeScript maps a referenced project's
   * output back to its input: under the package tsconfig's outDir → the same path under its rootDir
   * (or the folder its `include` names), `.js`/`.d.ts` → a source extension.
   */
  private sourceOfBuildOutput(owner: PackageRecord, target: string): string | undefined {
    const stem = this.sourcePathOf(owner, target);
    return stem === undefined ? undefined : this.resolvePath(stem);
  }

  /** A build output path under the package tsconfig's outDir, moved to its source folder, without its extension. */
  private sourcePathOf(owner: PackageRecord, target: string): string | undefined {
    const scope = this.scopeOfDir(owner.dir);
    if (!scope?.outDir || !isUnder(target, scope.outDir) || target === scope.outDir) return undefined;
    const sourceRoot = scope.rootDir ?? this.includedFolder(scope);
    if (sourceRoot === undefined) return undefined;
    const relative = target.slice(scope.outDir === '' ? 0 : scope.outDir.length + 1);
    return path.posix.join(sourceRoot === '' ? '.' : sourceRoot, relative).replace(/\.d\.(c|m)?ts$|\.(c|m)?jsx?$/, '');
  }

  /** The one folder a config's include names (`src`, `src/**` …), when it names one. */
  private includedFolder(scope: CompilerScope): string | undefined {
    const config = this.parsedConfigs.get(scope.file);
    const include = isObject(config) && Array.isArray(config.include) ? config.include.filter((entry) => typeof entry === 'string') : [];
    const folders = [...new Set(include.map((entry: string) => entry.replace(/^\.\//, '').split('/')[0]!).filter((first) => first && !/[*?.]/.test(first)))];
    return folders.length === 1 ? path.posix.join(scope.dir === '' ? '.' : scope.dir, folders[0]!) : undefined;
  }

  /** For no importing file: the one file a bare specifier leads to in the projects that resolve it. */
  private resolveInAnyScope(specifier: string): ImportResolution | undefined {
    const answers = new Set<string>();
    this.diskAllowed = false;
    try {
      for (const scope of this.scopes.values()) {
        const file = this.resolveBare(specifier, scope).file;
        if (file && this.index?.kindOf(file) === 'file') answers.add(file);
      }
    } finally {
      this.diskAllowed = true;
    }
    return answers.size === 1 ? { file: [...answers][0]! } : undefined;
  }

  /** The tsconfig scope of a file: its folder's nearest config, or the referenced project of it that holds the file. */
  private scopeOf(fromFile: string): CompilerScope | undefined {
    const nearest = this.scopeOfDir(dirOf(fromFile));
    if (!nearest || nearest.references.length === 0 || fromFile === '') return nearest;
    if (nearest.includes ? nearest.includes(fromFile) : true) return nearest;
    for (const reference of nearest.references) {
      const referenced = this.scopes.get(reference);
      if (referenced && isUnder(fromFile, referenced.dir) && (referenced.includes ? referenced.includes(fromFile) : true)) return referenced;
    }
    return nearest;
  }

  private scopeOfDir(dir: string): CompilerScope | undefined {
    if (this.scopeOfDirCache.has(dir)) return this.scopeOfDirCache.get(dir);
    const config = this.configOfDir.get(dir);
    const scope = config !== undefined ? this.scopes.get(config) : dir === '' ? undefined : this.scopeOfDir(dirOf(dir));
    this.scopeOfDirCache.set(dir, scope);
    return scope;
  }

  /** A file for a path: as is, with an extension, `.js` written for `.ts`, or a folder's index. */
  private resolvePath(candidate: string): string | undefined {
    const known = this.index && probe(candidate, (relative) => this.index!.kindOf(relative));
    return known ?? (this.diskAllowed ? probe(candidate, (relative) => this.kindOnDisk(relative)) : undefined);
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
      if (kind && !this.insideRoot(absolute)) kind = undefined;
    } catch {
      kind = undefined;
    }
    this.existsCache.set(relative, kind);
    return kind;
  }

  private insideRoot(absolute: string): boolean {
    const real = realpathSync.native(absolute);
    return real === this.realRoot || real.startsWith(this.realRoot + path.sep);
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

  /** The packages of the manifests, members of the workspace declaration first when two share a name. */
  private readPackages(manifests: readonly string[]): PackageRecord[] {
    const rootManifest = this.readConfig('package.json');
    const pnpm = this.readConfigText('pnpm-workspace.yaml');
    const declaration = readWorkspaceDeclaration(isObject(rootManifest) ? rootManifest : undefined, 'text' in pnpm ? pnpm.text : undefined);
    const records: PackageRecord[] = [];
    for (const manifest of manifests) {
      const json = this.readConfig(manifest);
      if (!isObject(json) || typeof json.name !== 'string') continue;
      const dir = dirOf(manifest);
      const record: PackageRecord = { name: json.name, dir, entries: [], member: declaration.isMember?.(dir) ?? true, manifest: json };
      records.push(record);
      this.packageByDir.set(dir, record);
    }
    const preferred = [...records].sort((a, b) => Number(b.member) - Number(a.member) || a.dir.length - b.dir.length || (a.dir < b.dir ? -1 : 1));
    for (const record of preferred) if (!this.byName.has(record.name)) this.byName.set(record.name, record);
    return records;
  }

  /** A package's public entry files: what exports, types, main and module name (patterns: the discovered files they match), and its index. */
  private entriesOf(record: PackageRecord): string[] {
    const base = record.dir === '' ? '.' : record.dir;
    const entries = new Set<string>();
    for (const { targets } of exportedSubpaths(record.manifest.exports)) {
      for (const target of targets) {
        const joined = path.posix.normalize(path.posix.join(base, target));
        if (target.includes('*')) {
          const source = this.sourcePathOf(record, joined);
          for (const pattern of source === undefined ? [joined] : [joined, source]) for (const file of this.filesMatching(pattern)) entries.add(file);
        }
        else {
          const file = this.resolveTarget(record, joined);
          if (file) entries.add(file);
        }
      }
    }
    for (const field of ['types', 'typings', 'main', 'module']) {
      const value = record.manifest[field];
      const file = typeof value === 'string' ? this.resolveTarget(record, path.posix.join(base, value)) : undefined;
      if (file) entries.add(file);
    }
    for (const fallback of ['index', 'src/index']) {
      const file = this.resolvePath(path.posix.join(base, fallback));
      if (file) entries.add(file);
    }
    return [...entries];
  }

  /** The discovered files a target pattern (`packages/ui/src/*.tsx`) matches, any source extension standing for a written one. */
  private filesMatching(pattern: string): string[] {
    if (!this.index || leavesRoot(pattern)) return [];
    const star = pattern.indexOf('*');
    const prefix = pattern.slice(0, star);
    const suffix = pattern.slice(star + 1).replace(/\.d\.(c|m)?ts$|\.(c|m)?(t|j)sx?$/, '');
    const matches: string[] = [];
    for (const file of this.index.files) {
      if (!file.startsWith(prefix)) continue;
      const stem = file.replace(/\.(c|m)?(t|j)sx?$/, '');
      if (stem.endsWith(suffix) && stem.length > prefix.length + suffix.length - 1) matches.push(file);
    }
    return matches.sort();
  }

  /** Finds the tsconfig.json of every folder that holds discovered files or a package (a jsconfig.json at package roots), and loads each. */
  private loadCompilerScopes(): void {
    const packageDirs = new Set<string>(['', ...this.records.map((record) => record.dir)]);
    const folders = new Set<string>([...packageDirs, ...(this.index?.dirs ?? [])]);
    for (const dir of folders) {
      // A jsconfig.json (a JavaScript project's) is looked for at package roots only: one system call less for every other folder.
      for (const name of packageDirs.has(dir) ? CONFIG_NAMES : CONFIG_NAMES.slice(0, 1)) {
        const file = dir === '' ? name : `${dir}/${name}`;
        if (this.isConfigFile(file)) {
          this.configOfDir.set(dir, file);
          break;
        }
      }
    }
    const files: ConfigFiles = {
      readJson: (relative) => this.readConfig(relative),
      isFile: (relative) => this.isConfigFile(relative),
      workspacePackage: (name) => {
        const record = this.byName.get(name);
        return record && { dir: record.dir, manifest: record.manifest };
      },
    };
    const pending = [...this.configOfDir.values()];
    while (pending.length) {
      const file = pending.shift()!;
      if (this.scopes.has(file)) continue;
      const scope = loadCompilerScope(files, file);
      this.scopes.set(file, scope);
      // A referenced project's config may sit beside the one that references it, under another name.
      pending.push(...scope.references.filter((reference) => this.isConfigFile(reference)));
    }
  }

  /** Parsed JSON (with comments) of a config file; a sentence saying why when it cannot be read or parsed. */
  private readConfig(relative: string): unknown {
    if (this.parsedConfigs.has(relative)) return this.parsedConfigs.get(relative);
    const read = this.readConfigText(relative);
    let parsed: unknown;
    if ('problem' in read) parsed = read.problem;
    else {
      try {
        parsed = parseConfig(read.text);
        if (typeof parsed === 'string') parsed = 'is not a JSON object';
      } catch {
        parsed = 'is not JSON';
      }
    }
    this.parsedConfigs.set(relative, parsed);
    return parsed;
  }

  /**
   * A configuration file's text, or why it is not read: absent, a link (never followed), a FIFO, a
   * folder, larger than 1 MB, or outside the root. Each answer is kept for the fingerprint.
   */
  private readConfigText(relative: string): { text: string } | { problem: string } {
    const known = this.configTexts.get(relative);
    if (known !== undefined) return known.startsWith('\0') ? { problem: known.slice(1) } : { text: known };
    let answer: { text: string } | { problem: string } = { problem: 'is not there' };
    if (leavesRoot(relative)) answer = { problem: 'leaves the repository' };
    else {
      try {
        const absolute = path.join(this.root, relative);
        const stats = lstatSync(absolute);
        if (!stats.isFile()) answer = { problem: stats.isSymbolicLink() ? 'is a link' : 'is not a regular file' };
        else if (stats.size > MAX_CONFIG_BYTES) answer = { problem: 'is larger than 1 MB' };
        else if (!this.insideRoot(absolute)) answer = { problem: 'lies outside the repository through a linked folder' };
        else answer = { text: readFileSync(absolute, 'utf8') };
      } catch {
        // Absent, or vanished: not there.
      }
    }
    this.configTexts.set(relative, 'text' in answer ? answer.text : `\0${answer.problem}`);
    return answer;
  }

  private isConfigFile(relative: string): boolean {
    if (leavesRoot(relative)) return false;
    try {
      const absolute = path.join(this.root, relative);
      // Most folders have no config: asked without an exception for each.
      return lstatSync(absolute, { throwIfNoEntry: false })?.isFile() === true && this.insideRoot(absolute);
    } catch {
      return false;
    }
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

/**
 * tsconfig.json is JSON with comments and trailing commas: read as JSON when it is that, else with
 * jsonc-parser, loaded only then (its loading is a twentieth of a re-run).
 */
function parseConfig(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const jsonc = createRequire(import.meta.url)('jsonc-parser') as typeof import('jsonc-parser');
    const errors: import('jsonc-parser').ParseError[] = [];
    const value: unknown = jsonc.parse(text, errors, { allowTrailingComma: true });
    if (value === undefined) throw new Error('not JSON');
    return value;
  }
}

/** The package name a bare specifier starts with (`@scope/name`, `name`). */
function packageName(specifier: string): string | undefined {
  const parts = specifier.split('/');
  if (specifier.startsWith('@')) return parts.length >= 2 && parts[1] ? `${parts[0]}/${parts[1]}` : undefined;
  return parts[0] || undefined;
}

function optionalFile(file: string | undefined): { file?: string } {
  return file === undefined ? {} : { file };
}

function dirOf(file: string): string {
  const dir = path.posix.dirname(file);
  return dir === '.' ? '' : dir;
}

function isUnder(file: string, dir: string): boolean {
  return dir === '' || file === dir || file.startsWith(dir + '/');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
