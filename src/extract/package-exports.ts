/**
 * A package.json's `exports` and `imports` maps, read as Node's PACKAGE_EXPORTS_RESOLVE and
 * PACKAGE_IMPORTS_RESOLVE match a subpath (exact keys, then `*` patterns by PATTERN_KEY_COMPARE,
 * `null` exclusions, arrays, nested conditions), for a static reader: where Node takes the first
 * condition the running program matches, this returns every target the map offers for the subpath,
 * in the map's order, and the caller takes the first that exists (a `types` or `import` target in
 * the sources before a `default` one in a build folder that is not there).
 *
 * Only string operations: the keys and the specifier come from the scanned repository, and a key
 * turned into a regular expression could make matching take exponential time.
 */

/** Nested conditions deeper than this, or more targets than this, are not followed (a hostile map). */
const MAX_DEPTH = 32;
const MAX_TARGETS = 64;

export type MapMatch =
  /** The key that matched, and the targets it offers (package-relative `./…`, or a bare specifier for `imports`). */
  | { key: string; targets: string[] }
  /** No key matches the subpath, or the key maps it to null: the package does not expose it. */
  | { key?: string; targets: [] };

/**
 * The targets `exports` offers for a subpath (`.` or `./x`); undefined when the field is absent or
 * not a map Node accepts (then the package's files are reached by their paths).
 */
export function matchExports(exportsField: unknown, subpath: string): MapMatch | undefined {
  const map = subpathMap(exportsField);
  return map && matchKey(map, subpath, (target) => target.startsWith('./'));
}

/** The targets `imports` offers for a `#name` specifier; undefined when the field is absent or not a map. */
export function matchImports(importsField: unknown, specifier: string): MapMatch | undefined {
  if (!isMap(importsField)) return undefined;
  // A relative target is the package's own file; any other that is not a URL or absolute path names a package.
  return matchKey(importsField, specifier, (target) => target.startsWith('./') || !(target.startsWith('/') || target.includes(':') || target.startsWith('../')));
}

/** Every subpath `exports` names or patterns (`.`, `./db`, `./*`), with the targets each offers. */
export function exportedSubpaths(exportsField: unknown): Array<{ key: string; targets: string[] }> {
  const map = subpathMap(exportsField);
  if (!map) return [];
  return Object.keys(map).flatMap((key) => {
    const targets = collectTargets(map[key], 0, []).filter((target) => target.startsWith('./'));
    return targets.length ? [{ key, targets }] : [];
  });
}

/** `exports` as a map of subpaths: sugar (a string, an array, a conditions object) means `.`. */
function subpathMap(exportsField: unknown): Record<string, unknown> | undefined {
  if (typeof exportsField === 'string' || Array.isArray(exportsField)) return { '.': exportsField };
  if (!isMap(exportsField)) return undefined;
  const keys = Object.keys(exportsField);
  const dotted = keys.filter((key) => key.startsWith('.')).length;
  if (dotted === 0) return keys.length ? { '.': exportsField } : undefined;
  // Node refuses a map that mixes subpaths and conditions.
  return dotted === keys.length ? exportsField : undefined;
}

function matchKey(map: Record<string, unknown>, subpath: string, valid: (target: string) => boolean): MapMatch {
  let key: string | undefined;
  let star = '';
  if (Object.hasOwn(map, subpath) && !subpath.includes('*')) key = subpath;
  else {
    for (const candidate of Object.keys(map)) {
      const at = candidate.indexOf('*');
      if (at < 0 || candidate.indexOf('*', at + 1) >= 0) continue;
      const prefix = candidate.slice(0, at);
      const suffix = candidate.slice(at + 1);
      if (subpath.length < candidate.length || !subpath.startsWith(prefix) || !subpath.endsWith(suffix)) continue;
      if (key === undefined || comparePatternKeys(candidate, key) < 0) {
        key = candidate;
        star = subpath.slice(prefix.length, subpath.length - suffix.length);
      }
    }
  }
  if (key === undefined) return { targets: [] };
  const targets = collectTargets(map[key], 0, [])
    .filter(valid)
    .map((target) => target.split('*').join(star));
  // A pattern's match must not climb out of the package or into its node_modules (Node's invalid segments).
  return { key, targets: targets.filter((target) => !target.split('/').some((segment, i) => segment === '..' || segment === 'node_modules' || (i > 0 && segment === '.'))) };
}

/** PATTERN_KEY_COMPARE: the longer prefix before `*` first, then the longer key. */
function comparePatternKeys(a: string, b: string): number {
  const prefixA = a.indexOf('*');
  const prefixB = b.indexOf('*');
  if (prefixA !== prefixB) return prefixB - prefixA;
  return b.length - a.length;
}

/** Every string target under a value, in the map's order; null and other values offer none. */
function collectTargets(value: unknown, depth: number, into: string[]): string[] {
  if (into.length >= MAX_TARGETS || depth > MAX_DEPTH) return into;
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const item of value) collectTargets(item, depth + 1, into);
  else if (isMap(value)) for (const condition of Object.keys(value)) collectTargets(value[condition], depth + 1, into);
  return into;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
