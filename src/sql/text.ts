/**
 * Lexical helpers over raw SQL text. They only need to tell code from strings, quoted
 * identifiers, dollar-quoted strings and comments, so they are far simpler than a parser.
 */

export interface Region {
  start: number;
  end: number;
  /** False for strings, quoted identifiers, dollar-quoted strings and comments. */
  code: boolean;
}

export function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
}

const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;

/** End (exclusive) of the quoted text starting at `i`; `''` / `""` doubling, optional backslash escapes. */
function quotedEnd(text: string, i: number, quote: string, backslash: boolean): number {
  let j = i + 1;
  while (j < text.length) {
    const c = text[j];
    if (backslash && c === '\\') j += 2;
    else if (c !== quote) j++;
    else if (text[j + 1] === quote) j += 2;
    else return j + 1;
  }
  return text.length;
}

/** End of the literal or comment starting at `i`, or undefined when code starts there. */
function literalEnd(text: string, i: number): number | undefined {
  const c = text[i];
  const next = text[i + 1];
  if (c === '-' && next === '-') {
    const eol = text.indexOf('\n', i);
    return eol < 0 ? text.length : eol;
  }
  if (c === '/' && next === '*') {
    let depth = 0; // PostgreSQL block comments nest
    for (let j = i; j < text.length; j++) {
      if (text[j] === '/' && text[j + 1] === '*') { depth++; j++; }
      else if (text[j] === '*' && text[j + 1] === '/') { j++; if (--depth === 0) return j + 1; }
    }
    return text.length;
  }
  if (c === "'") {
    const escaped = (text[i - 1] === 'e' || text[i - 1] === 'E') && !isIdentChar(text[i - 2]);
    return quotedEnd(text, i, "'", escaped);
  }
  if (c === '"') return quotedEnd(text, i, '"', false);
  if (c === '$' && !isIdentChar(text[i - 1])) {
    DOLLAR_TAG.lastIndex = i;
    const tag = DOLLAR_TAG.exec(text)?.[0];
    if (tag === undefined) return undefined;
    const close = text.indexOf(tag, i + tag.length);
    return close < 0 ? text.length : close + tag.length;
  }
  return undefined;
}

export function lexRegions(text: string): Region[] {
  const regions: Region[] = [];
  const push = (start: number, end: number, code: boolean): void => {
    if (end > start) regions.push({ start, end, code });
  };
  let codeStart = 0;
  let i = 0;
  while (i < text.length) {
    const end = literalEnd(text, i);
    if (end === undefined) { i++; continue; }
    push(codeStart, i, true);
    push(i, end, false);
    codeStart = i = end;
  }
  push(codeStart, text.length, true);
  return regions;
}

const UNTERMINATED: Record<string, string> = {
  "'": 'unterminated quoted string',
  '"': 'unterminated quoted identifier',
  $: 'unterminated dollar-quoted string',
  '/': 'unterminated /* comment',
};

/** The literal or block comment that never closes (it runs to the end of the text), with PostgreSQL's words for it. */
export function unterminatedLiteral(text: string): { offset: number; message: string } | undefined {
  const last = lexRegions(text).at(-1);
  if (!last || last.code || last.end < text.length || text[last.start] === '-') return undefined;
  // Closed right at the end, a literal keeps its end when a character follows; an open one runs on.
  if (literalEnd(text + ' ', last.start)! <= text.length) return undefined;
  return { offset: last.start, message: UNTERMINATED[text[last.start]!]! };
}

/** Apply a length-preserving regex replacement to the code regions of `text` only. */
export function replaceInCode(
  text: string,
  pattern: RegExp,
  replace: (match: string, ...groups: Array<string | undefined>) => string,
): string {
  let out = '';
  for (const r of lexRegions(text)) {
    const part = text.slice(r.start, r.end);
    out += r.code ? part.replace(pattern, replace) : part;
  }
  return out;
}

/** Skip whitespace and comments. */
export function skipTrivia(text: string, pos: number): number {
  let i = pos;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    const c = text[i];
    if ((c === '-' && text[i + 1] === '-') || (c === '/' && text[i + 1] === '*')) i = literalEnd(text, i)!;
    else return i;
  }
}

function identifierEnd(text: string, pos: number): number {
  if (text[pos] === '"') return quotedEnd(text, pos, '"', false);
  let i = pos;
  while (isIdentChar(text[i])) i++;
  return i;
}

/** Start and end of each part of the (possibly schema-qualified, possibly quoted) name starting at `pos`. */
function nameParts(text: string, pos: number): Array<{ start: number; end: number }> {
  const parts: Array<{ start: number; end: number }> = [];
  for (let start = pos; ; ) {
    const end = identifierEnd(text, start);
    if (end === start) return parts;
    parts.push({ start, end });
    let j = end;
    while (/\s/.test(text[j] ?? '')) j++;
    if (text[j] !== '.') return parts;
    j++;
    while (/\s/.test(text[j] ?? '')) j++;
    start = j;
  }
}

