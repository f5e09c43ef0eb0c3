/**
 * `map validate`: the loader's schema and cross-reference errors, then the checks that need the
 * repository or the rule catalog: domains whose folders overlap, prefixes that nest across domains,
 * exceptions naming an unknown rule, and globs that match no file.
 */
import { statSync } from 'node:fs';
import { compileGlob } from '../glob/match.js';
import { globSync } from 'tinyglobby';
import { UsageError } from '../errors.js';
import { getRuleCatalog } from '../rules/catalog.js';
import { loadOwnershipMap } from './load.js';
import { MapError, type LoadedMap, type MapPath } from './map-file.js';
import { OwnershipIndex } from './resolve.js';
import { isNegatedGlob } from './globs.js';
import type { OwnershipMap } from './schema.js';

export type ProblemLevel = 'error' | 'warning';

export interface MapProblem {
  level: ProblemLevel;
  line: number;
  column: number;
  /** Dotted path of the offending value (`domains.shop.folders[0]`); empty for YAML syntax errors. */
  path: string;
  message: string;
}

export interface MapValidation {
  problems: MapProblem[];
  errors: number;
  warnings: number;
}

type Matcher = (path: string) => boolean;

/** One argument only, so that `files.some(m)` passes nothing else. */
function matcher(glob: string): Matcher {
  const match = compileGlob(glob);
  return (path) => match(path);
}

/** Every problem of the map at `mapFile`, judged against the files under `root`, sorted by position. */
export function validateMap(mapFile: string, root: string): MapValidation {
  const files = repositoryFiles(root);
  let loaded: LoadedMap;
  try {
    loaded = loadOwnershipMap(mapFile, root);
  } catch (error) {
    if (!(error instanceof MapError)) throw error;
    return summarise(error.issues.map((issue) => ({ level: 'error', ...issue })));
  }
  const problem = (level: ProblemLevel, at: MapPath, message: string): MapProblem => ({
    level,
    ...loaded.locate(at),
    path: dotted(at),
    message,
  });
  return summarise([
    ...overlappingFolders(loaded.map, files, problem),
    ...nestedPrefixes(loaded.map, problem),
    ...unknownExceptionRules(loaded.map, problem),
    ...globsWithoutFiles(loaded.map, files, problem),
  ]);
}

type ProblemAt = (level: ProblemLevel, at: MapPath, message: string) => MapProblem;

/** Every file under the root but node_modules and .git: a glob is judged against what is on disk. */
function repositoryFiles(root: string): string[] {
  let isDirectory = false;
  try {
    isDirectory = statSync(root).isDirectory();
  } catch {
    // reported below
  }
  if (!isDirectory) throw new UsageError(`Root ${root} is not a directory: expected --root to name the repository to check the map against.`);
  return globSync('**', {
    cwd: root,
    ignore: ['**/node_modules/**', '**/.git/**'],
    dot: true,
    onlyFiles: true,
    followSymbolicLinks: false,
  }).sort();
}

interface FolderGlob {
  domain: string;
  glob: string;
  at: MapPath;
  match: Matcher;
}

/**
 * Two domains' folder globs that both match a file on disk, or (when none exists yet) a path built
 * from one glob that the other also matches. The index would settle such a file by glob length; the
 * map should not leave it to that.
 */
function overlappingFolders(map: OwnershipMap, files: string[], problem: ProblemAt): MapProblem[] {
  const globs: FolderGlob[] = Object.entries(map.domains).flatMap(([domain, d]) => {
    // The domain's `!` globs take files out of each of its folders.
    const negated = d.folders.filter(isNegatedGlob).map(matcherOfNegated);
    return d.folders.flatMap((glob, i) => {
      if (isNegatedGlob(glob)) return [];
      const inside = matcher(glob);
      const match: Matcher = (path) => inside(path) && !negated.some((outside) => outside(path));
      return [{ domain, glob, at: ['domains', domain, 'folders', i], match }];
    });
  });
  const shared = new Map<string, { files: number; example: string }>();
  for (const file of files) {
    const hits = globs.map((g, i) => (g.match(file) ? i : -1)).filter((i) => i >= 0);
    for (const [x, a] of hits.entries()) {
      for (const b of hits.slice(x + 1)) {
        if (globs[a]!.domain === globs[b]!.domain) continue;
        const key = `${a} ${b}`;
        const entry = shared.get(key);
        if (entry) entry.files++;
        else shared.set(key, { files: 1, example: file });
      }
    }
  }

  const index = new OwnershipIndex(map);
  const problems: MapProblem[] = [];
  for (const [a, first] of globs.entries()) {
    for (const [b, second] of globs.entries()) {
      if (b <= a || first.domain === second.domain) continue;
      const onDisk = shared.get(`${a} ${b}`);
      const example =
        onDisk?.example ?? samplePaths(second.glob).find(first.match) ?? samplePaths(first.glob).find(second.match);
      if (example === undefined) continue;
      const extent = onDisk
        ? `both match ${plural(onDisk.files, 'file')}, e.g. ${example}`
        : `both match paths such as ${example} (no such file yet)`;
      problems.push(
        problem(
          'error',
          second.at,
          `folder "${second.glob}" of domain ${second.domain} overlaps "${first.glob}" of domain ${first.domain}: ${extent}, ` +
            `which only the longer glob gives to ${index.domainOfFile(example)}; expected each file in one domain's folders`,
        ),
      );
    }
  }
  return problems;
}

/** What a `!glob` takes out. */
function matcherOfNegated(glob: string): Matcher {
  return matcher(glob.slice(1));
}

