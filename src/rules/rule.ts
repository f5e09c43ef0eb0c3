import type { FileFacts, Framework, Location, Operation, TableName } from '../facts/types.js';
import type { OwnershipIndex, TableOwnership } from '../map/resolve.js';
import type { Finding, Level, RelatedLocation } from './finding.js';

/** What a rule sees of one file: its facts, the domain it belongs to, and the map. */
export interface RuleContext {
  facts: FileFacts;
  /** The file's domain: from its folder, or from a `// @owner` header in an owner-header folder. */
  domain: string | undefined;
  map: OwnershipIndex;
  /** Public entry files of the workspace package that contains a path, if any. */
  packageEntriesOf(file: string): string[] | undefined;
  /** A domain's ways in besides its package entry: the files its `entry:` globs match, and its folders' index files (map/entries.ts). */
  domainEntriesOf(domain: string): readonly string[];
  /** Where the map declares a family or rule, for related locations. */
  mapLocation(kind: 'family' | 'restricted' | 'domain', id: string): RelatedLocation | undefined;
}

/** A finding as a rule reports it; the engine adds level, blocking and fingerprint. */
export type RuleFinding = Omit<Finding, 'level' | 'fingerprint' | 'blocking' | 'ruleId'> & {
  ruleId?: string;
  level?: Level;
  blocking?: boolean;
};

export interface Rule {
  id: string;
  check(context: RuleContext): RuleFinding[];
}

/** What a repository-level rule sees: the facts of every scanned file, their domains, and the map. */
export interface RepoRuleContext {
  files: readonly FileFacts[];
  domainOf(facts: FileFacts): string | undefined;
  map: OwnershipIndex;
}

/** A rule whose verdict needs several files (a table created in one migration, secured in another). */
export interface RepoRule {
  id: string;
  checkRepo(context: RepoRuleContext): RuleFinding[];
}

export function displayTable(table: TableName): string {
  return table.schema && table.schema !== 'public' ? `${table.schema}.${table.name}` : table.name;
}

const VERBS: Record<Operation, string> = {
  read: 'reads',
  insert: 'inserts into',
  update: 'updates',
  delete: 'deletes from',
  truncate: 'truncates',
  merge: 'merges into',
  copy: 'copies into',
  create: 'creates',
  alter: 'alters',
  drop: 'drops',
  reference: 'references',
};

export function verb(operation: Operation): string {
  return VERBS[operation];
}

export function who(domain: string | undefined): string {
  return domain ? `${domain} code` : 'Code outside every domain';
}

/** How the map assigns a table to its owner, as messages quote it. */
export function ownershipPhrase(owner: TableOwnership): string {
  if (owner.family) return `family "${owner.family.name}", owned by ${owner.domain}`;
  if (owner.via === 'schema') return `schema owned by ${owner.domain}`;
  return `owner-visible prefix of ${owner.domain}`;
}

/**
 * The family's guard rule as a sentence of its own after a message's first one: the text report
 * shows the first sentence as the finding's headline and the rest on a dim line.
 */
export function guardRuleSentence(owner: TableOwnership | undefined): string {
  const rule = owner?.family?.guardRule.trim();
  if (!rule) return '';
  return ` Guard rule: ${rule}${/[.!?]$/.test(rule) ? '' : '.'}`;
}

type Place = Location & { framework?: Framework; resolvedBy?: 'type' | 'shape' };

/** Where a finding sits; for a table access, also the framework the access is written with and the evidence it is one. */
export function at(location: Place): Place {
  const { line, column, endLine, endColumn, framework, resolvedBy } = location;
  const place: Place = endLine === undefined ? { line, column } : { line, column, endLine, endColumn };
  if (framework) place.framework = framework;
  if (resolvedBy) place.resolvedBy = resolvedBy;
  return place;
}
