/**
 * Embedded SQL as the analyser sees it, with a map back to file offsets.
 *
 * Literal text is copied from the source with the same length, so most offsets map 1:1:
 * escapes are replaced by same-length stand-ins and `${…}` holes by `$N` padded with spaces.
 * Concatenations (`'SELECT …' + 'FROM t'`) are several segments, each with its own file offset.
 */
export interface SqlSegment {
  sqlStart: number;
  fileStart: number;
  length: number;
}

export class EmbeddedSql {
  constructor(
    readonly text: string,
    private readonly segments: SqlSegment[],
  ) {}

  /** File offset of a UTF-16 offset inside the SQL text. */
  toFileOffset(sqlOffset: number): number {
    let best = this.segments[0]!;
    for (const segment of this.segments) {
      if (segment.sqlStart <= sqlOffset) best = segment;
      else break;
    }
    return best.fileStart + Math.min(sqlOffset - best.sqlStart, best.length);
  }

  get fileStart(): number {
    return this.segments[0]?.fileStart ?? 0;
  }
}

export class EmbeddedSqlBuilder {
  private text = '';
  private readonly segments: SqlSegment[] = [];
  private holes = 0;

  /** Appends raw literal source text (between the quotes), neutralising escapes without changing length. */
  literal(rawSource: string, fileStart: number): this {
    this.segments.push({ sqlStart: this.text.length, fileStart, length: rawSource.length });
    this.text += neutraliseEscapes(rawSource);
    return this;
  }

  /** Appends a value hole (an interpolation or a non-literal operand) of the given source length. */
  hole(sourceLength: number, fileStart: number): this {
    this.holes++;
    const placeholder = `$${this.holes}`;
    const padded = placeholder.padEnd(Math.max(sourceLength, placeholder.length), ' ');
    this.segments.push({ sqlStart: this.text.length, fileStart, length: sourceLength });
    this.text += padded;
    return this;
  }

  build(): EmbeddedSql {
    return new EmbeddedSql(this.text, this.segments);
  }
}

/** `\'` → `''`, `\n` → two spaces and so on: same length, so offsets survive, and SQL still parses. */
function neutraliseEscapes(raw: string): string {
  if (!raw.includes('\\')) return raw;
  return raw.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[\s\S])/g, (match, escaped: string) => {
    if (escaped === "'") return "''";
    if (escaped === '\\') return '\\\\';
    if (escaped === '`' || escaped === '"' || escaped === '$') return ' ' + escaped;
    return ' '.repeat(match.length);
  });
}
