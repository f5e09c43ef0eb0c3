import { parseIdentifier, parseTableName, tableKey } from '../../map/names.js';
import type { RuleFinding } from '../rule.js';
import { at, namePattern, type DbRule, type DbRuleContext } from './context.js';

/**
 * A family, table or schema of the map that the database does not have: the map describes
 * something that no longer exists (or never did), and the rules guard a name nobody uses.
 */
export const staleMapEntry: DbRule = {
  id: 'stale-map-entry',
  checkCatalog(context) {
    const findings: RuleFinding[] = [];
    const tables = new Set(context.catalog.relations.map((relation) => tableKey({ schema: relation.schema, name: relation.name })));
    const schemas = new Set(context.catalog.schemas);
    const where = context.source === 'migrations' ? 'the database the migrations build' : 'the database';
    const report = (path: (string | number)[], message: string, names: string[], table?: string) =>
      findings.push({ ...at(context.mapEntry(path), context), message: `${message}${failedNote(context, names)}`, ...(table ? { table } : {}) });

    context.map.map.families.forEach((family, f) => {
      const missingTables = family.tables.map((table, i) => ({ table, i })).filter(({ table }) => !tables.has(tableKey(parseTableName(table))));
      const missingSchemas = family.schemas.map((schema, i) => ({ schema, i })).filter(({ schema }) => !schemas.has(parseIdentifier(schema)));
      const entries = family.tables.length + family.schemas.length;
      if (entries > 0 && missingTables.length + missingSchemas.length === entries) {
        const what = [plural(family.tables.length, 'table'), plural(family.schemas.length, 'schema')].filter(Boolean).join(' and ');
        report(['families', f], `Family "${family.id}" (${family.targetOwner}) lists ${what}, and ${where} has none of them: the family is stale, or its tables are created elsewhere.`, [...family.tables, ...family.schemas]);
        return;
      }
      for (const { table, i } of missingTables) {
        report(['families', f, 'tables', i], `The map puts ${table} in family "${family.id}" (${family.targetOwner}), but ${where} has no such table or view.`, [table], table);
      }
      for (const { schema, i } of missingSchemas) {
        report(['families', f, 'schemas', i], `The map puts schema ${schema} in family "${family.id}" (${family.targetOwner}), but ${where} has no such schema.`, [schema]);
      }
    });
    for (const [id, domain] of Object.entries(context.map.map.domains)) {
      domain.schemas.forEach((schema, i) => {
        if (!schemas.has(parseIdentifier(schema))) report(['domains', id, 'schemas', i], `The map gives schema ${schema} to ${id}, but ${where} has no such schema.`, [schema]);
      });
    }
    return findings;
  },
};

function plural(n: number, word: string): string {
  return n === 0 ? '' : `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A failed statement that names one of the missing tables or schemas may be the one that would have created it: said on the finding. */
function failedNote(context: DbRuleContext, names: readonly string[]): string {
  const patterns = names.map((name) => {
    const table = parseTableName(name);
    return namePattern({ schema: table.schema ?? 'public', name: table.name });
  });
  const failure = context.failures.find((f) => f.sql !== undefined && patterns.some((pattern) => pattern.test(f.sql!)));
  return failure ? ` A migration statement that names it failed (${failure.file}:${failure.line}): it may be what would have created it.` : '';
}
