import type { Rule } from './rule.js';

/**
 * A file in scope that could not be analysed has no facts, so every other rule passes it: fail
 * closed, with a finding at the level the map gives (`fileNotAnalysed.level`, error by default).
 */
export const fileNotAnalysed: Rule = {
  id: 'file-not-analysed',
  check({ facts, domain, map }) {
    if (facts.notAnalysed === undefined) return [];
    return [
      {
        line: 1,
        column: 1,
        message: `This file was not analysed, so no rule checked it: ${facts.notAnalysed}.`,
        file: facts.file,
        domain: domain ?? null,
        // A map snapshot written by an older build may lack the field.
        level: map.map.fileNotAnalysed?.level ?? 'error',
      },
    ];
  },
};
