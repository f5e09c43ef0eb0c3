/**
 * `.sql` files are psql scripts. This makes one plain SQL for the parser, without moving a character:
 * every offset in the result is the same offset in the script.
 *
 * - psql variables become holes that say what they stand for: `:'VAR'` a string literal, `:"VAR"` a
 *   quoted identifier, `:VAR` an identifier (which parses wherever a value does, and is a table's
 *   schema in `:SCHEMA.jobs`). They are never rewritten into a token that could name a real table:
 *   the identifiers are made of underscores, the names SQL analysis knows as holes.
 * - Backslash meta-commands (`\set`, `\i file`, `\connect`, `\gset` …) run to the end of their line
 *   and are blanked.
 * - The data rows after `COPY … FROM stdin;` up to the `\.` line are data, not SQL, and are blanked.
 *
 * Quoted strings, quoted identifiers, dollar-quoted bodies and comments are left as they are: psql
 * substitutes no variable inside them.
 */

/** The characters where something psql-specific, a quote or a comment may begin. */
const SPECIAL = /[-/'"$\\:;]/g;
const COPY_FROM_STDIN = /\bcopy\b[^;]*\bfrom\s+stdin\b[^;]*;$/i;

export function psqlScriptAsSql(script: string): string {
  if (!/[:\\]/.test(script)) return script;
  const out: string[] = [];
  let i = 0;
  let statementStart = 0;
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to; k++) out.push(script[k] === '\n' || script[k] === '\r' ? script[k]! : ' ');
  };
  const copy = (from: number, to: number): void => {
    out.push(script.slice(from, to));
  };
  while (i < script.length) {
    const c = script[i]!;
    const next = script[i + 1];
    if (c === '-' && next === '-') {
      const end = lineEnd(script, i);
      copy(i, end);
      i = end;
    } else if (c === '/' && next === '*') {
      const end = blockCommentEnd(script, i);
      copy(i, end);
      i = end;
    } else if (c === "'") {
      const escapes = i > 0 && /[eE]/.test(script[i - 1]!) && (i < 2 || !/\w/.test(script[i - 2]!));
      const end = quotedEnd(script, i, "'", escapes);
      copy(i, end);
      i = end;
    } else if (c === '"') {
      const end = quotedEnd(script, i, '"', false);
      copy(i, end);
      i = end;
    } else if (c === '$' && (i === 0 || !/[\w$]/.test(script[i - 1]!))) {
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(script.slice(i, i + 66));
      if (tag) {
        const close = script.indexOf(tag[0], i + tag[0].length);
        const end = close < 0 ? script.length : close + tag[0].length;
        copy(i, end);
        i = end;
      } else {
        copy(i, i + 1);
        i++;
      }
    } else if (c === '\\') {
      // A meta-command runs to the end of the line (`\\` ends it early, but what follows is psql's too).
      const end = lineEnd(script, i);
      blank(i, end);
      i = end;
    } else if (c === ':' && next !== ':' && (i === 0 || script[i - 1] !== ':')) {
      const variable = /^:(?:'[A-Za-z_][A-Za-z0-9_]*'|"[A-Za-z_][A-Za-z0-9_]*"|[A-Za-z_][A-Za-z0-9_]*)/.exec(script.slice(i, i + 130));
      if (variable) {
        const text = variable[0];
        const inner = '_'.repeat(text.length - 2);
        out.push(text[1] === "'" ? `'${inner}'` : text[1] === '"' ? `"${inner}"` : '_'.repeat(text.length));
        i += text.length;
      } else {
        copy(i, i + 1);
        i++;
      }
    } else if (c === ';') {
      copy(i, i + 1);
      i++;
      if (COPY_FROM_STDIN.test(script.slice(statementStart, i))) {
        // Data rows start on the next line and end with the line `\.`.
        const dataStart = lineEnd(script, i);
        const terminator = /^\\\.[ \t]*$/m;
        const rest = script.slice(dataStart);
        const found = terminator.exec(rest);
        const dataEnd = found ? dataStart + found.index + found[0].length : script.length;
        copy(i, dataStart);
        blank(dataStart, dataEnd);
        i = dataEnd;
      }
      statementStart = i;
    } else {
      SPECIAL.lastIndex = i + 1;
      const end = SPECIAL.exec(script)?.index ?? script.length;
      copy(i, end);
      i = end;
    }
  }
  return out.join('');
}

function lineEnd(text: string, from: number): number {
  const end = text.indexOf('\n', from);
  return end < 0 ? text.length : end;
}

function blockCommentEnd(text: string, from: number): number {
  // PostgreSQL block comments nest.
  let depth = 0;
  let i = from;
  while (i < text.length) {
    if (text[i] === '/' && text[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (text[i] === '*' && text[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return text.length;
}

function quotedEnd(text: string, from: number, quote: string, backslashEscapes: boolean): number {
  let i = from + 1;
  while (i < text.length) {
    const c = text[i];
    if (backslashEscapes && c === '\\') i += 2;
    else if (c === quote) {
      if (text[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return text.length;
}
