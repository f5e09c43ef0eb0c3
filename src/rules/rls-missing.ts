import { at, displayTable, type RepoRule, type RuleFinding } from './rule.js';
import { isRlsSecured, tenantTables } from './tenant-scope.js';

/** Seed 003: "In row-level mode: add tenant_id to all tenant-scoped tables and enforce RLS". */
export const rlsMissing: RepoRule = {
  id: 'rls-missing',
  checkRepo({ files, domainOf, map }) {
    const findings: RuleFinding[] = [];
    for (const table of tenantTables(files, map).values()) {
      const first = table.created[0];
      if (!first || isRlsSecured(table)) continue;
      const name = displayTable(first.access.table);
      const missing = [
        ...(table.rlsEnabled ? [] : [`ALTER TABLE ${name} ENABLE ROW LEVEL SECURITY`]),
        ...(table.hasPolicy ? [] : [`CREATE POLICY … ON ${name}`]),
      ];
      findings.push({
        ...at(first.access),
        message:
          `${name} is tenant-scoped under row-level tenancy, but no scanned migration enforces row-level security on it: ` +
          `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing.`,
        file: first.facts.file,
        domain: domainOf(first.facts) ?? null,
        table: name,
        owner: map.ownerOfTable(first.access.table)?.domain,
        operation: first.access.operation,
      });
    }
    return findings;
  },
};
