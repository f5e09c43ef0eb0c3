import type { TableAccessFact } from '../facts/types.js';
import { at, displayTable, type Rule, type RuleFinding } from './rule.js';

const JOINING = new Set(['read', 'insert', 'update', 'delete', 'merge', 'copy', 'create']);

/** Seed guard input: joins across table families outside explicit read-model code. */
export const crossFamilyJoin: Rule = {
  id: 'cross-family-join',
  check({ facts, domain, map }) {
    if (map.isReadModel(facts.file)) return [];
    const byStatement = new Map<number, TableAccessFact[]>();
    for (const access of facts.accesses) {
      if (access.synthetic || !JOINING.has(access.operation)) continue;
      const list = byStatement.get(access.statement) ?? [];
      list.push(access);
      byStatement.set(access.statement, list);
    }
    const findings: RuleFinding[] = [];
    for (const accesses of byStatement.values()) {
      const owners = new Map<string, { access: TableAccessFact; label: string }>();
      for (const access of accesses) {
        const owner = map.ownerOfTable(access.table);
        if (!owner || owners.has(owner.domain)) continue;
        const label = `${displayTable(access.table)} (${owner.family ? `"${owner.family.name}", ` : ''}${owner.domain})`;
        owners.set(owner.domain, { access, label });
      }
      if (owners.size < 2) continue;
      const [first, second] = [...owners.values()];
      const [, secondOwner] = [...owners.keys()];
      findings.push({
        ...at(second!.access),
        message:
          `One statement combines tables of families with different owners: ${[...owners.values()].map((o) => o.label).join(' and ')}. ` +
          'Cross-domain reads go through APIs, explicit read models or events.',
        file: facts.file,
        domain: domain ?? null,
        table: displayTable(second!.access.table),
        owner: secondOwner,
        operation: first!.access.operation,
        enclosingFunction: second!.access.enclosingFunction,
      });
    }
    return findings;
  },
};
