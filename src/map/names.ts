/** PostgreSQL table-name handling shared by the loader and the index. */
import type { TableName } from '../facts/types.js';

/**
 * Reads a table name written in the map (or on the command line): the last two parts are schema and
 * name, each the identifier as PostgreSQL stores it (see parseIdentifier).
 */
export function parseTableName(text: string): TableName {
  const parts = (text.match(/"(?:[^"]|"")*"|[^."]+/g) ?? [text]).map(parseIdentifier);
  const name = parts.at(-1)!;
  return parts.length > 1 ? { schema: parts.at(-2)!, name } : { name };
}

/**
 * One identifier of the map, as PostgreSQL stores it. Unlike SQL, the map does not fold unquoted names
 * to lower case: SQL's unquoted names are lower case once PostgreSQL has read them, so a map name with
 * upper-case letters can only mean the identifier that code quotes (`webServerSettings` is
 * `"webServerSettings"`), and a lower-case one is the same either way. "Quotes" are needed only
 * around a name holding a dot or a quote (`""` is a quote).
 */
export function parseIdentifier(text: string): string {
  const part = text.trim();
  return part.startsWith('"') && part.endsWith('"') && part.length > 1 ? part.slice(1, -1).replaceAll('""', '"') : part;
}

/** Identity of a table as PostgreSQL resolves it: no schema means `public`. */
export function tableKey(table: TableName): string {
  return `${table.schema ?? 'public'}\u0000${table.name}`;
}

/** The name as SQL would write it: schema only when given, quotes only where a name needs them. */
export function formatTableName(table: TableName): string {
  const quote = (part: string) => (/^[a-z_][a-z0-9_$]*$/.test(part) ? part : `"${part.replaceAll('"', '""')}"`);
  return table.schema === undefined ? quote(table.name) : `${quote(table.schema)}.${quote(table.name)}`;
}
