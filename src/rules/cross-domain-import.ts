import { at, type Rule, type RuleFinding } from './rule.js';

/**
 * Domains talk through each other's ways in (the package entry, the `entry:` files, a folder's index
 * file), not by reaching into internals.
 */
export const crossDomainImport: Rule = {
  id: 'cross-domain-import',
  check({ facts, domain, map, packageEntriesOf, domainEntriesOf }) {
    if (!domain) return [];
    const findings: RuleFinding[] = [];
    for (const fact of facts.imports) {
      if (!fact.resolved || fact.typeOnly) continue;
      const target = map.domainOfFile(fact.resolved);
      if (!target || target === domain) continue;
      const packageEntries = packageEntriesOf(fact.resolved) ?? [];
      const entries = domainEntriesOf(target);
      if (packageEntries.includes(fact.resolved) || entries.includes(fact.resolved)) continue;
      // What to import instead: never a file of the importer's own domain, nor the importing file.
      const owned = (file: string) => map.domainOfFile(file) === target;
      const unowned = (file: string) => map.domainOfFile(file) === undefined;
      const instead = [...entries, ...packageEntries.filter(owned), ...packageEntries.filter(unowned)].find((file) => file !== facts.file);
      findings.push({
        ...at(fact),
        message:
          `${domain} code imports '${fact.specifier}', an internal file of ${target} (${fact.resolved}). ` +
          (instead
            ? `Import ${target}'s entry ${instead} instead, or use an API, read model or event.`
            : `Import ${target}'s public entry instead (the map's \`entry:\` for ${target} names it), or use an API, read model or event.`),
        file: facts.file,
        domain,
        owner: target,
        specifier: fact.specifier,
      });
    }
    return findings;
  },
};
