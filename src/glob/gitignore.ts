/**
 * A .gitignore file's rules, matched with the bounded glob matcher (match.ts): a pull request
 * writes .gitignore files, and a line of repeated `**\/a` made a regex-based matcher hang.
 *
 * Read as git reads them: blank lines and `#` comments are skipped; `!` re-includes; a trailing
 * `/` matches folders only; a pattern with a `/` before its end is anchored to the .gitignore's
 * folder, one without matches at any depth; a path is ignored when a folder on its way is (git
 * does not look inside an ignored folder, so a `!` cannot re-include a file in it).
 *
 * A rule that cannot be read (longer than the matcher takes) and rules past MAX_RULES are not
 * applied: a rule not applied can only make the scan see more files, never fewer.
 */
import { compileGlob, type Matcher } from './match.js';

/** More rules than any hand-written .gitignore holds; the rest are not applied. */
export const MAX_RULES = 10_000;

interface Rule {
  match: Matcher;
  negated: boolean;
  foldersOnly: boolean;
}

export interface GitignoreRules {
  /** True when the path (relative to the .gitignore's folder, POSIX) is ignored. */
  ignores(path: string): boolean;
}

export function parseGitignore(text: string): GitignoreRules {
  const rules: Rule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (rules.length >= MAX_RULES) break;
    const rule = parseRule(raw);
    if (rule) rules.push(rule);
  }
  /** The last rule's verdict on `path`, or undefined when none matches. */
  const verdict = (path: string, isFolder: boolean): boolean | undefined => {
    for (let index = rules.length - 1; index >= 0; index--) {
      const rule = rules[index]!;
      if (rule.foldersOnly && !isFolder) continue;
      if (rule.match(path)) return !rule.negated;
    }
    return undefined;
  };
  return {
    ignores(path) {
      if (rules.length === 0) return false;
      const parts = path.split('/');
      for (let depth = 1; depth < parts.length; depth++) {
        if (verdict(parts.slice(0, depth).join('/'), true)) return true;
      }
      return verdict(path, false) ?? false;
    },
  };
}

function parseRule(raw: string): Rule | undefined {
  // Trailing spaces go, unless escaped (a loop: a regex like /\s+$/ is quadratic on a line of spaces).
  let end = raw.length;
  while (end > 0 && (raw[end - 1] === ' ' || raw[end - 1] === '\t') && raw[end - 2] !== '\\') end--;
  let line = raw.slice(0, end);
  if (line === '' || line.startsWith('#')) return undefined;
  const negated = line.startsWith('!');
  if (negated) line = line.slice(1);
  else if (line.startsWith('\\!') || line.startsWith('\\#')) line = line.slice(1);
  const foldersOnly = line.endsWith('/');
  if (foldersOnly) line = line.slice(0, -1);
  if (line === '') return undefined;
  const anchored = line.includes('/');
  if (line.startsWith('/')) line = line.slice(1);
  // `a/**` is everything inside a, not a itself.
  if (line === '**' || line.endsWith('/**')) line += '/*';
  try {
    return { match: compileGlob(anchored ? line : `**/${line}`, { literalBraces: true }), negated, foldersOnly };
  } catch {
    return undefined;
  }
}
