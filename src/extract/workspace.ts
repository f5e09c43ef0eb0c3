/**
 * Which of a repository's package.json folders are its workspace packages, as its package manager
 * declares them: `workspaces` in the root package.json (npm, yarn, bun; a list or `{ packages }`)
 * and `packages` in pnpm-workspace.yaml. Without a declaration every package.json counts, as before
 * workspaces existed. Read as data only: nothing is installed and node_modules is never consulted.
 */
import { createRequire } from 'node:module';
import { compileGlob, type Matcher } from '../glob/match.js';

export interface WorkspaceDeclaration {
  /** The files the globs were read from (package.json, pnpm-workspace.yaml). */
  sources: string[];
  /** Whether a package folder (repository-relative, '' for the root) is a declared member; undefined without a declaration. */
  isMember?: (dir: string) => boolean;
}

/**
 * @param rootManifest the root package.json, parsed (undefined when absent or not an object)
 * @param pnpmWorkspace the text of pnpm-workspace.yaml, when it is there
 */
export function readWorkspaceDeclaration(rootManifest: Record<string, unknown> | undefined, pnpmWorkspace: string | undefined): WorkspaceDeclaration {
  const globs: string[] = [];
  const sources: string[] = [];
  const declared = rootManifest?.workspaces;
  const listed = Array.isArray(declared) ? declared : isObject(declared) && Array.isArray(declared.packages) ? declared.packages : undefined;
  if (listed) {
    sources.push('package.json');
    globs.push(...listed.filter((glob): glob is string => typeof glob === 'string'));
  }
  if (pnpmWorkspace !== undefined) {
    const packages = pnpmPackages(pnpmWorkspace);
    if (packages) {
      sources.push('pnpm-workspace.yaml');
      globs.push(...packages);
    }
  }
  if (sources.length === 0) return { sources };
  const normalize = (glob: string) => glob.replace(/^\.\//, '').replace(/\/+$/, '');
  const positive = globs.filter((glob) => !glob.startsWith('!')).map(normalize);
  const negative = globs.filter((glob) => glob.startsWith('!')).map((glob) => normalize(glob.slice(1)));
  const included = anyOf(positive);
  const excluded = anyOf(negative);
  return { sources, isMember: (dir) => dir === '' || (included(dir) && !excluded(dir)) };
}

/** The `packages` list of pnpm-workspace.yaml, or undefined when it has none (or is not YAML). */
function pnpmPackages(text: string): string[] | undefined {
  try {
    // yaml is loaded only for a pnpm workspace: a run whose map comes from its snapshot never loads it otherwise.
    const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
    const document: unknown = parse(text, { maxAliasCount: 100 });
    const packages = isObject(document) ? document.packages : undefined;
    return Array.isArray(packages) ? packages.filter((glob): glob is string => typeof glob === 'string') : undefined;
  } catch {
    return undefined;
  }
}

/** A matcher for any of the globs (repository text: matched without backtracking); a glob that cannot be matched as written matches nothing. */
export function anyOf(globs: readonly string[]): Matcher {
  const matchers = globs.flatMap((glob) => {
    try {
      return [compileGlob(glob)];
    } catch {
      return [];
    }
  });
  return (path) => matchers.some((match) => match(path));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
