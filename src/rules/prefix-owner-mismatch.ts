import { at, displayTable, type Rule, type RuleFinding } from './rule.js';

/** A domain creating a table under another domain's owner-visible prefix claims what is not its own. */
export const prefixOwnerMismatch: Rule = {
  id: 'prefix-owner-mismatch',
  check({ facts, domain, map }) {
    if (!domain) return [];
    const findings: RuleFinding[] = [];
    for (const access of facts.accesses) {
      if (access.operation !== 'create' || access.synthetic) continue;
      const prefixOwner = map.prefixOwner(access.table.name);
      if (!prefixOwner || prefixOwner.domain === domain) continue;
      findings.push({
        ...at(access),
        message:
          `${domain} code creates ${displayTable(access.table)}, named with ${prefixOwner.domain}'s prefix ${prefixOwner.prefix}. ` +
          `Use one of ${domain}'s prefixes (${map.domain(domain)?.prefixes.join(', ') || 'none declared'}) or move the migration to ${prefixOwner.domain}.`,
        file: facts.file,
        domain,
        table: displayTable(access.table),
        owner: prefixOwner.domain,
        operation: 'create',
        enclosingFunction: access.enclosingFunction,
      });
    }
    return findings;
  },
};
