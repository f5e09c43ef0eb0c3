import type { Operation } from '../facts/types.js';
import { tableKey } from '../map/names.js';
import { at, displayTable, type RepoRule, type RuleFinding } from './rule.js';
import { isRlsSecured, rowLevelColumn, tenantTables } from './tenant-scope.js';

/** The statement as a reviewer names it, and what it can do to other tenants' rows. */
const RISK: Partial<Record<Operation, [string, string]>> = {
  read: ['query', 'read'],
  update: ['UPDATE', 'update'],
  delete: ['DELETE', 'delete'],
};

/** Without row-level security, only the query's own WHERE keeps one tenant from another's rows. */
export const tenantFilterMissing: RepoRule = {
  id: 'tenant-filter-missing',
  checkRepo({ files, domainOf, map }) {
    const findings: RuleFinding[] = [];
    const tables = tenantTables(files, map);
    for (const facts of files) {
      for (const access of facts.accesses) {
        const risk = RISK[access.operation];
        const column = rowLevelColumn(map, access.table);
        // `constrained` is known only for the tables a query level reads from or targets.
        if (!risk || access.synthetic || column === undefined || access.constrained === undefined) continue;
        if (access.constrained.includes(column) || isRlsSecured(tables.get(tableKey(access.table)))) continue;
        const name = displayTable(access.table);
        findings.push({
          ...at(access),
          message:
            `This ${risk[0]} of ${name} does not constrain ${column} in its WHERE or JOIN conditions, and no scanned migration ` +
            `enables row-level security with a policy on ${name}: it can ${risk[1]} every tenant's rows.`,
          file: facts.file,
          domain: domainOf(facts) ?? null,
          table: name,
          owner: map.ownerOfTable(access.table)?.domain,
          operation: access.operation,
          enclosingFunction: access.enclosingFunction,
        });
      }
    }
    return findings;
  },
};
