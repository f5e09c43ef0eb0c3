import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/rules/finding.js';
import { guard } from '../helpers.js';

/**
 * The same access written with a builder and as raw SQL, in two files of one domain, must bring
 * the same findings: rule, table and operation (locations differ, and the framework says which is which).
 */
const DIR = 'packages/gpuaas/provisioning/src';

const SETUP: Record<string, string> = {
  'packages/shared/db/knex.ts': `import knex from 'knex';\nexport const db = knex({ client: 'pg' });\n`,
  'packages/shared/db/kysely.ts': `import { Kysely } from 'kysely';\nexport const kdb = new Kysely<any>({} as any);\n`,
  'packages/shared/db/drizzle.ts': [
    `import { drizzle } from 'drizzle-orm/node-postgres';`,
    `import { pgTable, text } from 'drizzle-orm/pg-core';`,
    `export const ledgerEntries = pgTable('ledger_entries', { id: text('id') });`,
    `export const organizations = pgTable('organizations', { id: text('id') });`,
    `export const allocations = pgTable('allocations', { id: text('id'), organizationId: text('organization_id') });`,
    `export const ddb = drizzle('postgres://');`,
  ].join('\n'),
  'packages/shared/db/prisma/schema.prisma': `model AuditLog {\n  id String @id\n  @@map("platform_audit_logs")\n}\n`,
  'packages/shared/db/prisma.ts': `import { PrismaClient } from '@prisma/client';\nexport const prisma = new PrismaClient();\n`,
  'packages/shared/db/entities.ts': `import { Entity } from 'typeorm';\n@Entity('platform_outbox_events')\nexport class OutboxEvent {}\n`,
  'packages/shared/db/typeorm.ts': `import { DataSource } from 'typeorm';\nexport const dataSource = new DataSource({ type: 'postgres' });\n`,
  'packages/shared/db/pg.ts': `export declare const pool: { query(sql: string): Promise<unknown> };\n`,
};

const CASES: Array<[string, string, string]> = [
  ['knex: a cross-domain read', `import { db } from '../../../shared/db/knex';\nexport const f = () => db('organizations').first();`, `SELECT * FROM organizations`],
  ['kysely: a write on a table the domain may only read', `import { kdb } from '../../../shared/db/kysely';\nexport const f = () => kdb.updateTable('user_ssh_public_keys').set({}).execute();`, `UPDATE user_ssh_public_keys SET revoked_at = now()`],
  ['drizzle: a ledger update and a cross-family join', [
    `import { allocations, ddb, ledgerEntries, organizations } from '../../../shared/db/drizzle';`,
    `export const f = () => ddb.update(ledgerEntries).set({});`,
    `export const g = () => ddb.select().from(allocations).innerJoin(organizations, undefined as any);`,
  ].join('\n'), `UPDATE ledger_entries SET kind = 'reversal'; SELECT * FROM allocations JOIN organizations ON true`],
  ['prisma: an audit write', `import { prisma } from '../../../shared/db/prisma';\nexport const f = () => prisma.auditLog.create({ data: { id: '1' } });`, `INSERT INTO platform_audit_logs (id) VALUES ('1')`],
  ['typeorm: an outbox publish', `import { dataSource } from '../../../shared/db/typeorm';\nimport { OutboxEvent } from '../../../shared/db/entities';\nexport const f = () => dataSource.manager.insert(OutboxEvent, {});`, `INSERT INTO platform_outbox_events (id) VALUES (1)`],
];

function essentials(findings: Finding[], file: string): string[] {
  return findings.filter((finding) => finding.file === file).map((finding) => `${finding.ruleId} ${finding.table} ${finding.operation}`).sort();
}

describe('builder and raw SQL forms bring the same findings', () => {
  it.each(CASES)('%s', async (_name, builderCode, sql) => {
    const findings = await guard({
      ...SETUP,
      [`${DIR}/builder.ts`]: builderCode + '\n',
      [`${DIR}/raw.ts`]: `import { pool } from '../../../shared/db/pg';\nexport const f = () => pool.query(\`${sql}\`);\n`,
    });
    const raw = essentials(findings, `${DIR}/raw.ts`);
    expect(raw.length).toBeGreaterThan(0);
    expect(essentials(findings, `${DIR}/builder.ts`)).toEqual(raw);
    expect(new Set(findings.filter((f) => f.file === `${DIR}/raw.ts`).map((f) => f.framework))).toEqual(new Set(['sql']));
    expect(findings.filter((f) => f.file === `${DIR}/builder.ts`).every((f) => f.framework !== 'sql')).toBe(true);
  });
});
