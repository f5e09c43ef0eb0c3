import { describe, expect, it } from 'vitest';
import { loadMapText as load, mapProblems as problems } from '../helpers.js';
import { OwnershipIndex } from '../../src/map/resolve.js';

const DOMAINS = `version: 1
domains:
  identity: { name: identity, kind: platform, folders: [identity/**], schemas: [identity] }
  billing: { name: billing, kind: platform, folders: [billing/**], schemas: [billing] }
  cooperative: { name: cooperative, kind: platform, folders: [cooperative/**], schemas: [cooperative] }
  audit: { name: audit, kind: platform, folders: [audit/**], schemas: [audit] }
families: []
`;

describe('the dependency chain in the map', () => {
  it('loads a chain, cross-cutting modules and dependsOn', () => {
    const { map } = load(`${DOMAINS}dependencyChain:\n  order: [identity, billing, cooperative]\n  crossCutting: [audit]\n`);
    expect(map.dependencyChain).toEqual({ order: ['identity', 'billing', 'cooperative'], crossCutting: ['audit'] });
  });

  it('rejects an unknown module in the chain, the cross-cutting list or dependsOn, where it is written', () => {
    const text = DOMAINS.replace('schemas: [billing] }', 'schemas: [billing], dependsOn: [ledger] }') +
      'dependencyChain:\n  order: [identity, biling]\n  crossCutting: [observer]\n';
    expect(problems(text)).toEqual([
      '4:100: domains.billing.dependsOn[0]: unknown domain "ledger": expected one of identity, billing, cooperative, audit',
      '9:21: dependencyChain.order[1]: unknown domain "biling": expected one of identity, billing, cooperative, audit',
      '10:18: dependencyChain.crossCutting[0]: unknown domain "observer": expected one of identity, billing, cooperative, audit',
    ]);
  });

  it('rejects a module placed twice', () => {
    expect(problems(`${DOMAINS}dependencyChain:\n  order: [identity, billing, identity]\n  crossCutting: [billing]\n`)).toEqual([
      '9:30: dependencyChain.order[2]: module "identity" is already placed at dependencyChain.order[0]: expected each module once in the dependency chain',
      '10:18: dependencyChain.crossCutting[0]: module "billing" is already placed at dependencyChain.order[1]: expected each module once in the dependency chain',
    ]);
  });

  it('rejects a cycle of dependsOn, naming the modules around it', () => {
    const text = DOMAINS
      .replace('schemas: [billing] }', 'schemas: [billing], dependsOn: [cooperative] }')
      .replace('schemas: [cooperative] }', 'schemas: [cooperative], dependsOn: [billing] }');
    expect(problems(text)).toEqual([
      '4:100: domains.billing.dependsOn[0]: dependency cycle billing → cooperative → billing: expected dependencies to flow one way, each module depending only on modules before it',
    ]);
  });

  it('rejects a dependsOn that runs against the chain, and a module depending on itself', () => {
    const text = DOMAINS
      .replace('schemas: [identity] }', 'schemas: [identity], dependsOn: [cooperative] }')
      .replace('schemas: [audit] }', 'schemas: [audit], dependsOn: [audit] }') +
      'dependencyChain:\n  order: [identity, billing, cooperative]\n';
    expect(problems(text)).toEqual([
      '3:104: domains.identity.dependsOn[0]: dependency cycle identity → cooperative → identity: expected dependencies to flow one way, each module depending only on modules before it',
      '6:92: domains.audit.dependsOn[0]: dependency cycle audit → audit: expected dependencies to flow one way, each module depending only on modules before it',
    ]);
  });
});

describe('OwnershipIndex.dependencyVerdict', () => {
  const index = new OwnershipIndex(
    load(`${DOMAINS.replace('schemas: [billing] }', 'schemas: [billing], dependsOn: [audit] }')}dependencyChain:\n  order: [identity, billing]\n  crossCutting: [audit]\n`).map,
  );

  it.each([
    ['billing', 'identity', 'allowed'],
    ['billing', 'billing', 'allowed'],
    ['billing', 'audit', 'allowed'], // dependsOn
    ['audit', 'identity', 'allowed'], // an observer of the chain
    ['identity', 'billing', 'later-in-chain'],
    ['identity', 'audit', 'cross-cutting'],
    ['audit', 'cooperative', undefined], // cooperative takes no part
    ['cooperative', 'identity', undefined],
  ])('%s depending on %s: %s', (consumer, provider, verdict) => {
    expect(index.dependencyVerdict(consumer, provider)).toBe(verdict);
  });
});
