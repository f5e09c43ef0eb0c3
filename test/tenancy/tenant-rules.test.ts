import { describe, expect, it } from 'vitest';
import { brief } from '../helpers.js';
import { check, TENANCY_MAP } from './helpers.js';

const DB_PER_TENANT = TENANCY_MAP.replace('mode: row-level', 'mode: database-per-tenant');
const SECURED = [
  'ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;',
  "CREATE POLICY tenant_isolation ON jobs USING (tenant_id = current_setting('app.tenant_id'));",
].join('\n');

describe('tenant-column-missing', () => {
  const rules = ['tenant-column-missing'];

  it('fires on CREATE TABLE of a tenant-scoped table, by family or by schema, without the tenant column', async () => {
    const findings = await check({
      'migrations/001.sql': 'CREATE TABLE jobs (job_id text PRIMARY KEY, state text);\nCREATE TABLE tenant_data.notes (id int, body text);\n',
    }, { rules });
    expect(brief(findings)).toEqual([
      'tenant-column-missing migrations/001.sql:1:14 jobs',
      'tenant-column-missing migrations/001.sql:2:14 tenant_data.notes',
    ]);
    expect(findings[0]).toMatchObject({ level: 'warning', owner: 'tenancy', operation: 'create', domain: null });
    expect(findings[0]!.message).toBe(
      'CREATE TABLE jobs has no tenant_id column, and no ALTER TABLE adds one, but the map marks jobs tenant-scoped under row-level tenancy: every tenant-scoped table carries tenant_id.',
    );
  });

  it('judges the column the map names', async () => {
    const map = TENANCY_MAP.replace('mode: row-level', 'mode: row-level\n  column: account_id');
    const findings = await check({ 'migrations/001.sql': 'CREATE TABLE jobs (job_id text, tenant_id text);\n' }, { map, rules });
    expect(findings[0]!.message).toContain('has no account_id column');
  });

  it('stays quiet with the column, when a later ALTER TABLE adds it, when the columns are unknown, and for tables not scoped', async () => {
    const findings = await check({
      'migrations/001.sql': [
        'CREATE TABLE jobs (job_id text PRIMARY KEY, "TENANT_ID" text);',
        'CREATE TABLE tenant_data.notes (LIKE note_template INCLUDING ALL);',
        'CREATE TABLE tenants (tenant_id text PRIMARY KEY);',
        'CREATE TABLE webhooks (id text, tenant_id text);',
      ].join('\n'),
      'migrations/002.sql': 'ALTER TABLE jobs ADD COLUMN tenant_id text NOT NULL;\n',
    }, { rules });
    expect(findings).toEqual([]);
  });

  it('stays quiet under database-per-tenant', async () => {
    expect(await check({ 'migrations/001.sql': 'CREATE TABLE jobs (job_id text);\n' }, { map: DB_PER_TENANT, rules })).toEqual([]);
  });
});

describe('rls-missing', () => {
  const rules = ['rls-missing'];

  it('fires at the first CREATE TABLE of a tenant-scoped table no migration secures, naming what is missing', async () => {
    const findings = await check({
      'migrations/001.sql': 'CREATE TABLE jobs (tenant_id text);\nCREATE TABLE webhooks (tenant_id text);\nCREATE TABLE environments (tenant_id text);\n',
      'migrations/002.sql': [
        'ALTER TABLE webhooks ENABLE ROW LEVEL SECURITY;',
        "CREATE POLICY p ON environments USING (tenant_id = current_setting('app.tenant_id'));",
      ].join('\n'),
    }, { rules });
    expect(brief(findings)).toEqual([
      'rls-missing migrations/001.sql:1:14 jobs',
      'rls-missing migrations/001.sql:2:14 webhooks',
      'rls-missing migrations/001.sql:3:14 environments',
    ]);
    expect(findings.map((f) => f.message.slice(f.message.indexOf(': ') + 2))).toEqual([
      'ALTER TABLE jobs ENABLE ROW LEVEL SECURITY and CREATE POLICY … ON jobs are missing.',
      'CREATE POLICY … ON webhooks is missing.',
      'ALTER TABLE environments ENABLE ROW LEVEL SECURITY is missing.',
    ]);
    expect(findings[0]).toMatchObject({ level: 'warning', owner: 'tenancy' });
  });

  it('stays quiet when RLS and a policy come from any scanned migration, schema-qualified or not', async () => {
    const findings = await check({
      'migrations/001.sql': 'CREATE TABLE public.jobs (tenant_id text);\n',
      'migrations/005_rls.sql': SECURED,
    }, { rules });
    expect(findings).toEqual([]);
  });

  it('stays quiet for tables the scan never creates, for tables not scoped, and under database-per-tenant', async () => {
    expect(await check({ 'src/tenancy/jobs.ts': "pool.query('SELECT * FROM jobs WHERE tenant_id = $1');\n", 'migrations/001.sql': 'CREATE TABLE tenants (tenant_id text);\n' }, { rules })).toEqual([]);
    expect(await check({ 'migrations/001.sql': 'CREATE TABLE jobs (tenant_id text);\n' }, { map: DB_PER_TENANT, rules })).toEqual([]);
  });
});

