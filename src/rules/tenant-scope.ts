/** What every scanned migration does to the row-level tenant-scoped tables: shared by the tenancy rules. */
import type { FileFacts, TableAccessFact, TableName } from '../facts/types.js';
import type { OwnershipIndex } from '../map/resolve.js';
import { parseIdentifier, tableKey } from '../map/names.js';

export interface TenantTable {
  /** The tenant column, as PostgreSQL reads it. */
  column: string;
  /** The CREATE TABLE statements of the table, in file order. */
  created: Array<{ facts: FileFacts; access: TableAccessFact }>;
  /** Columns some ALTER TABLE … ADD COLUMN adds. */
  added: Set<string>;
  rlsEnabled: boolean;
  hasPolicy: boolean;
}

/** The tenant scope of a table when the map's tenancy is row-level (the tenancy rules' only mode). */
export function rowLevelColumn(map: OwnershipIndex, table: TableName): string | undefined {
  const scope = map.tenantScopeOf(table);
  return scope?.mode === 'row-level' ? parseIdentifier(scope.column) : undefined;
}

/**
 * The row-level tenant-scoped tables the scanned files create, alter or secure, by table key. It reads
 * only the accesses isTenancyEvidence() accepts: the repository rules judge a file by these of the others.
 */
export function tenantTables(files: readonly FileFacts[], map: OwnershipIndex): Map<string, TenantTable> {
  const tables = new Map<string, TenantTable>();
  for (const facts of files) {
    for (const access of facts.accesses) {
      if (!isTenancyEvidence(access, map)) continue;
      const column = rowLevelColumn(map, access.table)!;
      const key = tableKey(access.table);
      let table = tables.get(key);
      if (!table) tables.set(key, (table = { column, created: [], added: new Set(), rlsEnabled: false, hasPolicy: false }));
      if (access.operation === 'create') table.created.push({ facts, access });
      if (access.operation === 'alter') access.columns?.forEach((c) => table.added.add(c));
      if (access.detail === 'enable-rls') table.rlsEnabled = true;
      if (access.detail === 'policy') table.hasPolicy = true;
    }
  }
  return tables;
}

/** The accesses tenantTables() reads: statements that create, alter or secure a row-level tenant-scoped table. */
export function isTenancyEvidence(access: TableAccessFact, map: OwnershipIndex): boolean {
  const schemaStatement = access.operation === 'create' || access.operation === 'alter' || access.detail !== undefined;
  return schemaStatement && !access.synthetic && rowLevelColumn(map, access.table) !== undefined;
}

export function isRlsSecured(table: TenantTable | undefined): boolean {
  return table !== undefined && table.rlsEnabled && table.hasPolicy;
}
