import type { Rule } from './rule.js';

/** Seed exception: cmd/api may span domains while route handlers are thinned, but route files name their owner. */
export const routeOwnerMissing: Rule = {
  id: 'route-owner-missing',
  check({ facts, map }) {
    if (!map.requiresOwnerHeader(facts.file)) return [];
    const header = facts.ownerHeader;
    if (header && map.domain(header.domain)) return [];
    const touchesDomains =
      facts.accesses.some((access) => !access.synthetic && map.ownerOfTable(access.table)) ||
      facts.imports.some((fact) => fact.resolved && map.domainOfFile(fact.resolved));
    if (!touchesDomains && !header) return [];
    const where = header ? { line: header.line, column: header.column } : { line: 1, column: 1 };
    return [
      {
        ...where,
        message: header
          ? `The @owner header names '${header.domain}', which is not a domain of the map; route files name their owning domain with // @owner <domain-id>.`
          : 'This route file uses SQL or imports of domains but does not name its owning domain; add a // @owner <domain-id> header.',
        file: facts.file,
        domain: null,
      },
    ];
  },
};
