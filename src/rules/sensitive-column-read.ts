import { at, displayTable, who, type Rule, type RuleFinding } from './rule.js';

/** Secrets and credentials stay with the domain that owns them: nobody else selects them. */
export const sensitiveColumnRead: Rule = {
  id: 'sensitive-column-read',
  check({ facts, domain, map }) {
    const findings: RuleFinding[] = [];
    for (const access of facts.accesses) {
      if (access.synthetic || !access.selected?.length) continue;
      const star = access.selected.includes('*');
      for (const grant of map.sensitiveColumnsOf(access.table)) {
        if (grant.owner !== undefined && grant.owner === domain) continue;
        const columns = star ? grant.columns : grant.columns.filter((c) => access.selected!.includes(c));
        if (columns.length === 0) continue;
        const name = displayTable(access.table);
        findings.push({
          ...at(access),
          message:
            `${who(domain)} selects ${columns.map((c) => `${name}.${c}`).join(', ')}${star ? ' through *' : ''}, ` +
            `which the map marks sensitive: ${grant.owner ? `only ${grant.owner} may select ${columns.length > 1 ? 'them' : 'it'}` : 'no domain may select it'}.`,
          file: facts.file,
          domain: domain ?? null,
          table: name,
          owner: grant.owner,
          operation: access.operation,
          enclosingFunction: access.enclosingFunction,
        });
      }
    }
    return findings;
  },
};
