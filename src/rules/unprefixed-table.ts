import { at, displayTable, type Rule, type RuleFinding } from './rule.js';

/** Seed guard input: new tables without an owner-visible prefix or a documented exception. */
export const unprefixedTable: Rule = {
  id: 'unprefixed-table',
  check({ facts, domain, map }) {
    const findings: RuleFinding[] = [];
    const examples = map.allPrefixes().slice(0, 4);
    for (const access of facts.accesses) {
      if (access.operation !== 'create' || access.synthetic) continue;
      if (map.ownerOfTable(access.table)) continue;
      findings.push({
        ...at(access),
        message:
          `New table ${displayTable(access.table)} is in no table family of the map and has no owner-visible prefix ` +
          `(${examples.map((p) => p + '*').join(', ')} …). New production tables use their owner's prefix unless a documented exception says otherwise.`,
        file: facts.file,
        domain: domain ?? null,
        table: displayTable(access.table),
        operation: 'create',
        enclosingFunction: access.enclosingFunction,
      });
    }
    return findings;
  },
};
