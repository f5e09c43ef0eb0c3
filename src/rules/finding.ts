import type { Framework, Location, Operation } from '../facts/types.js';

export type Level = 'note' | 'warning' | 'error';

export const LEVEL_RANK: Record<Level, number> = { note: 1, warning: 2, error: 3 };

/** A place the reviewer may want to jump to: the family in the map, the migration that created a table. */
export interface RelatedLocation extends Location {
  file: string;
  message: string;
}

/** Who answers for a domain: primary and secondary owner, on-call severity (seed 002's ownership matrix). */
export interface OwnerContacts {
  primary?: string;
  secondary?: string;
  severity?: string;
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
  /** Seed 002 metadata of the owning domain (the map's `domains.<owner>.owners`), when the map gives it. */
  ownerContacts?: OwnerContacts;
  operation?: Operation;
  /** How the code reached the table: raw SQL or a query builder / ORM (table-access findings only). */
  framework?: Framework;
  /** For a builder / ORM access: known by the receiver's type or provenance, or by the call's shape alone. */
  resolvedBy?: 'type' | 'shape';
  enclosingFunction?: string;
  /** The import specifier, for import-boundary findings. */
  specifier?: string;
  /** True when the finding's rule is blocking: it fails the run whatever --fail-on says. */
  blocking?: boolean;
  related?: RelatedLocation[];
  /** Stable identity that survives line moves: hash of rule, file, domain, table, operation, function. */
  fingerprint: string;
  /** Set when a `schema-guard-ignore-next-line` comment suppresses the finding, with the comment's reason. */
  suppressed?: { reason: string };
  /** With `check --runtime`: found by static analysis, by the runtime guard while the tests ran, or both at the same site. */
  origin?: 'static' | 'runtime' | 'both';
  /** Against the baseline, when one is used: `unchanged` findings are recorded there, `new` ones are not. */
  baselineState?: 'new' | 'unchanged';
}

/** A finding that counts: neither suppressed inline nor recorded in the baseline. Only these set the exit code. */
export function isReported(finding: Finding): boolean {
  return !finding.suppressed && finding.baselineState !== 'unchanged';
}
