/**
 * Finds `schema-guard-ignore-next-line` comments by scanning raw lines: the marker counts only in a
 * comment that opens its line. `//` in TypeScript/JavaScript; `--` in .sql files and in SQL embedded
 * in TypeScript templates.
 */
import type { SuppressionFact } from '../facts/types.js';

export const SUPPRESSION_MARKER = 'schema-guard-ignore-next-line';

const COMMENT_OPENERS: Record<'typescript' | 'sql', RegExp> = {
  typescript: /^(\s*)(?:\/\/|--)\s*schema-guard-ignore-next-line(?=\s|$)(.*)$/,
  sql: /^(\s*)--\s*schema-guard-ignore-next-line(?=\s|$)(.*)$/,
};

export function findSuppressionComments(text: string, language: 'typescript' | 'sql'): SuppressionFact[] {
  const lines = text.split(/\r\n|\r|\n/);
  const matches = lines.map((line) => COMMENT_OPENERS[language].exec(line));
  const found: SuppressionFact[] = [];
  matches.forEach((match, index) => {
    if (!match) return;
    let target = index + 1;
    while (matches[target]) target++;
    found.push({
      ...parseBody(match[2]!),
      targetLine: target + 1,
      line: index + 1,
      column: match[1]!.length + 1,
      endLine: index + 1,
      endColumn: lines[index]!.length + 1,
    });
  });
  return found;
}

/** `rule-a, rule-b -- why`: rule ids split on commas or spaces, the reason after the first ` -- `. */
function parseBody(body: string): { rules: string[]; reason: string } {
  const separator = /\s--(?=\s|$)/.exec(body);
  const ids = separator ? body.slice(0, separator.index) : body;
  const reason = separator ? body.slice(separator.index + separator[0].length).trim() : '';
  return { rules: ids.split(/[\s,]+/).filter(Boolean), reason };
}
