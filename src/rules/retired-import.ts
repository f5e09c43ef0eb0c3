import { at, type Rule, type RuleFinding } from './rule.js';

/** Seed exception list: retired packages/services/* imports are fix-now import-boundary drift. */
export const retiredImport: Rule = {
  id: 'retired-import',
  check({ facts, domain, map }) {
    const findings: RuleFinding[] = [];
    const own = map.retiredFolderOf(facts.file);
    for (const fact of facts.imports) {
      if (!fact.resolved) continue;
      const retired = map.retiredFolderOf(fact.resolved);
      if (!retired || retired === own) continue;
      findings.push({
        ...at(fact),
        message: `Import '${fact.specifier}' resolves into retired ${retired.folder} (${fact.resolved}): ${retired.reason}`,
        file: facts.file,
        domain: domain ?? null,
        specifier: fact.specifier,
      });
    }
    return findings;
  },
};
