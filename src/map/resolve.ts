/** Fast lookups over a loaded ownership map: who owns a table, which domain a file is in, what applies where. */
import { compileGlob, compileGlobs } from '../glob/match.js';
import { WRITE_OPERATIONS, type FileFacts, type Operation, type TableName } from '../facts/types.js';
import { formatTableName, parseIdentifier, parseTableName, tableKey } from './names.js';
import { isNegatedGlob } from './globs.js';
import type { Domain, Family, MapException, MapOperation, OwnershipMap, RestrictedTableRule, Tenancy } from './schema.js';

export interface TableOwnership {
  domain: string;
  /** The family that lists the table or owns its schema; absent when a domain's schema or prefix assigns it. */
  family?: Family;
  via: 'family' | 'prefix' | 'schema';
  /** The table as SQL names it, for messages. */
  table: string;
}

export interface ExceptionQuery {
  ruleId: string;
  /** Repository-relative POSIX path of the file the finding is in. */
  file: string;
  /** The file's domain (its folder's, or its `// @owner` header's), when it has one. */
  domain?: string;
  table?: TableName;
  operation?: Operation;
  /** YYYY-MM-DD: an exception applies through its `expires` day. */
  today: string;
}

/**
 * How the dependency chain and `dependsOn` judge one module depending on another: allowed, or why not.
 * `undeclared`: the consumer declares `dependsOn` and neither it nor the chain lets it depend on the provider.
 */
export type DependencyVerdict = 'allowed' | 'later-in-chain' | 'cross-cutting' | 'undeclared';

/** A tenant-scoped table's tenancy: the map's mode and tenant column. */
export type TenantScope = Pick<Tenancy, 'mode' | 'column'>;

/** Columns of one table that only `owner` may select (column names as PostgreSQL reads them); nobody when it has no owner. */
export interface SensitiveColumnGrant {
  columns: string[];
  owner?: string;
}

type Matcher = (path: string) => boolean;
export type RetiredImport = OwnershipMap['retiredImports'][number];

// Globs are matched in bounded time (src/glob/match.ts), `*` and `**` matching dotfiles and names
// with a line break too: dotfiles inside a domain's folder are still that domain's.
const compiled = new WeakMap<readonly string[], Matcher>();

/**
 * True when `path` matches one of `globs` without `!` and none with `!` (their order does not matter).
 * Compiled once per array, so pass the map's own arrays.
 */
export function matches(globs: readonly string[], path: string): boolean {
  let matcher = compiled.get(globs);
  if (!matcher) {
    matcher = globListMatcher(globs);
    compiled.set(globs, matcher);
  }
  return matcher(path);
}

/** The matcher of a glob list: its `!` globs take paths out of what the others match. */
export function globListMatcher(globs: readonly string[]): Matcher {
  const positive = globs.filter((glob) => !isNegatedGlob(glob));
  const negated = globs.filter(isNegatedGlob).map((glob) => glob.slice(1));
  if (positive.length === 0) return () => false;
  const included = compileGlobs(positive);
  if (negated.length === 0) return (path) => included(path);
  const excluded = compileGlobs(negated);
  return (path) => included(path) && !excluded(path);
}

/** True when `op` is one of `ops`, `write` standing for every write operation. */
export function operationMatches(ops: readonly MapOperation[], op: Operation): boolean {
  return ops.includes(op) || (ops.includes('write') && WRITE_OPERATIONS.has(op));
}

export class OwnershipIndex {
  private readonly familyTables = new Map<string, Family>();
  private readonly schemaOwners = new Map<string, { domain: string; family?: Family }>();
  /** Longest first, so that the most specific prefix wins. */
  private readonly prefixes: { prefix: string; domain: string }[] = [];
  /** Longest glob first: the most specific folder wins when two domains' folders overlap. */
  private readonly folders: { domain: string; match: Matcher }[] = [];
  private readonly fileDomains = new Map<string, string | undefined>();
  private readonly restrictedByTable = new Map<string, RestrictedTableRule[]>();
  private readonly retiredByPath = new Map<string, RetiredImport | undefined>();
  private readonly tableOwners = new Map<string, TableOwnership | undefined>();
  private prefixList: string[] | undefined;
  private readonly restrictedTables = new Map<RestrictedTableRule, Set<string>>();
  private readonly exceptionTables = new Map<MapException, (table: TableName) => boolean>();
  private readonly retired: { entry: RetiredImport; match: Matcher }[];
  private readonly chainPosition = new Map<string, number>();
  private readonly crossCutting: ReadonlySet<string>;
  private readonly tenantTables = new Set<string>();
  private readonly tenantSchemas = new Set<string>();
  private readonly sensitive = new Map<string, { columns: string[]; owner?: string }[]>();
  /** Every table the map names, by bare name: which schemas hold a table of that name (built on first use). */
  private tablesByName: Map<string, Map<string, TableName>> | undefined;

