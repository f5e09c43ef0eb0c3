/**
 * Length-preserving rewrites of placeholders, tried only when the raw text does not parse,
 * so that every offset found in the rewritten text is valid in the original one.
 */
import { replaceInCode } from './text.js';

const SYNTHETIC = /^_[_0-9]+$/;
/** `queue_stats_${suffix}`: a hole glued to a name leaves its `$N` inside the identifier. */
const GLUED_HOLE = /\$\d/;

/** True for the identifiers that stand in for interpolation holes and identifier bindings, whole or in part. */
export function isSyntheticTableName(name: string): boolean {
  return SYNTHETIC.test(name) || GLUED_HOLE.test(name);
}

function syntheticIdentifier(label: string, width: number): string {
  return `__${label}`.padEnd(width, '_').slice(0, width);
}

// Linear on long runs of padding: `(?=\$)` keeps the lookbehinds from scanning back at every
// position, and `(?=( *))\4` takes the padding atomically instead of backtracking through it.
const IDENTIFIER_HOLE =
  /(?=\$)(?:(?<=\b(?:from|join|into|update|table|only|truncate|references)\s+)|(?<=\.\s*))\$(\d+)( *)|\$(\d+)(?=( *))\4(?=\s*\.)/gi;

/**
 * Callers turn `${…}` holes into `$N` padded with spaces to the hole's width. Where such a hole
 * stands for an identifier (after FROM, JOIN, INTO, …, or next to the `.` of a qualified name),
 * `$N` and its padding become a synthetic identifier such as `__1_`. One space is kept: it may be
 * the separator that followed the hole rather than padding.
 */
export function fillIdentifierHoles(text: string): string {
  return replaceInCode(text, IDENTIFIER_HOLE, (match, n1, pad1, n2, pad2) => {
    const keep = (pad1 ?? pad2 ?? '').length > 0 ? ' ' : '';
    return syntheticIdentifier(n1 ?? n2 ?? '', match.length - keep.length) + keep;
  });
}

// Not glued to a name before it: `queue_stats_$2` is one identifier (PostgreSQL allows `$` inside names).
const ANY_HOLE = /(?<![\w$])\$(\d+)( *)/g;

/**
 * fillIdentifierHoles for the text of a function body: there the holes stand inside the body's quotes,
 * where the outer statement sees only a string (`AS $$ … INSERT INTO ${schema}.bam … $$`).
 */
export function fillIdentifierHolesInBody(text: string): string {
  return text.replace(IDENTIFIER_HOLE, (match, n1, pad1, n2, pad2) => {
    const keep = (pad1 ?? pad2 ?? '').length > 0 ? ' ' : '';
    return syntheticIdentifier(n1 ?? n2 ?? '', match.length - keep.length) + keep;
  });
}

/**
 * The last resort: every `$N` left (a hole or a bind parameter) becomes a synthetic identifier. An
 * identifier parses wherever a value does (`= __1`, `LIMIT __2`), and also where only a name may stand:
 * `DROP SCHEMA ${schema}`, `CREATE DATABASE ${name}`, `LISTEN ${channel}`.
 */
export function fillAllHoles(text: string): string {
  return replaceInCode(text, ANY_HOLE, (match, n, pad) => {
    const keep = (pad ?? '').length > 0 ? ' ' : '';
    return syntheticIdentifier(n ?? '', match.length - keep.length) + keep;
  });
}

/**
 * Another last resort: every `$N` left becomes blank. A hole often stands for an optional piece of
 * the statement (`${whereClause}`, `${extraColumns}`, `${orderBy}`) that may be empty: without it
 * the rest of the statement parses, and its tables are read.
 */
export function blankHoles(text: string): string {
  return replaceInCode(text, VALUE_HOLE, (match) => ' '.repeat(match.length));
}

/** The holes callers make for `${…}` (`$9001` …, see EmbeddedSqlBuilder), not the parameters the code numbered itself. */
const VALUE_HOLE = /(?<![\w$])\$9\d{3}(?!\d)( *)/g;

// `??`, `?`, `:name` and `:name:`, and whether a name character follows at once. Left alone: `::`
// casts and the jsonb operators `?|` and `?&`.
const BINDING = /(\?\?|\?(?![|&])|(?<![:\w]):[A-Za-z_]\w*(?::(?!:))?)(?=([\w$])?)/g;

/**
 * knex `?` → `0`, knex `??` → synthetic identifier, `:name` → `0` padded with spaces,
 * `:name:` (knex's named identifier binding) → synthetic identifier. An identifier binding written
 * right before a name (`:t:select`) keeps a space between the two, as the quoted identifier knex
 * puts there does; `??` has no room for one and becomes a value (the text then rarely parses),
 * never a name glued to the next word.
 */
export function normalizePlaceholders(text: string): string {
  return replaceInCode(text, BINDING, (match, _binding, glued) => {
    if (match === '?') return '0';
    if (match === '??') return glued ? '0 ' : '__';
    if (!match.endsWith(':')) return '0'.padEnd(match.length, ' ');
    return glued ? `${'_'.repeat(match.length - 1)} ` : '_'.repeat(match.length);
  });
}
