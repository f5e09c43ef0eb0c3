import type { DbRule } from './context.js';
import { foreignKeyDirection } from './foreign-keys.js';
import { migrationError } from './migration-error.js';
import { staleMapEntry } from './stale-map-entry.js';
import { rlsMissingInDatabase, tenantColumnMissingInDatabase } from './tenancy.js';
import { unmappedRelation } from './unmapped-relation.js';

/** The rules of `db check`, over a database's catalog. */
export const DB_RULES: readonly DbRule[] = [unmappedRelation, staleMapEntry, rlsMissingInDatabase, tenantColumnMissingInDatabase, foreignKeyDirection, migrationError];