  constructor(readonly map: OwnershipMap) {
    const folderGlobs: { glob: string; domain: string; outside: Matcher | undefined }[] = [];
    for (const [domain, d] of Object.entries(map.domains)) {
      for (const prefix of d.prefixes) this.prefixes.push({ prefix, domain });
      for (const schema of d.schemas) this.schemaOwners.set(parseIdentifier(schema), { domain });
      // A domain's `!` globs take files out of each of its folders.
      const negated = d.folders.filter(isNegatedGlob).map((glob) => glob.slice(1));
      const outside = negated.length > 0 ? compileGlobs(negated) : undefined;
      for (const glob of d.folders) if (!isNegatedGlob(glob)) folderGlobs.push({ glob, domain, outside });
    }
    this.prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
    folderGlobs.sort((a, b) => b.glob.length - a.glob.length);
    for (const { glob, domain, outside } of folderGlobs) {
      const inside = compileGlob(glob);
      this.folders.push({ domain, match: outside ? (file) => inside(file) && !outside(file) : (file) => inside(file) });
    }

    for (const family of map.families) {
      for (const table of family.tables) this.familyTables.set(tableKey(parseTableName(table)), family);
      for (const schema of family.schemas) this.schemaOwners.set(parseIdentifier(schema), { domain: family.targetOwner, family });
    }
    for (const rule of map.restrictedTables) {
      this.restrictedTables.set(rule, new Set(rule.tables.map((t) => tableKey(parseTableName(t)))));
    }
    for (const exception of map.exceptions) this.exceptionTables.set(exception, tableMatcher(exception.tables));
    this.retired = map.retiredImports.map((entry) => ({ entry, match: compileGlob(entry.folder) }));
    map.dependencyChain?.order.forEach((id, i) => this.chainPosition.set(id, i));
    this.crossCutting = new Set(map.dependencyChain?.crossCutting);
    for (const table of map.tenancy?.scoped.tables ?? []) this.tenantTables.add(tableKey(parseTableName(table)));
    for (const schema of map.tenancy?.scoped.schemas ?? []) this.tenantSchemas.add(parseIdentifier(schema));
    for (const entry of map.sensitiveColumns) {
      const key = tableKey(parseTableName(entry.table));
      this.sensitive.set(key, [...(this.sensitive.get(key) ?? []), { columns: entry.columns.map(parseIdentifier), owner: entry.owner }]);
    }
  }

  /**
   * The map's table that a name stands for when its schema is an interpolation hole: the table of that
   * name the map lists, whatever its schema, when it lists exactly one; `ambiguous` when it lists it in
   * several schemas; undefined when it lists none.
   */
  tableForSchemaHole(name: string): TableName | 'ambiguous' | undefined {
    if (!this.tablesByName) {
      this.tablesByName = new Map();
      const listed = [
        ...this.map.families.flatMap((family) => family.tables),
        ...this.map.restrictedTables.flatMap((rule) => rule.tables),
        ...(this.map.tenancy?.scoped.tables ?? []),
        ...this.map.sensitiveColumns.map((entry) => entry.table),
      ];
      for (const entry of listed) {
        const table = parseTableName(entry);
        const schemas = this.tablesByName.get(table.name) ?? new Map<string, TableName>();
        schemas.set(table.schema ?? 'public', table);
        this.tablesByName.set(table.name, schemas);
      }
    }
    const schemas = this.tablesByName.get(name);
    if (!schemas) return undefined;
    return schemas.size === 1 ? [...schemas.values()][0] : 'ambiguous';
  }

  /** The dependency chain's modules, foundational first. */
  chainOrder(): readonly string[] {
    return this.map.dependencyChain?.order ?? [];
  }

