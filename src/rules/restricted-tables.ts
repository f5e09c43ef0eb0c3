import type { Operation, TableName } from '../facts/types.js';
import { WRITE_OPERATIONS } from '../facts/types.js';
import type { RestrictedTableRule } from '../map/schema.js';
import type { OwnershipIndex } from '../map/resolve.js';
import { at, displayTable, guardRuleSentence, verb, who, type Rule, type RuleFinding } from './rule.js';

/** The restricted-table rules of the map that forbid this operation on this table (to someone). */
export function restrictedRulesCovering(map: OwnershipIndex, table: TableName, operation: Operation): RestrictedTableRule[] {
  return map.restrictedRulesFor(table).filter((rule) =>
    rule.operations.some((op) => op === operation || (op === 'write' && WRITE_OPERATIONS.has(operation))),
  );
}

/**
 * The map's restricted-table rules (ledger-write, ledger-immutable, audit-write, outbox-publish and
 * any a team adds): data, not code. Each names tables, forbidden operations and who may perform them.
 */
export const restrictedTables: Rule = {
  id: 'restricted-tables',
  check({ facts, domain, map, mapLocation }) {
    const findings: RuleFinding[] = [];
    for (const access of facts.accesses) {
      if (access.synthetic) continue;
      for (const rule of restrictedRulesCovering(map, access.table, access.operation)) {
        const allowed =
          (domain !== undefined && rule.allow.domains.includes(domain)) || map.matchesAny(rule.allow.folders, facts.file);
        if (allowed) continue;
        const owner = map.ownerOfTable(access.table);
        const mayWrite = [...rule.allow.domains, ...rule.allow.folders];
        const ownedBy = owner ? ` (${owner.family ? `family "${owner.family.name}", ` : ''}owner ${owner.domain})` : '';
        // The family's guard rule says why in the seed's words; a team's own rule brings its description.
        const why = owner?.family ? guardRuleSentence(owner) : rule.description ? ` ${rule.description}` : '';
        const related = mapLocation('restricted', rule.rule);
        findings.push({
          ...at(access),
          ruleId: rule.rule,
          level: rule.level,
          blocking: rule.blocking,
          message:
            `${who(domain)} ${verb(access.operation)} ${displayTable(access.table)}; ` +
            `${mayWrite.length ? `only ${mayWrite.join(', ')} may do that` : 'nobody may do that'}${ownedBy}.${why}`,
          file: facts.file,
          domain: domain ?? null,
          table: displayTable(access.table),
          family: owner?.family?.id,
          owner: owner?.domain,
          operation: access.operation,
          enclosingFunction: access.enclosingFunction,
          related: related ? [related] : undefined,
        });
      }
    }
    return findings;
  },
};
