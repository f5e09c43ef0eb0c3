import type { Location, Operation } from '../facts/types.js';

export type Level = 'note' | 'warning' | 'error';

export const LEVEL_RANK: Record<Level, number> = { note: 1, warning: 2, error: 3 };

/** A place the reviewer may want to jump to: the family in the map, the migration that created a table. */
export interface RelatedLocation extends Location {
  file: string;
  message: string;
}

export interface Finding extends Location {
  ruleId: string;
  level: Level;
  /** Self-contained; the first sentence stands alone. */
  message: string;
  /** Repository-relative POSIX path. */
  file: string;
  /** Domain of the file the finding is in (null when the file belongs to no domain). */
  domain: string | null;
  /** The table involved, schema-qualified when the SQL qualified it. */
  table?: string;
  family?: string;
  /** Domain owning the table or the imported code. */
  owner?: string;
  operation?: Operation;
  enclosingFunction?: string;
  /** The import specifier, for import-boundary findings. */
  specifier?: string;
  /** True when the finding's rule is blocking: it fails the run whatever --fail-on says. */
  blocking?: boolean;
  related?: RelatedLocation[];
  /** Stable identity that survives line moves: hash of rule, file, domain, table, operation, function. */
  fingerprint: string;
}
