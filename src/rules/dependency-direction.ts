import type { TableAccessFact, TableName } from '../facts/types.js';
import type { DependencyVerdict, OwnershipIndex } from '../map/resolve.js';
import { at, displayTable, verb, type Rule, type RuleFinding } from './rule.js';

/** The table a DDL statement defines is its subject, not a dependency. */
const SUBJECTS = new Set(['create', 'alter', 'drop']);

/** Seed 001: a module depends only on modules earlier in the chain, and on no cross-cutting module. */
export const dependencyDirection: Rule = {
  id: 'dependency-direction',
  check({ facts, domain, map, mapLocation }) {
    const findings: RuleFinding[] = [];
    const holders = holdersByStatement(facts.accesses, map);
    const seen = new Set<string>();
    for (const access of facts.accesses) {
      if (access.synthetic || SUBJECTS.has(access.operation)) continue;
      const provider = map.ownerOfTable(access.table);
      const holder = holders.get(access.statement);
      // "A module that holds a foreign key into another module is the consumer": the referencing table's owner.
      const consumer = access.operation === 'reference' ? holder?.domain ?? domain : domain ?? holder?.domain;
      if (!provider || !consumer) continue;
      const verdict = map.dependencyVerdict(consumer, provider.domain);
      const key = `${access.statement}\0${displayTable(access.table)}`;
      if (!verdict || verdict === 'allowed' || seen.has(key)) continue;
      seen.add(key);
      const subject =
        access.operation === 'reference' && holder
          ? `${displayTable(holder.table)} (${consumer}) holds a foreign key into`
          : `${consumer} code ${access.operation === 'reference' ? 'holds a foreign key into' : verb(access.operation)}`;
      const related = provider.family ? mapLocation('family', provider.family.id) : undefined;
      findings.push({
        ...at(access),
        message: `${subject} ${displayTable(access.table)} (${provider.domain}), ${reason(verdict, consumer, provider.domain, map)}`,
        file: facts.file,
        domain: domain ?? null,
        table: displayTable(access.table),
        family: provider.family?.id,
        owner: provider.domain,
        operation: access.operation,
        enclosingFunction: access.enclosingFunction,
        related: related ? [related] : undefined,
      });
    }
    for (const fact of facts.imports) {
      const target = fact.resolved === undefined ? undefined : map.domainOfFile(fact.resolved);
      if (!domain || !target) continue;
      const verdict = map.dependencyVerdict(domain, target);
      if (!verdict || verdict === 'allowed') continue;
      findings.push({
        ...at(fact),
        message: `${domain} code imports '${fact.specifier}' (${fact.resolved}, ${target}), ${reason(verdict, domain, target, map)}`,
        file: facts.file,
        domain,
        owner: target,
        specifier: fact.specifier,
      });
    }
    return findings;
  },
};

/** The table each statement creates or alters, with its owner: it holds the statement's foreign keys. */
function holdersByStatement(accesses: TableAccessFact[], map: OwnershipIndex): Map<number, { table: TableName; domain: string }> {
  const holders = new Map<number, { table: TableName; domain: string }>();
  for (const access of accesses) {
    if (access.synthetic || (access.operation !== 'create' && access.operation !== 'alter') || holders.has(access.statement)) continue;
    const owner = map.ownerOfTable(access.table);
    if (owner) holders.set(access.statement, { table: access.table, domain: owner.domain });
  }
  return holders;
}

/** Why the map forbids the dependency, as the messages of this rule (and of db check's foreign keys) say it. */
export function reason(verdict: Exclude<DependencyVerdict, 'allowed'>, consumer: string, provider: string, map: OwnershipIndex): string {
  switch (verdict) {
    case 'later-in-chain':
      return (
        `a module later in the dependency chain (${map.chainOrder().join(' → ')}). ` +
        'Dependencies flow strictly downward: each module depends only on modules earlier in the chain.'
      );
    case 'cross-cutting':
      return `a cross-cutting module: it observes the modules of the chain and is depended upon by none.`;
    case 'undeclared':
      return `a module that ${consumer}'s dependsOn in the ownership map does not list${map.chainOrder().includes(provider) ? ' and the dependency chain does not put before it' : ''}.`;
  }
}