/** End of the (possibly schema-qualified, possibly quoted) name starting at `pos`. */
export function qualifiedNameEnd(text: string, pos: number): number {
  return nameParts(text, pos).at(-1)?.end ?? pos;
}

/** Each part of the name starting at `pos` as PostgreSQL reads a quoted identifier (the text between its quotes, `""` as `"`); undefined for a part not quoted. */
export function quotedNameParts(text: string, pos: number): Array<string | undefined> {
  return nameParts(text, pos).map(({ start, end }) =>
    text[start] === '"' && end - start >= 2 && text[end - 1] === '"' ? text.slice(start + 1, end - 1).replaceAll('""', '"') : undefined,
  );
}

export interface Piece {
  start: number;
  text: string;
}

/**
 * Split on `;` outside literals and comments, keeping a `BEGIN ATOMIC … END` body together.
 * Pieces holding nothing but whitespace and comments are dropped.
 */
export function splitStatements(text: string): Piece[] {
  const pieces: Piece[] = [];
  let start = 0;
  // Whether the current piece holds BEGIN ATOMIC, searched once per piece: rescanning the
  // growing piece at every `;` made a long unterminated body quadratic.
  let atomic = false;
  const push = (end: number): void => {
    const piece = text.slice(start, end);
    if (skipTrivia(piece, 0) < piece.length) pieces.push({ start, text: piece });
    start = end + 1;
    atomic = false;
  };
  for (const r of lexRegions(text)) {
    if (!r.code) continue;
    for (let i = r.start; i < r.end; i++) {
      if (text[i] !== ';') continue;
      if (!atomic) atomic = /\bbegin\s+atomic\b/i.test(text.slice(start, i));
      if (atomic && !endsWithEnd(text, start, i)) continue;
      push(i);
    }
  }
  push(text.length);
  return pieces;
}

/** True when `text` between `start` and `end` ends with the keyword END, then whitespace only. */
function endsWithEnd(text: string, start: number, end: number): boolean {
  let j = end;
  while (j > start && /\s/.test(text[j - 1]!)) j--;
  return j - start >= 3 && text.slice(j - 3, j).toLowerCase() === 'end' && (j - 4 < start || !/\w/.test(text[j - 4]!));
}

/** Maps UTF-8 byte offsets (what libpg-query reports) to UTF-16 offsets of `text`. */
export function byteToUtf16(text: string): (byte: number) => number {
  if (!/[^\x00-\x7f]/.test(text)) return (byte) => Math.min(Math.max(byte, 0), text.length);
  const size = Buffer.byteLength(text);
  const map = new Uint32Array(size + 1);
  let b = 0;
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i)!;
    const bytes = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    map.fill(i, b, b + bytes);
    b += bytes;
    i += cp > 0xffff ? 2 : 1;
  }
  map[size] = text.length;
  return (byte) => map[Math.min(Math.max(byte, 0), size)]!;
}

/** Maps code point offsets (libpg-query's error cursor) to UTF-16 offsets of `text`. */
export function codePointToUtf16(text: string): (codePoint: number) => number {
  if (!/[\ud800-\udfff]/.test(text)) return (cp) => Math.min(Math.max(cp, 0), text.length);
  const map: number[] = [];
  for (let i = 0; i < text.length; i += text.codePointAt(i)! > 0xffff ? 2 : 1) map.push(i);
  map.push(text.length);
  return (cp) => map[Math.min(Math.max(cp, 0), map.length - 1)]!;
}

/** A function body string literal, with a map from positions in its value to positions in the SQL text. */
export interface BodyText {
  value: string;
  toOuter(index: number): number;
}

/**
 * Locate the literal holding `value` at `from` (optionally preceded by AS), e.g. `AS $$…$$` or `'…'`.
 * Dollar quotes and plain strings without doubled quotes map one to one; `''` is mapped precisely.
 */
export function locateBody(text: string, from: number, value: string): BodyText {
  let pos = skipTrivia(text, from);
  if (/^as\b/i.test(text.slice(pos, pos + 3))) pos = skipTrivia(text, pos + 2);
  const direct = text.indexOf(value, pos);
  if (text[pos] === "'" && direct !== pos + 1) {
    const positions: number[] = [];
    let j = pos + 1;
    while (j < text.length && positions.length < value.length) {
      positions.push(j);
      j += text[j] === "'" ? 2 : 1;
    }
    positions.push(j);
    return { value, toOuter: (i) => positions[Math.min(Math.max(i, 0), positions.length - 1)]! };
  }
  const start = direct >= 0 ? direct : pos;
  return { value, toOuter: (i) => start + i };
}
