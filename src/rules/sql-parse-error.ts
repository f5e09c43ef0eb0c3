import { at, type Rule } from './rule.js';

/** SQL that could not be parsed is not analysed: say so instead of passing silently. */
export const sqlParseError: Rule = {
  id: 'sql-parse-error',
  check({ facts, domain }) {
    return facts.sqlErrors.map((error) => ({
      ...at(error),
      message: `SQL in a query position could not be parsed, so its table accesses were not checked: ${error.message}.`,
      file: facts.file,
      domain: domain ?? null,
      enclosingFunction: error.enclosingFunction,
    }));
  },
};
