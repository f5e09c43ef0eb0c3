/**
 * What `db check` reads of a database: its relations, their columns, row-level security and
 * policies, foreign keys and schemas, from the system catalog only (never a row of a user table).
 * The same queries serve the embedded database and a live one; they run on PostgreSQL 12 and later.
 */

export type RelationKind = 'table' | 'partitioned table' | 'view' | 'materialized view' | 'foreign table';

export interface CatalogRelation {
  /** pg_class oid, as text (an oid does not fit every JSON reader as a number). */
  oid: string;
  schema: string;
  name: string;
  kind: RelationKind;
  /** ALTER TABLE … ENABLE ROW LEVEL SECURITY was run on it. */
  rowSecurity: boolean;
  /** How many policies (CREATE POLICY) it has. */
  policies: number;
  /** Column names, as PostgreSQL stores them. */
  columns: string[];
  /** The table it is a partition of: judged through that table. */
  partitionOf?: string;
  /** Created by an extension (CREATE EXTENSION): the extension's, not the application's. */
  fromExtension: boolean;
  comment?: string;
}

export interface CatalogForeignKey {
  oid: string;
  name: string;
  /** oid of the table holding the key, and of the table it references. */
  from: string;
  to: string;
}

export interface CatalogFacts {
  relations: CatalogRelation[];
  foreignKeys: CatalogForeignKey[];
  /** Every schema but PostgreSQL's own. */
  schemas: string[];
}

/** Runs one catalog query: the embedded database's or a live connection's. */
export type CatalogQuery = <T>(sql: string) => Promise<T[]>;

const KINDS: Record<string, RelationKind> = { r: 'table', p: 'partitioned table', v: 'view', m: 'materialized view', f: 'foreign table' };

// PostgreSQL's own schemas, and the per-session ones for temporary tables.
const USER_SCHEMA = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'`;

const RELATIONS = `
SELECT c.oid::text AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
       c.relrowsecurity AS row_security, c.relispartition AS is_partition,
       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)::int AS policies,
       (SELECT i.inhparent::text FROM pg_inherits i WHERE i.inhrelid = c.oid AND c.relispartition LIMIT 1) AS partition_of,
       EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e') AS from_extension,
       obj_description(c.oid, 'pg_class') AS comment,
       ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS columns
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${USER_SCHEMA}
ORDER BY n.nspname, c.relname`;

const FOREIGN_KEYS = `
SELECT con.oid::text AS oid, con.conname AS name, con.conrelid::text AS "from", con.confrelid::text AS "to"
FROM pg_constraint con
WHERE con.contype = 'f'
ORDER BY con.oid`;

const SCHEMAS = `SELECT n.nspname AS name FROM pg_namespace n WHERE ${USER_SCHEMA} ORDER BY n.nspname`;

interface RelationRow {
  oid: string;
  schema: string;
  name: string;
  kind: string;
  row_security: boolean;
  is_partition: boolean;
  policies: number;
  partition_of: string | null;
  from_extension: boolean;
  comment: string | null;
  columns: string[] | string;
}

/** The catalog facts, through `query`. */
export async function readCatalog(query: CatalogQuery): Promise<CatalogFacts> {
  const relations = (await query<RelationRow>(RELATIONS)).map(
    (row): CatalogRelation => ({
      oid: row.oid,
      schema: row.schema,
      name: row.name,
      kind: KINDS[row.kind] ?? 'table',
      rowSecurity: row.row_security,
      policies: Number(row.policies),
      columns: Array.isArray(row.columns) ? row.columns : parseTextArray(row.columns),
      ...(row.partition_of ? { partitionOf: row.partition_of } : {}),
      fromExtension: row.from_extension,
      ...(row.comment ? { comment: row.comment } : {}),
    }),
  );
  const foreignKeys = await query<CatalogForeignKey>(FOREIGN_KEYS);
  const schemas = (await query<{ name: string }>(SCHEMAS)).map((row) => row.name);
  return { relations, foreignKeys, schemas };
}

/** `{a,"b c"}`, for a driver that hands an array over as PostgreSQL's text form. */
function parseTextArray(text: string): string[] {
  const inner = text.replace(/^\{|\}$/g, '');
  if (inner === '') return [];
  return (inner.match(/"(?:[^"\\]|\\.)*"|[^,]+/g) ?? []).map((item) => (item.startsWith('"') ? item.slice(1, -1).replace(/\\(.)/g, '$1') : item));
}
