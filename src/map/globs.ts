/** Glob syntax the map shares between its schema and its lookups (kept apart from zod, which a cached run does not load). */

/** `!pattern`: a negated glob takes files out of its list's other globs (`!(a|b)` is an extglob, not a negation). */
export function isNegatedGlob(glob: string): boolean {
  return glob.startsWith('!') && !glob.startsWith('!(');
}
