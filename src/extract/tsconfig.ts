/**
 * A tsconfig.json as import resolution needs it: `compilerOptions.paths` and `baseUrl` (through
 * `extends`, a path or a workspace package, an array of them too), `${configDir}`, `outDir` and
 * `rootDir` (a package's entry written for its build output leads to its source), `include`,
 * `files` and `references` (which project of a solution-style config a file belongs to).
 *
 * Every file is read through `ConfigFiles`, which reads only regular files inside the root: an
 * `extends` that leaves the root, names a package outside the workspace, or loops is not
 * followed, and says so in `notes`.
 */
import path from 'node:path';
import { matchExports } from './package-exports.js';
import { anyOf } from './workspace.js';

/** `extends` chains longer than this are not followed further (TypeScript has no limit; a loop is caught apart). */
const MAX_EXTENDS_DEPTH = 16;

export interface ConfigFiles {
  /** A config file's parsed content (JSON with comments); a string saying why when it cannot be read. */
  readJson(relative: string): unknown;
  /** Whether a repository-relative path is a regular file inside the root. */
  isFile(relative: string): boolean;
  /** The folder and manifest of the repository's workspace package of that name. */
  workspacePackage(name: string): { dir: string; manifest: Record<string, unknown> } | undefined;
}

export interface PathAlias {
  /** The `paths` key as written, for messages. */
  pattern: string;
  prefix: string;
  suffix: string;
  wildcard: boolean;
  /** Repository-relative targets (`*` kept); those that left the root are dropped. */
  targets: string[];
  /** True when the key is `*` alone or every target lies in node_modules: a miss means a third-party package. */
  fallsThrough: boolean;
}

export interface CompilerScope {
  /** Repository-relative path of the config. */
  file: string;
  dir: string;
  /** Repository-relative folder bare specifiers are also looked up in; undefined without one (or when it leaves the root). */
  baseUrl?: string;
  /** Longest prefix first. */
  paths: PathAlias[];
  outDir?: string;
  rootDir?: string;
  /** Which files the project holds: undefined = every file under its folder. */
  includes?: (file: string) => boolean;
  /** Repository-relative referenced configs, in order. */
  references: string[];
  /** What of the config could not be followed. */
  notes: string[];
}

/** What a config says, each option with the folder it is relative to (the config that wrote it). */
interface Layer {
  baseUrl?: { value: string; dir: string };
  paths?: { value: Record<string, unknown>; dir: string };
  outDir?: { value: string; dir: string };
  rootDir?: { value: string; dir: string };
  include?: { value: string[]; dir: string };
  files?: { value: string[]; dir: string };
}

export function loadCompilerScope(files: ConfigFiles, file: string): CompilerScope {
  const notes: string[] = [];
  const dir = dirOf(file);
  const layer = loadLayer(files, file, [], notes);
  const config = files.readJson(file);
  const references = isObject(config) && Array.isArray(config.references) ? config.references : [];
  const inRoot = (value: string | undefined, from: string) => {
    if (value === undefined) return undefined;
    const joined = path.posix.normalize(path.posix.join(from, value.split('${configDir}').join(dir === '' ? '.' : dir)));
    return leavesRoot(joined, value) ? undefined : joined === '.' ? '' : joined;
  };
  const baseUrl = layer.baseUrl && inRoot(layer.baseUrl.value, layer.baseUrl.dir);
  if (layer.baseUrl && baseUrl === undefined) notes.push(`baseUrl '${layer.baseUrl.value}' leaves the repository: not used`);
  const pathsBase = baseUrl ?? layer.paths?.dir ?? dir;
  const paths = Object.entries(layer.paths?.value ?? {})
    .map(([pattern, targets]): PathAlias => {
      const star = pattern.indexOf('*');
      const written = (Array.isArray(targets) ? targets : []).filter((target): target is string => typeof target === 'string');
      const resolved = written.map((target) => inRoot(target, pathsBase)).filter((target): target is string => target !== undefined);
      return {
        pattern,
        prefix: star < 0 ? pattern : pattern.slice(0, star),
        suffix: star < 0 ? '' : pattern.slice(star + 1),
        wildcard: star >= 0,
        targets: resolved,
        fallsThrough: pattern === '*' || (written.length > 0 && written.every((target) => target.split(/[\\/]/).includes('node_modules'))),
      };
    })
    .sort((a, b) => b.prefix.length - a.prefix.length);
  return {
    file,
    dir,
    ...(baseUrl === undefined ? {} : { baseUrl }),
    paths,
    ...optional('outDir', layer.outDir && inRoot(layer.outDir.value, layer.outDir.dir)),
    ...optional('rootDir', layer.rootDir && inRoot(layer.rootDir.value, layer.rootDir.dir)),
    ...optional('includes', includesOf(layer, dir)),
    references: references.flatMap((reference) => {
      const target = isObject(reference) && typeof reference.path === 'string' ? inRoot(reference.path, dir) : undefined;
      if (target === undefined) return [];
      return [files.isFile(target) ? target : path.posix.join(target, 'tsconfig.json')];
    }),
    notes,
  };
}

