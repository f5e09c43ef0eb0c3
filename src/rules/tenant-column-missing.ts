import { at, displayTable, type RepoRule, type RuleFinding } from './rule.js';
import { tenantTables } from './tenant-scope.js';

/** Seed 003: "In row-level mode: add tenant_id to all tenant-scoped tables". */
export const tenantColumnMissing: RepoRule = {
  id: 'tenant-column-missing',
  checkRepo({ files, domainOf, map }) {
    const findings: RuleFinding[] = [];
    for (const table of tenantTables(files, map).values()) {
      if (table.added.has(table.column)) continue;
      for (const { facts, access } of table.created) {
        // Columns are unknown for CREATE TABLE … AS, LIKE, INHERITS and PARTITION OF.
        if (access.columns === undefined || access.columns.includes(table.column)) continue;
        const name = displayTable(access.table);
        findings.push({
          ...at(access),
          message:
            `CREATE TABLE ${name} has no ${table.column} column, and no ALTER TABLE adds one, but the map marks ${name} tenant-scoped ` +
            `under row-level tenancy: every tenant-scoped table carries ${table.column}.`,
          file: facts.file,
          domain: domainOf(facts) ?? null,
          table: name,
          owner: map.ownerOfTable(access.table)?.domain,
          operation: access.operation,
        });
      }
    }
    return findings;
  },
};
