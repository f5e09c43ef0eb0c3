import { crossDomainImport } from './cross-domain-import.js';
import { crossDomainQuery } from './cross-domain-query.js';
import { crossFamilyJoin } from './cross-family-join.js';
import { dependencyDirection } from './dependency-direction.js';
import { fileNotAnalysed } from './file-not-analysed.js';
import { prefixOwnerMismatch } from './prefix-owner-mismatch.js';
import { restrictedTables } from './restricted-tables.js';
import { retiredImport } from './retired-import.js';
import { rlsMissing } from './rls-missing.js';
import { routeOwnerMissing } from './route-owner-missing.js';
import type { RepoRule, Rule } from './rule.js';
import { sensitiveColumnRead } from './sensitive-column-read.js';
import { sqlParseError } from './sql-parse-error.js';
import { tenantColumnMissing } from './tenant-column-missing.js';
import { tenantFilterMissing } from './tenant-filter-missing.js';
import { unmappedTable } from './unmapped-table.js';
import { unprefixedTable } from './unprefixed-table.js';

export const RULES: readonly Rule[] = [
  crossDomainQuery,
  crossFamilyJoin,
  restrictedTables,
  unprefixedTable,
  prefixOwnerMismatch,
  retiredImport,
  crossDomainImport,
  routeOwnerMissing,
  unmappedTable,
  sqlParseError,
  dependencyDirection,
  sensitiveColumnRead,
  fileNotAnalysed,
];

/** Rules that judge the repository as a whole: their verdict needs facts from several files. */
export const REPO_RULES: readonly RepoRule[] = [tenantColumnMissing, rlsMissing, tenantFilterMissing];
