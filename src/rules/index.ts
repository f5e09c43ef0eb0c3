import { crossDomainImport } from './cross-domain-import.js';
import { crossDomainQuery } from './cross-domain-query.js';
import { crossFamilyJoin } from './cross-family-join.js';
import { prefixOwnerMismatch } from './prefix-owner-mismatch.js';
import { restrictedTables } from './restricted-tables.js';
import { retiredImport } from './retired-import.js';
import { routeOwnerMissing } from './route-owner-missing.js';
import type { Rule } from './rule.js';
import { sqlParseError } from './sql-parse-error.js';
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
];
