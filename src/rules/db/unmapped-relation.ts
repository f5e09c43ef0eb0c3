import type { RuleFinding } from '../rule.js';
import { applicationRelations, at, namePattern, relationName, tableOf, type DbRule } from './context.js';

/**
 * The bookkeeping tables of migration tools: they record which migrations ran and belong to no
 * domain. Reported, they would be the same finding in every project.
 */
export const MIGRATION_TOOL_TABLES: ReadonlySet<string> = new Set([
  'public.schema_migrations', // Rails, golang-migrate, dbmate, sqlx-style tools
  'public._prisma_migrations',
  'public.flyway_schema_history',
  'public.knex_migrations',
  'public.knex_migrations_lock',
  'public.kysely_migration',
  'public.kysely_migration_lock',
  'drizzle.__drizzle_migrations',
  'public.__drizzle_migrations',
  'public.typeorm_metadata',
  'public.migrations', // TypeORM's default name
  'public.pgmigrations', // node-pg-migrate
  'public.goose_db_version',
  'public.SequelizeMeta',
  'public.databasechangelog', // Liquibase
  'public.databasechangeloglock',
  'atlas_schema_revisions.atlas_schema_revisions',
]);

/** unmapped-table, on the database: a relation that no family, schema or owner-visible prefix assigns to a domain. */
export const unmappedRelation: DbRule = {
  id: 'unmapped-table',
  checkCatalog(context) {
    const findings: RuleFinding[] = [];
    for (const relation of applicationRelations(context)) {
      if (MIGRATION_TOOL_TABLES.has(`${relation.schema}.${relation.name}`)) continue;
      const table = tableOf(relation);
      if (context.map.ownerOfTable(table)) continue;
      const name = relationName(relation);
      const place = context.created(relation.oid, namePattern(relation)) ?? context.ownerEntry(table);
      const comment = relation.comment ? ` Its comment: "${oneLine(relation.comment)}".` : '';
      findings.push({
        ...at(place, context),
        message:
          `${context.source === 'migrations' ? 'The migrations create' : 'The database has'} ${relation.kind} ${name}, which no family, schema or owner-visible prefix ` +
          `of the map assigns to a domain: every other ownership rule is blind to it.${comment}`,
        table: name,
        operation: 'create',
      });
    }
    return findings;
  },
};

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}
