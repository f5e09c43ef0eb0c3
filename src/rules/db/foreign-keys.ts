import type { RuleFinding } from '../rule.js';
import { reason } from '../dependency-direction.js';
import { at, namePattern, relationName, tableOf, type DbRule } from './context.js';

/**
 * dependency-direction, on the database: a foreign key whose table's module may not depend on the
 * referenced table's module. "A module that holds a foreign key into another module is the
 * consumer; the module whose primary key is referenced is the provider."
 */
export const foreignKeyDirection: DbRule = {
  id: 'dependency-direction',
  checkCatalog(context) {
    const findings: RuleFinding[] = [];
    for (const key of context.catalog.foreignKeys) {
      const [from, to] = [context.relation(key.from), context.relation(key.to)];
      // A partition's keys are copies of its table's, reported there.
      if (!from || !to || from.partitionOf !== undefined || to.partitionOf !== undefined) continue;
      const consumer = context.map.ownerOfTable(tableOf(from));
      const provider = context.map.ownerOfTable(tableOf(to));
      if (!consumer || !provider) continue;
      const verdict = context.map.dependencyVerdict(consumer.domain, provider.domain);
      if (!verdict || verdict === 'allowed') continue;
      const target = relationName(to);
      const place = context.created(key.oid, namePattern(to, '(?<=references\\s+)')) ?? context.ownerEntry(tableOf(from));
      findings.push({
        ...at(place, context),
        message: `${relationName(from)} (${consumer.domain}) holds a foreign key (${key.name}) into ${target} (${provider.domain}), ${reason(verdict, consumer.domain, provider.domain, context.map)}`,
        table: target,
        family: provider.family?.id,
        owner: provider.domain,
        operation: 'reference',
      });
    }
    return findings;
  },
};