describe('tenant-filter-missing', () => {
  const rules = ['tenant-filter-missing'];

  it('fires on SELECT, UPDATE and DELETE of a tenant-scoped table without RLS whose conditions leave tenant_id free', async () => {
    const findings = await check({
      'src/tenancy/jobs.ts': [
        "pool.query('SELECT * FROM jobs WHERE state = $1');",
        "pool.query('UPDATE jobs SET state = $1 WHERE job_id = $2');",
        "pool.query('DELETE FROM jobs WHERE tenant_id = $1 OR state = $2');",
        "pool.query('SELECT * FROM jobs j JOIN webhooks w ON w.job_id = j.job_id WHERE j.tenant_id = $1');",
      ].join('\n'),
    }, { rules });
    expect(brief(findings)).toEqual([
      'tenant-filter-missing src/tenancy/jobs.ts:1:27 jobs',
      'tenant-filter-missing src/tenancy/jobs.ts:2:20 jobs',
      'tenant-filter-missing src/tenancy/jobs.ts:3:25 jobs',
      'tenant-filter-missing src/tenancy/jobs.ts:4:39 webhooks',
    ]);
    expect(findings.map((f) => f.operation)).toEqual(['read', 'update', 'delete', 'read']);
    expect(findings[1]).toMatchObject({ level: 'note', domain: 'tenancy', owner: 'tenancy' });
    expect(findings[1]!.message).toBe(
      "This UPDATE of jobs does not constrain tenant_id in its WHERE or JOIN conditions, and no scanned migration enables row-level security with a policy on jobs: it can update every tenant's rows.",
    );
  });

  it('stays quiet when the tenant column is fixed: =, IN, = ANY, through a join, in every OR branch, in a subquery of its own', async () => {
    const findings = await check({
      'src/tenancy/jobs.ts': [
        "pool.query('SELECT * FROM jobs WHERE tenant_id = $1 AND state = $2');",
        "pool.query('UPDATE jobs SET state = $1 WHERE tenant_id IN ($2, $3)');",
        "pool.query('DELETE FROM jobs WHERE tenant_id = ANY($1)');",
        "pool.query('SELECT * FROM jobs j JOIN webhooks w ON w.tenant_id = j.tenant_id WHERE j.tenant_id = $1::text');",
        "pool.query('SELECT * FROM jobs WHERE (tenant_id = $1 AND a) OR (tenant_id = $1 AND b)');",
        "pool.query('SELECT * FROM tenants t WHERE EXISTS (SELECT 1 FROM jobs j WHERE j.tenant_id = t.tenant_id AND j.tenant_id = $1)');",
      ].join('\n'),
    }, { rules });
    expect(findings).toEqual([]);
  });

  it('stays quiet for tables secured by RLS and a policy, for inserts, for tables not scoped, and under database-per-tenant', async () => {
    const files = {
      'migrations/001.sql': `CREATE TABLE jobs (tenant_id text);\n${SECURED}\n`,
      'src/tenancy/jobs.ts': [
        "pool.query('SELECT * FROM jobs WHERE state = $1');",
        "pool.query('INSERT INTO webhooks (url) VALUES ($1)');",
        "pool.query('SELECT * FROM tenants');",
      ].join('\n'),
    };
    expect(await check(files, { rules })).toEqual([]);
    expect(await check({ 'src/x.ts': "pool.query('SELECT * FROM webhooks');\n" }, { map: DB_PER_TENANT, rules })).toEqual([]);
  });
});

describe('the tenancy rules in a partial run', () => {
  const files = {
    'migrations/001.sql': 'CREATE TABLE jobs (job_id text);\nCREATE TABLE webhooks (tenant_id text);\n',
    'migrations/002.sql': `ALTER TABLE jobs ADD COLUMN tenant_id text;\n${SECURED}\n`,
    'src/tenancy/jobs.ts': "pool.query('SELECT * FROM jobs');\npool.query('SELECT * FROM webhooks');\n",
  };
  const rules = ['tenant-column-missing', 'rls-missing', 'tenant-filter-missing'];

  it('still read every migration, and report only in the files scanned', async () => {
    expect(brief(await check(files, { rules, paths: ['migrations/001.sql'] }))).toEqual(['rls-missing migrations/001.sql:2:14 webhooks']);
    expect(brief(await check(files, { rules, paths: ['src'] }))).toEqual(['tenant-filter-missing src/tenancy/jobs.ts:2:27 webhooks']);
  });
});

describe('the tenancy rules and a map without tenancy', () => {
  it('stay quiet when the map declares no tenancy', async () => {
    const map = TENANCY_MAP.replace(/tenancy:\n  mode[\s\S]*?(?=sensitiveColumns)/, '');
    const findings = await check({
      'migrations/001.sql': 'CREATE TABLE jobs (job_id text);\n',
      'src/tenancy/jobs.ts': "pool.query('SELECT * FROM jobs');\n",
    }, { map, rules: ['tenant-column-missing', 'rls-missing', 'tenant-filter-missing'] });
    expect(findings).toEqual([]);
  });
});
