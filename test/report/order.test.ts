import { describe, expect, it } from 'vitest';
import { compareText } from '../../src/order.js';
import { brief, guard } from '../helpers.js';

// Pairs that a locale's collation orders the other way round: case before code point, '_' before '-'.
const CODE_UNIT_ORDER = ['Zeta', 'alpha', 'a-b', 'a_b', 'orders', 'ordersX', 'Ordnung'].sort();

describe('the order of names in reports', () => {
  it('is the order of UTF-16 code units, not of a locale', () => {
    expect([...CODE_UNIT_ORDER].reverse().sort(compareText)).toEqual(CODE_UNIT_ORDER);
    // The machine's locale would put lower case first: the reports must not follow it.
    expect(['a', 'Z'].sort(compareText)).toEqual(['Z', 'a']);
    expect(['a_b', 'a-b'].sort(compareText)).toEqual(['a-b', 'a_b']);
  });

  it('puts findings in the code-unit order of their files, then line, column and rule', async () => {
    const read = "export const load = () => pool.query('SELECT name FROM organizations');\n";
    const findings = await guard(
      {
        'packages/gpuaas/provisioning/src/orgs.ts': read,
        'packages/gpuaas/provisioning/src/Orgs.ts': read,
        'packages/gpuaas/provisioning/src/org_admin.ts': read,
        'packages/gpuaas/provisioning/src/org-admin.ts': read + read,
      },
      { rules: ['cross-domain-query'] },
    );
    expect(brief(findings).map((line) => line.split(' ')[1])).toEqual([
      'packages/gpuaas/provisioning/src/Orgs.ts:1:56',
      'packages/gpuaas/provisioning/src/org-admin.ts:1:56',
      'packages/gpuaas/provisioning/src/org-admin.ts:2:56',
      'packages/gpuaas/provisioning/src/org_admin.ts:1:56',
      'packages/gpuaas/provisioning/src/orgs.ts:1:56',
    ]);
  });
});
