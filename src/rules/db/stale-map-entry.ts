import { parseIdentifier, parseTableName, tableKey } from '../../map/names.js';
import type { RuleFinding } from '../rule.js';
import { at, type DbRule, type DbRuleContext } from './context.js';

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
    const failed = failedNote(context);
    const report = (path: (string | number)[], message: string, table?: string) =>
      findings.push({ ...at(context.mapEntry(path), context), message: `${message}${failed}`, ...(table ? { table } : {}) });

    context.map.map.families.forEach((family, f) => {
      const missingTables = family.tables.map((table, i) => ({ table, i })).filter(({ table }) => !tables.has(tableKey(parseTableName(table))));
      const missingSchemas = family.schemas.map((schema, i) => ({ schema, i })).filter(({ schema }) => !schemas.has(parseIdentifier(schema)));
      const entries = family.tables.length + family.schemas.length;
      if (entries > 0 && missingTables.length + missingSchemas.length === entries) {
        const what = [plural(family.tables.length, 'table'), plural(family.schemas.length, 'schema')].filter(Boolean).join(' and ');
        report(['families', f], `Family "${family.id}" (${family.targetOwner}) lists ${what}, and ${where} has none of them: the family is stale, or its tables are created elsewhere.`);
        return;
      }
      for (const { table, i } of missingTables) {
        report(['families', f, 'tables', i], `The map puts ${table} in family "${family.id}" (${family.targetOwner}), but ${where} has no such table or view.`, table);
      }
      for (const { schema, i } of missingSchemas) {
        report(['families', f, 'schemas', i], `The map puts schema ${schema} in family "${family.id}" (${family.targetOwner}), but ${where} has no such schema.`);
      }
    });
    for (const [id, domain] of Object.entries(context.map.map.domains)) {
      domain.schemas.forEach((schema, i) => {
        if (!schemas.has(parseIdentifier(schema))) report(['domains', id, 'schemas', i], `The map gives schema ${schema} to ${id}, but ${where} has no such schema.`);
      });
    }
    return findings;
  },
};

function plural(n: number, word: string): string {
  return n === 0 ? '' : `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** When statements failed, what they would have created is missing too: said on every finding. */
function failedNote(context: DbRuleContext): string {
  const n = context.failures.length;
  return n === 0 ? '' : ` (${n} migration statement${n === 1 ? '' : 's'} failed: it may be among what ${n === 1 ? 'it' : 'they'} would have created.)`;
}