/** The paths alias a bare specifier matches: an exact key first, else the pattern with the longest prefix. */
export function matchPathAlias(scope: CompilerScope, specifier: string): { alias: PathAlias; candidates: string[] } | undefined {
  const exact = scope.paths.find((alias) => !alias.wildcard && alias.prefix === specifier);
  const alias =
    exact ??
    scope.paths.find((candidate) => candidate.wildcard && specifier.length >= candidate.prefix.length + candidate.suffix.length && specifier.startsWith(candidate.prefix) && specifier.endsWith(candidate.suffix));
  if (!alias) return undefined;
  const middle = alias.wildcard ? specifier.slice(alias.prefix.length, specifier.length - alias.suffix.length) : '';
  const candidates = alias.targets.map((target) => path.posix.normalize(target.replace('*', middle))).filter((candidate) => !leavesRoot(candidate));
  return { alias, candidates };
}

/** A config's options merged over what it extends, later `extends` entries over earlier ones. */
function loadLayer(files: ConfigFiles, file: string, chain: string[], notes: string[]): Layer {
  if (chain.includes(file)) {
    notes.push(`${chain[chain.length - 1]} extends ${file} in a loop: not followed`);
    return {};
  }
  if (chain.length > MAX_EXTENDS_DEPTH) {
    notes.push(`${file}: extends more than ${MAX_EXTENDS_DEPTH} configs deep: not followed`);
    return {};
  }
  const config = files.readJson(file);
  if (typeof config === 'string') {
    if (chain.length > 0) notes.push(`${chain[chain.length - 1]} extends ${file}, which ${config}: not followed`);
    return {};
  }
  if (!isObject(config)) return {};
  const dir = dirOf(file);
  let merged: Layer = {};
  const bases = typeof config.extends === 'string' ? [config.extends] : Array.isArray(config.extends) ? config.extends : [];
  for (const base of bases) {
    if (typeof base !== 'string') continue;
    const target = extendsTarget(files, base, dir);
    if (typeof target !== 'string' || !files.isFile(target)) {
      notes.push(`${file} extends '${base}', ${typeof target === 'string' ? 'which is not a file in the repository' : target.problem}: not followed`);
      continue;
    }
    merged = { ...merged, ...loadLayer(files, target, [...chain, file], notes) };
  }
  const options = isObject(config.compilerOptions) ? config.compilerOptions : {};
  const own: Layer = {};
  if (typeof options.baseUrl === 'string') own.baseUrl = { value: options.baseUrl, dir };
  if (isObject(options.paths)) own.paths = { value: options.paths, dir };
  if (typeof options.outDir === 'string') own.outDir = { value: options.outDir, dir };
  if (typeof options.rootDir === 'string') own.rootDir = { value: options.rootDir, dir };
  if (Array.isArray(config.include)) own.include = { value: config.include.filter((entry): entry is string => typeof entry === 'string'), dir };
  if (Array.isArray(config.files)) own.files = { value: config.files.filter((entry): entry is string => typeof entry === 'string'), dir };
  return { ...merged, ...own };
}

/** The repository-relative file an `extends` value names, or why it names none. */
function extendsTarget(files: ConfigFiles, value: string, dir: string): string | { problem: string } {
  const withJson = (candidate: string) => (files.isFile(candidate) || candidate.endsWith('.json') ? candidate : `${candidate}.json`);
  if (value.startsWith('./') || value.startsWith('../') || value === '.' || value === '..' || path.isAbsolute(value)) {
    const joined = path.posix.normalize(path.posix.join(dir, value));
    return leavesRoot(joined, value) ? { problem: 'which leaves the repository' } : withJson(joined);
  }
  const parts = value.split('/');
  const name = value.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  const subpath = value.slice(name.length + 1);
  const owner = files.workspacePackage(name);
  if (!owner) return { problem: 'a package outside the repository' };
  if (subpath === '') {
    const field = owner.manifest.tsconfig;
    return path.posix.join(owner.dir, typeof field === 'string' ? field : 'tsconfig.json');
  }
  const exported = matchExports(owner.manifest.exports, `./${subpath}`);
  const target = exported?.targets.map((candidate) => path.posix.normalize(path.posix.join(owner.dir, candidate))).find((candidate) => files.isFile(candidate));
  if (target) return target;
  const joined = path.posix.normalize(path.posix.join(owner.dir, subpath));
  return leavesRoot(joined) ? { problem: 'which leaves the repository' } : withJson(joined);
}

/** Which files a project holds, from its `files` and `include`; undefined when it takes every file under its folder. */
function includesOf(layer: Layer, dir: string): ((file: string) => boolean) | undefined {
  if (!layer.include && !layer.files) return undefined;
  const listed = new Set((layer.files?.value ?? []).map((file) => path.posix.normalize(path.posix.join(layer.files!.dir, file))));
  const patterns = (layer.include?.value ?? []).map((pattern) => {
    const joined = path.posix.normalize(path.posix.join(layer.include!.dir, pattern.split('${configDir}').join(dir === '' ? '.' : dir)));
    // A folder without a wildcard or an extension holds everything under it, as tsc reads it.
    return /[*?]|\.[a-z]+$/i.test(path.posix.basename(joined)) ? joined : `${joined}/**`;
  });
  const matches = anyOf(patterns);
  return (file) => listed.has(file) || matches(file);
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function dirOf(file: string): string {
  const dir = path.posix.dirname(file);
  return dir === '.' ? '' : dir;
}

/** True for a normalized path that climbs out of the root, or an absolute one (`written`: the value as the config wrote it). */
export function leavesRoot(relative: string, written = relative): boolean {
  return relative === '..' || relative.startsWith('../') || path.isAbsolute(relative) || path.isAbsolute(written);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
