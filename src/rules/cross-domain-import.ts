import { at, type Rule, type RuleFinding } from './rule.js';

/** Domains talk through each other's package entry, not by reaching into internals. */
export const crossDomainImport: Rule = {
  id: 'cross-domain-import',
  check({ facts, domain, map, packageEntriesOf }) {
    if (!domain) return [];
    const findings: RuleFinding[] = [];
    for (const fact of facts.imports) {
      if (!fact.resolved || fact.typeOnly) continue;
      const target = map.domainOfFile(fact.resolved);
      if (!target || target === domain) continue;
      const entries = packageEntriesOf(fact.resolved) ?? [];
      if (entries.includes(fact.resolved)) continue;
      findings.push({
        ...at(fact),
        message:
          `${domain} code imports '${fact.specifier}', an internal file of ${target} (${fact.resolved}). ` +
          `Import ${target}'s package entry${entries[0] ? ` (${entries[0]})` : ''} instead, or use an API, read model or event.`,
        file: facts.file,
        domain,
        owner: target,
        specifier: fact.specifier,
      });
    }
    return findings;
  },
};
