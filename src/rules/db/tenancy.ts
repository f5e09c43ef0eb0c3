import { parseIdentifier } from '../../map/names.js';
import type { RuleFinding } from '../rule.js';
import { applicationRelations, at, namePattern, relationName, tableOf, type DbRule, type DbRuleContext } from './context.js';
import type { CatalogRelation } from '../../db/catalog.js';

/** The tables (not views) that the map makes tenant-scoped under row-level tenancy, with their tenant column. */
function rowLevelTables(context: DbRuleContext): Array<{ relation: CatalogRelation; column: string }> {
  return applicationRelations(context).flatMap((relation) => {
    if (relation.kind !== 'table' && relation.kind !== 'partitioned table') return [];
    const scope = context.map.tenantScopeOf(tableOf(relation));
    return scope?.mode === 'row-level' ? [{ relation, column: parseIdentifier(scope.column) }] : [];
  });
}

function place(relation: CatalogRelation, context: DbRuleContext) {
  return at(context.created(relation.oid, namePattern(relation)) ?? context.ownerEntry(tableOf(relation)), context);
}

/** rls-missing, on the database: a tenant-scoped table without row-level security enabled, or without a policy. */
export const rlsMissingInDatabase: DbRule = {
  id: 'rls-missing',
  checkCatalog(context) {
    const findings: RuleFinding[] = [];
    for (const { relation } of rowLevelTables(context)) {
      if (relation.rowSecurity && relation.policies > 0) continue;
      const name = relationName(relation);
      const missing = [...(relation.rowSecurity ? [] : ['row-level security is not enabled']), ...(relation.policies > 0 ? [] : ['it has no policy'])];
      findings.push({
        ...place(relation, context),
        message:
          `${name} is tenant-scoped under row-level tenancy, but in ${context.source === 'migrations' ? 'the database the migrations build' : 'the database'} ` +
          `${missing.join(' and ')}: ALTER TABLE ${name} ENABLE ROW LEVEL SECURITY and a CREATE POLICY … ON ${name} isolate its tenants.`,
        table: name,
        owner: context.map.ownerOfTable(tableOf(relation))?.domain,
        operation: 'create',
      });
    }
    return findings;
  },
};

/** tenant-column-missing, on the database: a tenant-scoped table without the tenant column. */
export const tenantColumnMissingInDatabase: DbRule = {
  id: 'tenant-column-missing',
  checkCatalog(context) {
    const findings: RuleFinding[] = [];
    for (const { relation, column } of rowLevelTables(context)) {
      if (relation.columns.includes(column)) continue;
      const name = relationName(relation);
      findings.push({
        ...place(relation, context),
        message:
          `${name} has no ${column} column in ${context.source === 'migrations' ? 'the database the migrations build' : 'the database'}, but the map marks it ` +
          `tenant-scoped under row-level tenancy: every tenant-scoped table carries ${column}.`,
        table: name,
        owner: context.map.ownerOfTable(tableOf(relation))?.domain,
        operation: 'create',
      });
    }
    return findings;
  },
};
