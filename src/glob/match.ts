/**
 * Glob matching in bounded time, for globs from untrusted files (the map's folders, ignore and
 * exception tables; .gitignore lines). Regex-based matchers backtrack: picomatch took minutes on
 * a map glob of repeated `**\/a` segments and a matching-looking path. Here a glob is matched the
 * way wildcard matching is done without backtracking blow-up: segment by segment, with `**` as a
 * wildcard over whole segments and `*` as one over the characters of a segment, each resolved
 * greedily with a single resume point. The work is at most (glob segments × path segments) segment
 * comparisons, each at most (pattern length × segment length) steps, and braces expand to at most
 * MAX_ALTERNATIVES globs.
 *
 * The syntax, as picomatch reads it with `dot: true`: `/` separates segments; `**` as a whole
 * segment matches any number of segments (none included); `*` matches any characters of one
 * segment (a leading dot too) and `?` one; `[abc]`, `[a-z]`, `[^a]` a character of a class; `{a,b}`
 * either alternative (nested allowed); `\` escapes the next character; a leading `./` is dropped.
 * Extglobs (`@(a|b)`, `!(a)`, …) are refused by checkGlob, not read differently; a leading `!`
 * (negation) is the caller's to read: compileGlob takes the glob without it.
 */

/** The most globs one glob's braces may expand to. */
export const MAX_ALTERNATIVES = 256;
/** The longest glob read: a longer one is not a hand-written one. */
export const MAX_GLOB_LENGTH = 4096;

type CharToken = { kind: 'char'; char: string } | { kind: 'any' } | { kind: 'star' } | { kind: 'class'; negated: boolean; items: Array<[string, string]> };
type Segment = { kind: 'globstar' } | { kind: 'segment'; tokens: CharToken[] };

export type Matcher = (path: string) => boolean;

/** Why a glob cannot be matched as written, or undefined when it can. */
export function checkGlob(glob: string): string | undefined {
  if (glob.length > MAX_GLOB_LENGTH) return `expected a glob of at most ${MAX_GLOB_LENGTH} characters`;
  if (/[@!+*?]\(/.test(glob.replace(/\\./g, ''))) return 'expected a glob without extglob groups such as @(a|b): use {a,b}';
  // A leading `!` negates the glob in the lists that allow it (the map's schema says where): the rest is the glob.
  if (glob.startsWith('!')) glob = glob.slice(1);
  try {
    expandBraces(glob);
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

/**
 * A matcher for `glob`; throws on a glob checkGlob refuses. `literalBraces`: braces are text, and
 * `!` and `(` too, as in a .gitignore line (whose caller has taken off its own `!` and slashes).
 */
export function compileGlob(glob: string, { literalBraces = false } = {}): Matcher {
  if (literalBraces) {
    if (glob.length > MAX_GLOB_LENGTH) throw new Error(`${glob.slice(0, 40)}…: expected a glob of at most ${MAX_GLOB_LENGTH} characters`);
  } else {
    const problem = checkGlob(glob);
    if (problem) throw new Error(`${glob}: ${problem}`);
  }
  const text = glob.startsWith('./') ? glob.slice(2) : glob;
  const alternatives = (literalBraces ? [text] : expandBraces(text)).map(parseSegments);
  return (path) => {
    if (path === '') return false;
    const segments = path.split('/');
    return alternatives.some((pattern) => matchSegments(pattern, segments));
  };
}

/** A matcher for any of `globs`. */
export function compileGlobs(globs: readonly string[]): Matcher {
  const matchers = globs.map((glob) => compileGlob(glob));
  return matchers.length === 0 ? () => false : (path) => matchers.some((match) => match(path));
}

/** The globs `{a,b}` stands for, nested braces included; a brace without a top-level comma is literal text. */
function expandBraces(glob: string): string[] {
  let results = [''];
  for (const part of splitTop(glob)) {
    const options = part.kind === 'text' ? [part.text] : part.options.flatMap((option) => expandBraces(option));
    const next: string[] = [];
    for (const prefix of results) {
      for (const option of options) {
        next.push(prefix + option);
        if (next.length > MAX_ALTERNATIVES) throw new Error(`expected braces that expand to at most ${MAX_ALTERNATIVES} globs`);
      }
    }
    results = next;
  }
  return results;
}

type Part = { kind: 'text'; text: string } | { kind: 'braces'; options: string[] };

/** The glob's top-level text and brace groups. */
function splitTop(glob: string): Part[] {
  const parts: Part[] = [];
  let text = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '\\') {
      text += glob.slice(i, i + 2);
      i++;
      continue;
    }
    if (char === '[') {
      const end = classEnd(glob, i);
      if (end > i) {
        text += glob.slice(i, end + 1);
        i = end;
        continue;
      }
    }
    if (char === '{') {
      const group = braceGroup(glob, i);
      if (group) {
        parts.push({ kind: 'text', text });
        text = '';
        parts.push({ kind: 'braces', options: group.options });
        i = group.end;
        continue;
      }
    }
    text += char;
  }
  parts.push({ kind: 'text', text });
  return parts;
}

/** The options of the brace group opening at `start` and its closing index, or undefined when it has no top-level comma or no end. */
function braceGroup(glob: string, start: number): { options: string[]; end: number } | undefined {
  let depth = 0;
  let optionStart = start + 1;
  const options: string[] = [];
  for (let i = start; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '\\') {
      i++;
    } else if (char === '{') {
      depth++;
    } else if (char === '}') {
      depth--;
      if (depth === 0) {
        if (options.length === 0) return undefined;
        options.push(glob.slice(optionStart, i));
        return { options, end: i };
      }
    } else if (char === ',' && depth === 1) {
      options.push(glob.slice(optionStart, i));
      optionStart = i + 1;
    }
  }
  return undefined;
}

