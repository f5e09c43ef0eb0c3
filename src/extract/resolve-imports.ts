/**
 * Resolves import specifiers to repository-relative paths, statically: relative paths, tsconfig
 * `paths`, and workspace package names. Never leaves the repository root and never runs its code.
 * Results are cached per (directory, specifier).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ts } from 'ts-morph';
import { globSync } from 'tinyglobby';

const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs', '.d.ts'];

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

export class ImportResolver {
  private readonly cache = new Map<string, string | undefined>();
  private readonly existsCache = new Map<string, 'file' | 'dir' | undefined>();
  readonly packages: WorkspacePackage[];
  private readonly aliases: PathAlias[];

  constructor(private readonly root: string) {
    this.packages = this.findWorkspacePackages();
    this.aliases = this.readPathAliases();
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
      return this.resolvePath(sub) ?? sub;
    }
    return undefined;
  }

  /** A file for a path: as is, with an extension, `.js` written for `.ts`, or a folder's index. */
  private resolvePath(candidate: string): string | undefined {
    const kind = this.kindOf(candidate);
    if (kind === 'file') return candidate;
    const stem = candidate.replace(/\.(c|m)?jsx?$/, '');
    for (const extension of EXTENSIONS) {
      if (this.kindOf(stem + extension) === 'file') return stem + extension;
    }
    if (kind === 'dir') {
      for (const extension of EXTENSIONS) {
        const index = path.posix.join(candidate, 'index' + extension);
        if (this.kindOf(index) === 'file') return index;
      }
    }
    return undefined;
  }

  private kindOf(relative: string): 'file' | 'dir' | undefined {
    if (this.existsCache.has(relative)) return this.existsCache.get(relative);
    let kind: 'file' | 'dir' | undefined;
    try {
      const stats = statSync(path.join(this.root, relative));
      kind = stats.isFile() ? 'file' : stats.isDirectory() ? 'dir' : undefined;
    } catch {
      kind = undefined;
    }
    this.existsCache.set(relative, kind);
    return kind;
  }

  private findWorkspacePackages(): WorkspacePackage[] {
    const manifests = globSync('**/package.json', {
      cwd: this.root,
      ignore: ['**/node_modules/**', '**/dist/**', '**/build/**'],
      followSymbolicLinks: false,
    });
    const packages: WorkspacePackage[] = [];
    for (const manifest of manifests) {
      const json = readJson(path.join(this.root, manifest));
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
    if (!existsSync(file)) return [];
    const parsed = ts.parseConfigFileTextToJson(file, readFileSync(file, 'utf8'));
    const options = (parsed.config?.compilerOptions ?? {}) as { baseUrl?: string; paths?: Record<string, string[]> };
    const baseUrl = path.posix.normalize(options.baseUrl ?? '.');
    return Object.entries(options.paths ?? {})
      .map(([pattern, targets]) => {
        const star = pattern.indexOf('*');
        return {
          prefix: star < 0 ? pattern : pattern.slice(0, star),
          suffix: star < 0 ? '' : pattern.slice(star + 1),
          wildcard: star >= 0,
          targets: (Array.isArray(targets) ? targets : []).map((target) => path.posix.join(baseUrl, target)),
        };
      })
      .sort((a, b) => b.prefix.length - a.prefix.length);
  }
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const stats = statSync(file);
    if (stats.size > 1_000_000) return undefined;
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
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
