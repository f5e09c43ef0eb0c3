/**
 * Embedded SQL as the analyser sees it, with a map back to file offsets.
 *
 * Literal text is the string's value, as the database receives it: runs without escapes map 1:1,
 * and each escape (`\'`, `\"`, `\n`) is a segment of its own that maps to where it is written.
 * `${…}` holes become `$9001`, `$9002` … padded with spaces to the hole's length. Concatenations
 * (`'SELECT …' + 'FROM t'`) are several segments, each with its own file offset.
 */
export interface SqlSegment {
  sqlStart: number;
  sqlLength: number;
  fileStart: number;
  /** Equal to sqlLength for text copied as written; an escape is longer in the file than in the SQL. */
  fileLength: number;
  /** Set for a piece the code computes at run time (`${…}`): its placeholder is schema-guard's, not the code's. */
  hole?: true;
}

export class EmbeddedSql {
  constructor(
    readonly text: string,
    private readonly segments: SqlSegment[],
  ) {}

  /** File offset of a UTF-16 offset inside the SQL text (of the start of an escape inside one). */
  toFileOffset(sqlOffset: number): number {
    const segment = this.segmentAt(sqlOffset);
    return segment.fileStart + Math.min(Math.max(sqlOffset - segment.sqlStart, 0), segment.fileLength);
  }

  /** File offset just after the SQL text that ends at `sqlEnd`: after the whole escape when it ends with one. */
  toFileEnd(sqlEnd: number): number {
    if (sqlEnd <= 0) return this.toFileOffset(0);
    const segment = this.segmentAt(sqlEnd - 1);
    if (segment.sqlLength !== segment.fileLength) return segment.fileStart + segment.fileLength;
    return segment.fileStart + Math.min(sqlEnd - segment.sqlStart, segment.fileLength);
  }

  /** The file range of the piece of code at `sqlOffset`: for a hole, the whole `${…}` it stands for. */
  fileRangeAt(sqlOffset: number): { start: number; end: number } {
    const segment = this.segmentAt(sqlOffset);
    return { start: segment.fileStart, end: segment.fileStart + segment.fileLength };
  }

  /** True when `sqlOffset` falls in a piece computed at run time. */
  isHoleAt(sqlOffset: number): boolean {
    return this.segmentAt(sqlOffset).hole === true;
  }

  /** The last segment starting at or before `sqlOffset` (segments are in SQL order). */
  private segmentAt(sqlOffset: number): SqlSegment {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.segments[mid]!.sqlStart <= sqlOffset) lo = mid;
      else hi = mid - 1;
    }
    return this.segments[lo]!;
  }

  /**
   * The text as a query expression (`SELECT <text>`): how a fragment such as sql`count(*)` or
   * `raw('COUNT(*) AS n')` is read. The prefix maps to where the text starts.
   */
  asExpression(): EmbeddedSql {
    const prefix = 'SELECT ';
    const start = this.fileStart;
    return new EmbeddedSql(prefix + this.text, [
      { sqlStart: 0, sqlLength: prefix.length, fileStart: start, fileLength: 0 },
      ...this.segments.map((segment) => ({ ...segment, sqlStart: segment.sqlStart + prefix.length })),
    ]);
  }

  get fileStart(): number {
    return this.segments[0]?.fileStart ?? 0;
  }
}

export class EmbeddedSqlBuilder {
  private text = '';
  private readonly segments: SqlSegment[] = [];
  private holes = 0;

  /** Appends raw literal source text (between the quotes) as its value: escapes decoded, each placed where it is written. */
  literal(rawSource: string, fileStart: number): this {
    let plainStart = 0;
    for (const escape of rawSource.matchAll(ESCAPE)) {
      this.plain(rawSource.slice(plainStart, escape.index), fileStart + plainStart);
      const value = decodeEscape(escape[1]!);
      this.segments.push({ sqlStart: this.text.length, sqlLength: value.length, fileStart: fileStart + escape.index, fileLength: escape[0].length });
      this.text += value;
      plainStart = escape.index + escape[0].length;
    }
    this.plain(rawSource.slice(plainStart), fileStart + plainStart);
    return this;
  }

  private plain(text: string, fileStart: number): void {
    if (text === '' && this.segments.length > 0) return;
    this.segments.push({ sqlStart: this.text.length, sqlLength: text.length, fileStart, fileLength: text.length });
    this.text += text;
  }

  /** Appends a value hole (an interpolation or a non-literal operand) of the given source length. */
  hole(sourceLength: number, fileStart: number): this {
    this.holes++;
    // Numbered from HOLE_BASE, so that SQL analysis can tell a hole from the `$1` the code wrote itself.
    const number = HOLE_BASE + Math.min(this.holes, 999);
    // After a `$` the code writes itself (`$${index}`, a numbered parameter), the number alone completes it: `$$9001` would open a dollar quote.
    const placeholder = this.text.endsWith('$') ? `${number}` : `$${number}`;
    const padded = placeholder.padEnd(Math.max(sourceLength, placeholder.length), ' ');
    this.segments.push({ sqlStart: this.text.length, sqlLength: padded.length, fileStart, fileLength: sourceLength, hole: true });
    this.text += padded;
    return this;
  }

  /** Appends text the code does not write but stands for (`${users}` → `"users"`), placed over its `${…}`. */
  substitute(text: string, fileStart: number, sourceLength: number): this {
    this.segments.push({ sqlStart: this.text.length, sqlLength: text.length, fileStart, fileLength: sourceLength });
    this.text += text;
    return this;
  }

  /** Appends a hole that stands for a list of values (`${sql.join(rows)}`): `($9001)`, which reads as one wherever a list does. */
  listHole(sourceLength: number, fileStart: number): this {
    this.holes++;
    const placeholder = `($${HOLE_BASE + Math.min(this.holes, 999)})`;
    const padded = placeholder.padEnd(Math.max(sourceLength, placeholder.length), ' ');
    this.segments.push({ sqlStart: this.text.length, sqlLength: padded.length, fileStart, fileLength: sourceLength, hole: true });
    this.text += padded;
    return this;
  }

  /**
   * Appends a hole that stands for a name (`${sql.id(schema)}`): an identifier of underscores and the
   * hole's number, which SQL analysis knows as unknowable, padded to the hole's source length.
   */
  identifierHole(sourceLength: number, fileStart: number): this {
    this.holes++;
    const name = `__${this.holes}`;
    const padded = name.padEnd(Math.max(sourceLength, name.length), '_');
    this.segments.push({ sqlStart: this.text.length, sqlLength: padded.length, fileStart, fileLength: sourceLength, hole: true });
    this.text += padded;
    return this;
  }

  build(): EmbeddedSql {
    return new EmbeddedSql(this.text, this.segments);
  }
}

/** Value holes are `$9001`, `$9002` …: parameters a statement written by hand does not number. */
export const HOLE_BASE = 9000;

const ESCAPE = /\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|[\s\S])/g;
const SINGLE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', '0': ' ' };

/**
 * The value of one JavaScript escape (what follows the backslash). `\0` becomes a space: a NUL
 * would end the text for libpg-query. A line continuation is nothing.
 */
function decodeEscape(escaped: string): string {
  if (/^[ux]/.test(escaped) && escaped.length > 1) {
    const codePoint = Number.parseInt(escaped.replace(/^u\{?|^x|\}$/g, ''), 16);
    return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : ' ';
  }
  if (/^(\r\n|[\n\r\u2028\u2029])$/.test(escaped)) return '';
  return SINGLE_ESCAPES[escaped] ?? escaped;
}
