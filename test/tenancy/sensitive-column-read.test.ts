import { describe, expect, it } from 'vitest';
import { brief } from '../helpers.js';
import { check, TENANCY_MAP } from './helpers.js';

const rules = ['sensitive-column-read'];

describe('sensitive-column-read', () => {
  it('fires outside the owning domain: by name, in an expression, through * and t.*, as the whole row, in RETURNING', async () => {
    const findings = await check({
      'src/support/webhooks.ts': [
        "pool.query('SELECT url, secret FROM webhooks WHERE tenant_id = $1');",
        "pool.query('SELECT md5(w.signing_key) FROM webhooks w');",
        "pool.query('SELECT * FROM webhooks');",
        "pool.query('SELECT j.state, w.* FROM jobs j JOIN webhooks w ON w.job_id = j.job_id');",
        "pool.query('SELECT row_to_json(w) FROM webhooks w');",
        "pool.query('DELETE FROM webhooks WHERE id = $1 RETURNING secret');",
      ].join('\n'),
    }, { rules });
    expect(brief(findings)).toEqual([
      'sensitive-column-read src/support/webhooks.ts:1:37 webhooks',
      'sensitive-column-read src/support/webhooks.ts:2:44 webhooks',
      'sensitive-column-read src/support/webhooks.ts:3:27 webhooks',
      'sensitive-column-read src/support/webhooks.ts:4:50 webhooks',
      'sensitive-column-read src/support/webhooks.ts:5:40 webhooks',
      'sensitive-column-read src/support/webhooks.ts:6:25 webhooks',
    ]);
    expect(findings.map((f) => f.message)).toEqual([
      'support code selects webhooks.secret, which the map marks sensitive: only tenancy may select it.',
      'support code selects webhooks.signing_key, which the map marks sensitive: only tenancy may select it.',
      'support code selects webhooks.secret, webhooks.signing_key through *, which the map marks sensitive: only tenancy may select them.',
      'support code selects webhooks.secret, webhooks.signing_key through *, which the map marks sensitive: only tenancy may select them.',
      'support code selects webhooks.secret, webhooks.signing_key through *, which the map marks sensitive: only tenancy may select them.',
      'support code selects webhooks.secret, which the map marks sensitive: only tenancy may select it.',
    ]);
    expect(findings[0]).toMatchObject({ level: 'warning', domain: 'support', owner: 'tenancy', operation: 'read' });
  });

  it('fires for code outside every domain, and for everyone on a table no domain owns', async () => {
    const map = `${TENANCY_MAP}  - { table: vault.keys, columns: [material] }\n`;
    const findings = await check({
      'scripts/dump.ts': "pool.query('SELECT secret FROM webhooks');\n",
      'src/tenancy/keys.ts': "pool.query('SELECT material FROM vault.keys');\n",
    }, { map, rules });
    expect(findings.map((f) => f.message)).toEqual([
      'Code outside every domain selects webhooks.secret, which the map marks sensitive: only tenancy may select it.',
      'tenancy code selects vault.keys.material, which the map marks sensitive: no domain may select it.',
    ]);
  });

  it('stays quiet for the owner, for other columns, and for a sensitive column only compared in WHERE', async () => {
    const findings = await check({
      'src/tenancy/sign.ts': "pool.query('SELECT secret FROM webhooks WHERE id = $1');\n",
      'src/support/webhooks.ts': [
        "pool.query('SELECT id, url FROM webhooks WHERE tenant_id = $1');",
        "pool.query('SELECT count(*) FROM webhooks WHERE secret IS NULL');",
        "pool.query('SELECT * FROM jobs');",
      ].join('\n'),
    }, { rules });
    expect(findings).toEqual([]);
  });

  it('follows the owner the map names for the columns', async () => {
    const map = TENANCY_MAP.replace('columns: [secret, signing_key] }', 'columns: [secret, signing_key], owner: support }');
    const files = {
      'src/tenancy/sign.ts': "pool.query('SELECT secret FROM webhooks');\n",
      'src/support/view.ts': "pool.query('SELECT secret FROM webhooks');\n",
    };
    expect(brief(await check(files, { map, rules }))).toEqual(['sensitive-column-read src/tenancy/sign.ts:1:32 webhooks']);
  });
});
