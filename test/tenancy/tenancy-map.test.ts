import { describe, expect, it } from 'vitest';
import { loadMapText as load, mapProblems as problems } from '../helpers.js';
import { OwnershipIndex } from '../../src/map/resolve.js';
import { TENANCY_MAP } from './helpers.js';

describe('tenancy and sensitive columns in the map', () => {
  it('defaults the tenant column to tenant_id and resolves scope by family, schema and table', () => {
    const index = new OwnershipIndex(load(TENANCY_MAP.replace('schemas: [tenant_data] }', 'schemas: [tenant_data], tables: [audit.events] }')).map);
    const scope = { mode: 'row-level', column: 'tenant_id' };
    expect(index.tenantScopeOf({ name: 'jobs' })).toEqual(scope);
    expect(index.tenantScopeOf({ schema: 'public', name: 'webhooks' })).toEqual(scope);
    expect(index.tenantScopeOf({ schema: 'tenant_data', name: 'anything' })).toEqual(scope);
    expect(index.tenantScopeOf({ schema: 'audit', name: 'events' })).toEqual(scope);
    expect(index.tenantScopeOf({ name: 'tenants' })).toBeUndefined();
    expect(index.tenantScopeOf({ name: 'events' })).toBeUndefined();
  });

  it('gives sensitive columns their table owner unless the entry names one', () => {
    const index = new OwnershipIndex(load(`${TENANCY_MAP}  - { table: orphan_keys, columns: [key, '"RawKey"', OtherKey] }\n`).map);
    expect(index.sensitiveColumnsOf({ name: 'webhooks' })).toEqual([{ columns: ['secret', 'signing_key'], owner: 'tenancy' }]);
    expect(index.sensitiveColumnsOf({ name: 'orphan_keys' })).toEqual([{ columns: ['key', 'RawKey', 'OtherKey'], owner: undefined }]);
    expect(index.sensitiveColumnsOf({ name: 'jobs' })).toEqual([]);
  });

  it('rejects a tenancy that scopes nothing or names an unknown family, an unknown mode, and an unknown sensitive owner', () => {
    const noScope = TENANCY_MAP.replace('scoped: { families: [jobs], schemas: [tenant_data] }', 'scoped: {}');
    expect(problems(noScope)).toEqual(['10:11: tenancy.scoped: expected families, schemas or tables: tenancy scopes no table']);
    const bad = TENANCY_MAP
      .replace('families: [jobs]', 'families: [job]')
      .replace('columns: [secret, signing_key] }', 'columns: [secret, signing_key], owner: billing }');
    expect(problems(bad)).toEqual([
      '10:24: tenancy.scoped.families[0]: unknown family "job": expected the id of a family in this map',
      '12:63: sensitiveColumns[0].owner: unknown domain "billing": expected one of tenancy, support',
    ]);
    expect(problems(TENANCY_MAP.replace('mode: row-level', 'mode: shared'))).toEqual([
      '9:9: tenancy.mode: expected one of "row-level", "database-per-tenant", found a string ("shared")',
    ]);
  });
});
