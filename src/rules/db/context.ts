/**
 * What the rules of `db check` see: the catalog of a database that the migrations built or that
 * was read live, the map, and where to locate a finding. They are pure functions of these, as the
 * rules of `check` are of facts and map, and report under the same rule ids where the meaning is
 * the same.
 */
import type { CatalogFacts, CatalogRelation } from '../../db/catalog.js';
import type { TableName } from '../../facts/types.js';
import type { OwnershipIndex } from '../../map/resolve.js';
import type { RuleFinding } from '../rule.js';

/** A place in a repository file: a migration statement, or an entry of the map. */
export interface Place {
  file: string;
  line: number;
  column: number;
}

/** A statement that the embedded database never applied. */
export interface MigrationFailure extends Place {
  message: string;
  /** The statement's text, when a statement failed (not a whole file). */
  sql?: string;
}

export interface DbRuleContext {
  catalog: CatalogFacts;
  map: OwnershipIndex;
  /** Where the catalog came from: migrations applied to the embedded database, or a live database. */
  source: 'migrations' | 'database';
  failures: readonly MigrationFailure[];
  /** The relation with this oid. */
  relation(oid: string): CatalogRelation | undefined;
  /**
   * Where the migration statement that created the object (relation, foreign key, policy) sits, at
   * the first match of `name` in it when given; undefined for a live database, or an object no
   * statement of the run created.
   */
  created(oid: string, name?: RegExp): Place | undefined;
  /** The map entry that assigns the table to its owner (family table, schema or prefix); the map's families section when nothing does. */
  ownerEntry(table: TableName): Place;
  /** The map entry at a path of the map, e.g. ['families', 2]. */
  mapEntry(path: readonly (string | number)[]): Place;
  /** The domain of a repository file. */
  domainOfFile(file: string): string | undefined;
}

export interface DbRule {
  id: string;
  checkCatalog(context: DbRuleContext): RuleFinding[];
}

export function tableOf(relation: CatalogRelation): TableName {
  return { schema: relation.schema, name: relation.name };
}

/** The relation as messages name it: schema only when not public. */
export function relationName(relation: Pick<CatalogRelation, 'schema' | 'name'>): string {
  const quote = (part: string) => (/^[a-z_][a-z0-9_$]*$/.test(part) ? part : `"${part.replaceAll('"', '""')}"`);
  return relation.schema === 'public' ? quote(relation.name) : `${quote(relation.schema)}.${quote(relation.name)}`;
}

/** Matches the relation's name as SQL writes it, qualified or not, quoted or not. */
export function namePattern(relation: Pick<CatalogRelation, 'schema' | 'name'>, before = ''): RegExp {
  const part = (name: string) => `(?:"${escape(name.replaceAll('"', '""'))}"|${/^[a-z_][a-z0-9_$]*$/.test(name) ? `\\b${escape(name)}\\b` : '(?!)'})`;
  return new RegExp(`${before}(?:${part(relation.schema)}\\s*\\.\\s*)?${part(relation.name)}`, 'i');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Relations of the application: not a partition (judged through its table), not an extension's own. */
export function applicationRelations(context: DbRuleContext): CatalogRelation[] {
  return context.catalog.relations.filter((relation) => relation.partitionOf === undefined && !relation.fromExtension);
}

/** A finding's place fields, with the domain of its file. */
export function at(place: Place, context: DbRuleContext): Pick<RuleFinding, 'file' | 'line' | 'column' | 'domain'> {
  return { file: place.file, line: place.line, column: place.column, domain: context.domainOfFile(place.file) ?? null };
}