/** The index of the `]` closing the class that opens at `start`, or `start` when it is no class. */
function classEnd(glob: string, start: number): number {
  let i = start + 1;
  if (glob[i] === '!' || glob[i] === '^') i++;
  if (glob[i] === ']') i++;
  for (; i < glob.length; i++) {
    if (glob[i] === '\\') i++;
    else if (glob[i] === ']') return i;
    else if (glob[i] === '/') return start;
  }
  return start;
}

function parseSegments(glob: string): Segment[] {
  return glob.split('/').map((segment): Segment => (segment === '**' ? { kind: 'globstar' } : { kind: 'segment', tokens: parseTokens(segment) }));
}

function parseTokens(segment: string): CharToken[] {
  const tokens: CharToken[] = [];
  for (let i = 0; i < segment.length; i++) {
    const char = segment[i]!;
    if (char === '\\' && i + 1 < segment.length) {
      tokens.push({ kind: 'char', char: segment[++i]! });
    } else if (char === '*') {
      // `**` inside a segment is a `*`; consecutive stars are one.
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (char === '?') {
      tokens.push({ kind: 'any' });
    } else if (char === '[' && classEnd(segment, i) > i) {
      const end = classEnd(segment, i);
      tokens.push(parseClass(segment.slice(i + 1, end)));
      i = end;
    } else {
      tokens.push({ kind: 'char', char });
    }
  }
  return tokens;
}

function parseClass(body: string): CharToken {
  let i = 0;
  const negated = body[0] === '!' || body[0] === '^';
  if (negated) i++;
  const items: Array<[string, string]> = [];
  while (i < body.length) {
    let from = body[i]!;
    if (from === '\\' && i + 1 < body.length) from = body[++i]!;
    i++;
    if (body[i] === '-' && i + 1 < body.length) {
      let to = body[i + 1]!;
      i += 2;
      if (to === '\\' && i < body.length) to = body[i++]!;
      items.push([from, to]);
    } else {
      items.push([from, from]);
    }
  }
  return { kind: 'class', negated, items };
}

/** Greedy wildcard matching over segments, `**` the wildcard: one resume point, no backtracking blow-up. */
function matchSegments(pattern: readonly Segment[], segments: readonly string[]): boolean {
  let p = 0;
  let s = 0;
  let resumeP = -1;
  let resumeS = 0;
  while (s < segments.length) {
    const item = pattern[p];
    if (item?.kind === 'globstar') {
      resumeP = p++;
      resumeS = s;
    } else if (item && matchTokens(item.tokens, segments[s]!)) {
      p++;
      s++;
    } else if (resumeP >= 0) {
      p = resumeP + 1;
      s = ++resumeS;
    } else {
      return false;
    }
  }
  while (pattern[p]?.kind === 'globstar') p++;
  return p === pattern.length;
}

/** Greedy wildcard matching over the characters of one segment, `*` the wildcard. */
function matchTokens(tokens: readonly CharToken[], text: string): boolean {
  if (text === '') return tokens.length === 0;
  let t = 0;
  let c = 0;
  let resumeT = -1;
  let resumeC = 0;
  while (c < text.length) {
    const token = tokens[t];
    if (token?.kind === 'star') {
      resumeT = t++;
      resumeC = c;
    } else if (token && matchesChar(token, text[c]!)) {
      t++;
      c++;
    } else if (resumeT >= 0) {
      t = resumeT + 1;
      c = ++resumeC;
    } else {
      return false;
    }
  }
  while (tokens[t]?.kind === 'star') t++;
  return t === tokens.length;
}

function matchesChar(token: CharToken, char: string): boolean {
  switch (token.kind) {
    case 'char':
      return token.char === char;
    case 'any':
      return true;
    case 'class': {
      const inside = token.items.some(([from, to]) => from <= char && char <= to);
      return inside !== token.negated;
    }
    default:
      return false;
  }
}