  /**
   * How the map judges `consumer` depending on `provider` (reading, joining, referencing or importing it);
   * undefined when the consumer is in neither the chain nor the cross-cutting modules and declares no `dependsOn`.
   */
  dependencyVerdict(consumer: string, provider: string): DependencyVerdict | undefined {
    const dependsOn = this.domain(consumer)?.dependsOn;
    const position = (id: string) => this.chainPosition.get(id);
    const [from, to] = [position(consumer), position(provider)];
    if (from === undefined && !this.crossCutting.has(consumer) && dependsOn === undefined) return undefined;
    if (consumer === provider || dependsOn?.includes(provider)) return 'allowed';
    // Cross-cutting modules observe every module of the chain.
    if (to !== undefined && (this.crossCutting.has(consumer) || (from !== undefined && to < from))) return 'allowed';
    if (this.crossCutting.has(provider)) return 'cross-cutting';
    if (to !== undefined && from !== undefined) return 'later-in-chain';
    return dependsOn === undefined ? undefined : 'undeclared';
  }

  /** The tenancy of a tenant-scoped table (listed, in a scoped schema, or in a scoped family). */
  tenantScopeOf(table: TableName): TenantScope | undefined {
    const tenancy = this.map.tenancy;
    if (!tenancy) return undefined;
    const family = this.ownerOfTable(table)?.family?.id;
    const scoped =
      this.tenantTables.has(tableKey(table)) ||
      this.tenantSchemas.has(table.schema ?? 'public') ||
      (family !== undefined && tenancy.scoped.families.includes(family));
    return scoped ? { mode: tenancy.mode, column: tenancy.column } : undefined;
  }

  /** The map's sensitive columns of a table, each with the domain that may select them (the table's owner by default). */
  sensitiveColumnsOf(table: TableName): SensitiveColumnGrant[] {
    const entries = this.sensitive.get(tableKey(table)) ?? [];
    return entries.map(({ columns, owner }) => ({ columns, owner: owner ?? this.ownerOfTable(table)?.domain }));
  }

  /** Who owns a table: a family listing it, else the owner of its schema, else the domain of its prefix. Do not mutate the answer. */
  ownerOfTable(table: TableName): TableOwnership | undefined {
    // Asked for every access of every file: a repository names a few hundred tables, so answers are kept.
    // Keyed by the name as written: the answer shows it (an unqualified name is not shown as public.x).
    const key = `${table.schema === undefined ? '' : `${table.schema}.`}\u0000${table.name}`;
    if (this.tableOwners.has(key)) return this.tableOwners.get(key);
    const owner = this.findOwnerOfTable(table);
    this.tableOwners.set(key, owner);
    return owner;
  }

  private findOwnerOfTable(table: TableName): TableOwnership | undefined {
    const display = formatTableName(table);
    const family = this.familyTables.get(tableKey(table));
    if (family) return { domain: family.targetOwner, family, via: 'family', table: display };
    const bySchema = this.schemaOwners.get(table.schema ?? 'public');
    if (bySchema) return { ...bySchema, via: 'schema', table: display };
    const domain = this.hasPrefixOf(table.name);
    return domain === undefined ? undefined : { domain, via: 'prefix', table: display };
  }

  /** The owner-visible prefix a table name carries and its domain (longest prefix wins; case-sensitive, as quoted names are). */
  prefixOwner(name: string): { domain: string; prefix: string } | undefined {
    return this.prefixes.find((p) => name.startsWith(p.prefix));
  }

  /** The domain whose owner-visible prefix the table name carries. */
  hasPrefixOf(name: string): string | undefined {
    return this.prefixOwner(name)?.domain;
  }

  /** Every owner-visible prefix, in map order. */
  allPrefixes(): readonly string[] {
    return (this.prefixList ??= Object.values(this.map.domains).flatMap((d) => d.prefixes));
  }

  domain(id: string): Domain | undefined {
    return Object.hasOwn(this.map.domains, id) ? this.map.domains[id] : undefined;
  }

  /** The domain whose source folders hold `file` (a repository-relative POSIX path). */
  domainOfFile(file: string): string | undefined {
    if (!this.fileDomains.has(file)) this.fileDomains.set(file, this.folders.find((f) => f.match(file))?.domain);
    return this.fileDomains.get(file);
  }

