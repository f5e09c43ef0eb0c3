/**
 * Untrusted text made inert for each output that people and machines read: file names, table and
 * domain names, source lines, messages that quote SQL or the map. In a pull request all of them are
 * the author's to choose, so none may move the cursor, recolour or retitle a terminal, start a
 * GitHub Actions workflow command, or render as a link, an image or a mention in Markdown.
 */

/** Control characters (C0, DEL, C1), invisible format characters (bidi overrides, zero-width) and line/paragraph separators. */
const UNSAFE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

/** Each unsafe character as a visible escape: `\x1b`, `\u202e`, `\u{e0001}`. */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, (char) => {
    const code = char.codePointAt(0)!;
    if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
    if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
    return `\\u{${code.toString(16)}}`;
  });
}

/**
 * Text for a terminal or a CI log. Besides control characters: the GitHub Actions runner reads a
 * line as a workflow command when it holds `##[name]` anywhere (the old syntax, still parsed), so
 * that opening bracket is escaped too. See plainLineStart for the `::name::` syntax.
 */
export function plain(text: string): string {
  return escapeControls(text).replaceAll('##[', '##\\x5b');
}

/**
 * Plain text that may begin a line: the runner also reads a line as a workflow command when it
 * starts with `::` after leading white space, so a leading colon is escaped as well.
 */
export function plainLineStart(text: string): string {
  return plain(text).replace(/^(\s*):/u, '$1\\x3a');
}

/** At most `max` characters of a display string, marked where cut: a reporter never copies a megabyte of minified source. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Untrusted text as a Markdown code span, fit for a table cell: rendered literally, so no link,
 * image, HTML, mention or reference can come out of it. Backtick runs inside get a longer fence; a
 * pipe, which splits table cells even inside code spans, is escaped as `\x7c`.
 */
export function markdownCode(text: string): string {
  const content = plain(text).replaceAll('|', '\\x7c');
  const longestRun = Math.max(0, ...(content.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  // A space on each side keeps a backtick at either end from joining the fence (CommonMark strips one).
  return /^[` ]|[` ]$/.test(content) ? `${fence} ${content} ${fence}` : `${fence}${content}${fence}`;
}

/**
 * Untrusted prose for Markdown outside code: every character that can open emphasis, a link, an
 * image, HTML, an entity, math or an autolink (`:` of a scheme, `.` of `www.`) backslash-escaped, a
 * pipe as an entity (it would split a table cell), and a word joiner after `@` and `#`, which GitHub
 * would otherwise turn into a mention or an issue reference even when escaped.
 */
export function markdownText(text: string): string {
  return plain(text).replace(/[\\`*_[\]()<>!&|~#@:.$]/g, (char) => {
    if (char === '|') return '&#124;';
    if (char === '@' || char === '#') return `\\${char}\u2060`;
    return `\\${char}`;
  });
}
