/**
 * `db check`: the map against a database's catalog. The catalog comes from the migrations applied
 * to an embedded PostgreSQL (PGlite), or from a live database read through node-postgres. Then the
 * same steps as `check`: rules (pure functions of catalog and map), the map's exceptions and the
 * migrations' suppression comments, findings ready for every report format.
 */
import path from 'node:path';
import { UsageError } from '../errors.js';
import { findSuppressionComments } from '../extract/suppression-comments.js';
import type { FileFacts, TableName } from '../facts/types.js';
import { applyExceptions } from '../filter/exceptions.js';
import { applySuppressions } from '../filter/suppressions.js';
import { loadOwnershipMap } from '../map/load.js';
import type { LoadedMap } from '../map/map-file.js';
import { tableKey, parseTableName, parseIdentifier } from '../map/names.js';
import { OwnershipIndex } from '../map/resolve.js';
import { compareFindings } from '../order.js';
import { DEFAULT_LEVELS } from '../outcome.js';
import type { Notification } from '../outcome.js';
import { completeFindings } from '../rules/complete.js';
import { DB_RULES } from '../rules/db/index.js';
import type { DbRuleContext, MigrationFailure, Place } from '../rules/db/context.js';
import type { Finding } from '../rules/finding.js';
import type { CatalogFacts } from './catalog.js';
import type { Placement } from './apply.js';
import { DEFAULT_MIGRATIONS_GLOB, findMigrationFiles, locateIn, readMigration, type MigrationFile } from './migrations.js';

export interface DbCheckOptions {
  root: string;
  mapFile: string;
  /** Globs of migration files, relative to the root; the default source. */
  migrations?: string[];
  /** A live database to read instead. */
  databaseUrl?: string;
  /** Time limit of each migration statement, or of connecting and each catalog query. */
  timeoutMs?: number;
  /** YYYY-MM-DD, for exception expiry. */
  today?: string;
}

export interface DbCheckOutcome {
  findings: Finding[];
  notifications: Notification[];
  loadedMap: LoadedMap;
  source: 'migrations' | 'database';
  /** Migration files applied (0 for a live database). */
  filesApplied: number;
  /** Relations the catalog holds. */
  relations: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

export async function runDbCheck(options: DbCheckOptions): Promise<DbCheckOutcome> {
  const root = path.resolve(options.root);
  const loadedMap = loadOwnershipMap(options.mapFile);
  const map = new OwnershipIndex(loadedMap.map);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const notifications: Notification[] = [];
  const failures: MigrationFailure[] = [];
  let catalog: CatalogFacts;
  let placements = new Map<string, Placement>();
  let files: MigrationFile[] = [];
  let source: DbCheckOutcome['source'];

  if (options.databaseUrl !== undefined) {
    if (options.migrations?.length) throw new UsageError('Give either --migrations or --database-url, not both.');
    source = 'database';
    const { readLiveCatalog } = await import('./live.js');
    catalog = await readLiveCatalog(options.databaseUrl, { timeoutMs });
  } else {
    source = 'migrations';
    const globs = options.migrations?.length ? options.migrations : [DEFAULT_MIGRATIONS_GLOB];
    const found = await findMigrationFiles(root, globs, loadedMap.map.ignore);
    if (found.length === 0) throw new UsageError(`No migration file matches ${globs.join(', ')} under ${root}: expected plain SQL files (--migrations <glob>, relative to the root).`);
    for (const file of found) {
      const read = readMigration(root, file);
      if ('problem' in read) failures.push({ file, line: 1, column: 1, message: `the file was not applied: ${read.problem}` });
      else files.push(read);
    }
    const { applyMigrations } = await import('./apply.js');
    const applied = await applyMigrations(files, { timeoutMs });
    try {
      catalog = await (await import('./catalog.js')).readCatalog((sql) => applied.database.query(sql));
    } finally {
      await applied.database.close();
    }
    placements = applied.placements;
    failures.push(...applied.failures);
    notifications.push(...applied.notifications);
  }

  const mapPath = displayPath(root, loadedMap.file);
  const relations = new Map(catalog.relations.map((relation) => [relation.oid, relation]));
  const mapEntry = (entry: readonly (string | number)[]): Place => ({ file: mapPath, ...loadedMap.locate(entry) });
  const context: DbRuleContext = {
    catalog,
    map,
    source,
    failures,
    relation: (oid) => relations.get(oid),
    created: (oid, name) => {
      const placement = placements.get(oid);
      if (!placement) return undefined;
      const match = name?.exec(placement.sql);
      return { file: placement.file, ...(match ? locateIn(placement, match.index) : { line: placement.line, column: placement.column }) };
    },
    ownerEntry: (table) => mapEntry(ownerPath(loadedMap, map, table)),
    mapEntry,
    domainOfFile: (file) => map.domainOfFile(file),
  };
  const raw = DB_RULES.flatMap((rule) => rule.checkCatalog(context).map((finding) => ({ ...finding, ruleId: finding.ruleId ?? rule.id })));
  const today = options.today ?? new Date().toISOString().slice(0, 10);
  const { kept } = applyExceptions(completeFindings(raw, DEFAULT_LEVELS), map, today);
  // Suppression comments in the migrations apply as in check; check alone judges whether one is unused.
  const suppressionFacts: FileFacts[] = files.map((file) => ({
    file: file.file,
    language: 'sql',
    imports: [],
    accesses: [],
    sqlErrors: [],
    suppressions: findSuppressionComments(file.text, 'sql'),
    notes: [],
  }));
  const { findings } = applySuppressions(kept, suppressionFacts, { knownRules: new Set(DB_RULES.map((rule) => rule.id)), ran: () => false, domainOf: () => undefined });
  findings.sort(compareFindings);
  return { findings, notifications, loadedMap, source, filesApplied: files.length, relations: catalog.relations.length };
}

/** The path of the map entry that assigns a table: its family's table or schema, its domain's schema or prefix, else the families section. */
function ownerPath(loadedMap: LoadedMap, map: OwnershipIndex, table: TableName): Array<string | number> {
  const owner = map.ownerOfTable(table);
  const families = loadedMap.map.families;
  if (owner?.family) {
    const f = families.indexOf(owner.family);
    if (owner.via === 'family') {
      const t = owner.family.tables.findIndex((entry) => tableKey(parseTableName(entry)) === tableKey(table));
      return ['families', f, 'tables', t];
    }
    return ['families', f, 'schemas', owner.family.schemas.findIndex((schema) => parseIdentifier(schema) === (table.schema ?? 'public'))];
  }
  if (owner) {
    const domain = loadedMap.map.domains[owner.domain]!;
    if (owner.via === 'schema') return ['domains', owner.domain, 'schemas', domain.schemas.findIndex((schema) => parseIdentifier(schema) === (table.schema ?? 'public'))];
    return ['domains', owner.domain, 'prefixes', domain.prefixes.indexOf(map.prefixOwner(table.name)?.prefix ?? '')];
  }
  return ['families'];
}

/** A path as reports show it: relative to the root when inside it. */
function displayPath(root: string, file: string): string {
  const relative = path.relative(root, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative.split(path.sep).join('/');
}