  /** Read-model code: joins across families are allowed there. */
  isReadModel(file: string): boolean {
    return matches(this.map.readModelFolders, file);
  }

  /** A transitional multi-domain surface whose files must carry `// @owner <domain-id>`. */
  requiresOwnerHeader(file: string): boolean {
    return matches(this.map.ownerHeaderFolders, file);
  }

  /** The retired-imports entry covering `path` (a file or folder an import resolves to), if any. */
  retiredFolderOf(path: string): RetiredImport | undefined {
    // Asked for every import of every file, and imports lead to the same files again and again.
    if (this.retired.length === 0) return undefined;
    if (!this.retiredByPath.has(path)) this.retiredByPath.set(path, this.retired.find((r) => r.match(path))?.entry);
    return this.retiredByPath.get(path);
  }

  /** `matches`, for rules that hold only the index (e.g. a restricted rule's allow.folders). */
  matchesAny(globs: readonly string[], path: string): boolean {
    return matches(globs, path);
  }

  /** The restricted-table rules covering a table, by name or through its family, in map order. */
  restrictedRulesFor(table: TableName): readonly RestrictedTableRule[] {
    // Asked for every access by several rules: answers are kept per table.
    const key = tableKey(table);
    let rules = this.restrictedByTable.get(key);
    if (!rules) {
      const family = this.ownerOfTable(table)?.family?.id;
      rules = this.map.restrictedTables.filter(
        (rule) => this.restrictedTables.get(rule)!.has(key) || (family !== undefined && rule.families.includes(family)),
      );
      this.restrictedByTable.set(key, rules);
    }
    return rules;
  }

  /** Whether an exception of this map names the table in its `tables` (all tables when it names none). */
  exceptionCoversTable(exception: MapException, table: TableName): boolean {
    return exception.tables.length === 0 || this.exceptionTables.get(exception)!(table);
  }

  /** The unexpired exceptions that waive `ruleId` for this file, domain, table and operation. */
  exceptionsFor(q: ExceptionQuery): MapException[] {
    return this.map.exceptions.filter(
      (e) =>
        e.rules.includes(q.ruleId) &&
        appliesToFile(e, q.file, q.domain) &&
        (e.tables.length === 0 || (q.table !== undefined && this.exceptionTables.get(e)!(q.table))) &&
        (e.operations.length === 0 || (q.operation !== undefined && operationMatches(e.operations, q.operation))) &&
        (e.expires === undefined || q.today <= e.expires),
    );
  }
}

function appliesToFile(e: MapException, file: string, domain: string | undefined): boolean {
  if (e.folders.length === 0 && e.domains.length === 0) return true;
  return matches(e.folders, file) || (domain !== undefined && e.domains.includes(domain));
}

/**
 * Exact entries match as PostgreSQL names; globs match the bare name of a `public` table (`policy_*`)
 * or, when they contain a dot, `schema.name` (`billing.*`).
 */
function tableMatcher(entries: readonly string[]): (table: TableName) => boolean {
  const exact = new Set<string>();
  const bare: string[] = [];
  const qualified: string[] = [];
  for (const entry of entries) {
    if (!/[*?[\]{}]/.test(entry)) exact.add(tableKey(parseTableName(entry)));
    else (entry.includes('.') ? qualified : bare).push(entry);
  }
  return (table) => {
    const schema = table.schema ?? 'public';
    return (
      exact.has(tableKey(table)) ||
      (schema === 'public' && matches(bare, table.name)) ||
      matches(qualified, `${schema}.${table.name}`)
    );
  };
}

/**
 * The facts as the map reads them: a table whose schema was an interpolation hole becomes the map's
 * table of that name; one the map lists in several schemas cannot be judged and counts as unresolved.
 * Returns `facts` itself when nothing changes.
 */
export function resolveSchemaHoles(facts: FileFacts, index: OwnershipIndex): FileFacts {
  if (!facts.accesses.some((access) => access.schemaHole)) return facts;
  const accesses = facts.accesses.map((access) => {
    if (!access.schemaHole || access.synthetic) return access;
    const table = index.tableForSchemaHole(access.table.name);
    if (table === 'ambiguous') return { ...access, synthetic: true };
    return table ? { ...access, table } : access;
  });
  return { ...facts, accesses };
}