/** Paths a glob matches, one per brace alternative, with every wildcard filled in. */
export function samplePaths(glob: string): string[] {
  if (glob.startsWith('!')) return [];
  const match = matcher(glob);
  return expandBraces(glob)
    .map((g) => g.replace(/\[[^\]]*\]/g, 'x').replace(/\*+/g, 'x').replace(/\?/g, 'x'))
    .filter(match);
}

function expandBraces(glob: string): string[] {
  const group = /\{([^{}]*)\}/.exec(glob);
  if (!group) return [glob];
  const before = glob.slice(0, group.index);
  const after = glob.slice(group.index + group[0].length);
  return group[1]!.split(',').flatMap((alternative) => expandBraces(before + alternative + after));
}

/** A prefix of one domain that starts with another domain's: both claim those table names; the longest wins. */
function nestedPrefixes(map: OwnershipMap, problem: ProblemAt): MapProblem[] {
  const prefixes = Object.entries(map.domains).flatMap(([domain, d]) => d.prefixes.map((prefix, i) => ({ domain, prefix, i })));
  return prefixes.flatMap((inner) =>
    prefixes
      .filter((outer) => outer.domain !== inner.domain && outer.prefix !== inner.prefix && inner.prefix.startsWith(outer.prefix))
      .map((outer) =>
        problem(
          'warning',
          ['domains', inner.domain, 'prefixes', inner.i],
          `prefix "${inner.prefix}" of domain ${inner.domain} starts with "${outer.prefix}" of domain ${outer.domain}: ` +
            `${inner.prefix}… tables go to ${inner.domain} only because the longer prefix wins; expected prefixes that do not nest across domains`,
        ),
      ),
  );
}

/** An exception waiving a rule that does not exist waives nothing: usually a typo. */
function unknownExceptionRules(map: OwnershipMap, problem: ProblemAt): MapProblem[] {
  const known = [...new Set([...getRuleCatalog().map((rule) => rule.id), ...map.restrictedTables.map((rule) => rule.rule)])].sort();
  return map.exceptions.flatMap((exception, e) =>
    exception.rules.flatMap((rule, r) => {
      if (known.includes(rule)) return [];
      const near = known.find((id) => editDistance(id, rule) <= 2);
      const expected = near ? `did you mean "${near}"?` : `one of ${known.join(', ')}`;
      return [problem('error', ['exceptions', e, 'rules', r], `unknown rule "${rule}": expected a rule from rules/ or the map's restrictedTables, ${expected}`)];
    }),
  );
}

/** Levenshtein distance, for "did you mean". */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (const [i, ca] of [...a].entries()) {
    const current = [i + 1];
    for (const [j, cb] of [...b].entries()) current.push(Math.min(previous[j + 1]! + 1, current[j]! + 1, previous[j]! + (ca === cb ? 0 : 1)));
    previous = current;
  }
  return previous[b.length]!;
}

/** Every glob of the map that names files, with where it sits. */
function fileGlobs(map: OwnershipMap): Array<{ glob: string; at: MapPath }> {
  const list = (globs: readonly string[], ...at: MapPath) => globs.map((glob, i) => ({ glob, at: [...at, i] }));
  return [
    ...Object.entries(map.domains).flatMap(([id, d]) => [...list(d.folders, 'domains', id, 'folders'), ...list(d.entry, 'domains', id, 'entry')]),
    ...map.restrictedTables.flatMap((rule, r) => list(rule.allow.folders, 'restrictedTables', r, 'allow', 'folders')),
    ...list(map.readModelFolders, 'readModelFolders'),
    ...list(map.ownerHeaderFolders, 'ownerHeaderFolders'),
    ...map.retiredImports.map((entry, i) => ({ glob: entry.folder, at: ['retiredImports', i, 'folder'] })),
    ...map.exceptions.flatMap((exception, e) => list(exception.folders, 'exceptions', e, 'folders')),
    ...list(map.ignore, 'ignore'),
  ];
}

/** A glob that matches nothing on disk is a stale path or a typo (a `!glob` then takes nothing out); one that matches a folder lacks `/**`. */
function globsWithoutFiles(map: OwnershipMap, files: string[], problem: ProblemAt): MapProblem[] {
  const folders = [...new Set(files.flatMap((file) => file.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))))];
  return fileGlobs(map).flatMap(({ glob, at }) => {
    const match = isNegatedGlob(glob) ? matcherOfNegated(glob) : matcher(glob);
    if (files.some(match)) return [];
    const folder = folders.find(match);
    const message = folder
      ? `"${glob}" matches the folder ${folder} but no file in it: expected a glob over files, such as ${folder}/**`
      : `"${glob}" matches no file under the root: expected a path that exists, or remove the glob`;
    return [problem('warning', at, message)];
  });
}

function summarise(problems: MapProblem[]): MapValidation {
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  return {
    problems,
    errors: problems.filter((p) => p.level === 'error').length,
    warnings: problems.filter((p) => p.level === 'warning').length,
  };
}

/** One located line per problem, as compilers print them, and a summary line. */
export function renderValidationText(validation: MapValidation, mapLabel: string): string {
  const lines = validation.problems.map(
    (p) => `${mapLabel}:${p.line}:${p.column}: ${p.level}: ${p.path ? `${p.path}: ` : ''}${p.message}`,
  );
  const counts = `${plural(validation.errors, 'error')}, ${plural(validation.warnings, 'warning')}`;
  lines.push(validation.problems.length === 0 ? `${mapLabel}: no problems` : `${mapLabel}: ${counts}`);
  return `${lines.join('\n')}\n`;
}

export function renderValidationJson(validation: MapValidation, mapLabel: string): string {
  const report = {
    map: mapLabel,
    valid: validation.errors === 0,
    problems: validation.problems.map((p) => ({ file: mapLabel, ...p })),
    summary: { errors: validation.errors, warnings: validation.warnings },
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}

function dotted(at: MapPath): string {
  return at.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
