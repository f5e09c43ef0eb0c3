import { at, displayTable, guardRuleSentence, ownershipPhrase, verb, who, type Rule, type RuleFinding } from './rule.js';
import { restrictedRulesCovering } from './restricted-tables.js';

/** Seed rule 1: a package queries only tables owned by its domain. */
export const crossDomainQuery: Rule = {
  id: 'cross-domain-query',
  check({ facts, domain, map, mapLocation }) {
    if (!domain) return [];
    const findings: RuleFinding[] = [];
    for (const access of facts.accesses) {
      // CREATE TABLE is judged by unprefixed-table and prefix-owner-mismatch; a REFERENCES clause is not a query.
      if (access.synthetic || access.operation === 'reference' || access.operation === 'create') continue;
      const owner = map.ownerOfTable(access.table);
      if (!owner || owner.domain === domain) continue;
      if (access.operation === 'read' && owner.family?.readers.includes(domain)) continue;
      // Where the map declares a dependency chain (seed 001), reads follow it: downward ones are allowed,
      // and dependency-direction reports the others, so they are not reported twice.
      if (access.operation === 'read' && map.dependencyVerdict(domain, owner.domain) !== undefined) continue;
      // A restricted-table rule (ledger-write, audit-write …) speaks for this table at this site.
      if (restrictedRulesCovering(map, access.table, access.operation).length > 0) continue;
      const related = owner.family ? mapLocation('family', owner.family.id) : undefined;
      findings.push({
        ...at(access),
        message: `${who(domain)} ${verb(access.operation)} ${displayTable(access.table)}, which belongs to another domain (${ownershipPhrase(owner)}).${guardRuleSentence(owner)}`,
        file: facts.file,
        domain,
        table: displayTable(access.table),
        family: owner.family?.id,
        owner: owner.domain,
        operation: access.operation,
        enclosingFunction: access.enclosingFunction,
        related: related ? [related] : undefined,
      });
    }
    return findings;
  },
};
