import { at, displayTable, verb, who, type Rule, type RuleFinding } from './rule.js';

/** PostgreSQL's own catalogs are nobody's domain. */
const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema', 'pg_toast']);

/** A table in use that no family, schema or prefix assigns: the map has a gap here. */
export const unmappedTable: Rule = {
  id: 'unmapped-table',
  check({ facts, domain, map }) {
    const findings: RuleFinding[] = [];
    const seen = new Set<string>();
    const created = new Set(facts.accesses.filter((a) => a.operation === 'create').map((a) => displayTable(a.table)));
    for (const access of facts.accesses) {
      if (access.synthetic || access.operation === 'create') continue;
      const name = displayTable(access.table);
      if (SYSTEM_SCHEMAS.has(access.table.schema ?? '') || access.table.name.startsWith('pg_')) continue;
      // unprefixed-table already reports a table this file creates.
      if (created.has(name) || map.ownerOfTable(access.table)) continue;
      const key = `${access.statement}\0${name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push({
        ...at(access),
        message: `${who(domain)} ${verb(access.operation)} ${name}, a table that no family, schema or owner-visible prefix of the map assigns to a domain.`,
        file: facts.file,
        domain: domain ?? null,
        table: name,
        operation: access.operation,
        enclosingFunction: access.enclosingFunction,
      });
    }
    return findings;
  },
};
