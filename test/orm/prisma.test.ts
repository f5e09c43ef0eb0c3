import { describe, expect, it } from 'vitest';
import { readPrismaModels } from '../../src/extract/orm/prisma-schema.js';
import { accessesOf, statementsOf } from './helpers.js';

const SCHEMA = `
datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
  schemas  = ["public", "billing"]
}

model Invoice {
  id        String        @id
  lines     InvoiceLine[]
  account   Account       @relation(fields: [accountId], references: [id])
  accountId String        @map("account_id")

  @@map("invoice_headers")
  @@schema("billing")
}

model InvoiceLine {
  id        String  @id
  invoice   Invoice @relation(fields: [invoiceId], references: [id])
  invoiceId String

  @@map(name: "invoice_lines")
  @@schema("billing")
}

/// No @@map: the table is named after the model.
model Account {
  id       String    @id
  invoices Invoice[]
}
`;

/** A service with its Prisma schema and client; `code` goes into src/app.ts, which imports the client. */
function repo(code: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'svc/prisma/schema.prisma': SCHEMA,
    'svc/src/db.ts': `import { PrismaClient } from '@prisma/client';\nexport const prisma = new PrismaClient();\n`,
    'svc/src/app.ts': `import { prisma } from './db';\n${code}\n`,
    ...extra,
  };
}

const accesses = (code: string) => accessesOf(repo(code), 'svc/src/app.ts');

describe('prisma: schema.prisma', () => {
  it('reads @@map, @@map(name:), @@schema, the default table name and relation fields, skipping comments', () => {
    const models = readPrismaModels([{ file: 'svc/prisma/schema.prisma', text: SCHEMA + '\n// model Ghost { id Int }\nview Totals {\n  id String @default("{}")\n}\n' }]);
    expect(models).toEqual([
      { folder: 'svc/prisma', model: 'Invoice', table: { schema: 'billing', name: 'invoice_headers' }, relations: { lines: 'InvoiceLine', account: 'Account' } },
      { folder: 'svc/prisma', model: 'InvoiceLine', table: { schema: 'billing', name: 'invoice_lines' }, relations: { invoice: 'Invoice' } },
      { folder: 'svc/prisma', model: 'Account', table: { name: 'Account' }, relations: { invoices: 'Invoice' } },
      { folder: 'svc/prisma', model: 'Totals', table: { name: 'Totals' }, relations: {} },
    ]);
  });
});

describe('prisma: client calls', () => {
  const cases: Array<[string, string, string[]]> = [
    ['reads: findMany, findUnique(OrThrow), findFirst(OrThrow), count, aggregate, groupBy', [
      `prisma.invoice.findMany(); prisma.invoice.findUnique({ where: { id: '1' } }); prisma.invoice.findUniqueOrThrow({ where: { id: '1' } });`,
      `prisma.invoice.findFirst(); prisma.invoice.findFirstOrThrow(); prisma.invoice.count(); prisma.invoice.aggregate({}); prisma.invoice.groupBy({ by: ['id'] });`,
    ].join('\n'), [
      'prisma read billing.invoice_headers 2:8',
      'prisma read billing.invoice_headers 2:35',
      'prisma read billing.invoice_headers 2:86',
      'prisma read billing.invoice_headers 3:8',
      'prisma read billing.invoice_headers 3:36',
      'prisma read billing.invoice_headers 3:71',
      'prisma read billing.invoice_headers 3:95',
      'prisma read billing.invoice_headers 3:125',
    ]],
    ['writes: create(Many), update(Many), upsert as an insert, delete(Many)', [
      `prisma.account.create({ data: { id: '1' } }); prisma.account.createMany({ data: [] }); prisma.account.update({ where: { id: '1' }, data: {} });`,
      `prisma.account.updateMany({ data: {} }); prisma.account.upsert({ where: { id: '1' }, create: {}, update: {} }); prisma.account.delete({ where: { id: '1' } }); prisma.account.deleteMany();`,
    ].join('\n'), [
      'prisma insert Account 2:8',
      'prisma insert Account 2:54',
      'prisma update Account 2:95',
      'prisma update Account 3:8',
      'prisma insert Account 3:49',
      'prisma delete Account 3:120',
      'prisma delete Account 3:167',
    ]],
    ['nested writes in data, at the relation key', `prisma.invoice.create({ data: { id: '1', lines: { create: [{ id: 'l1' }], deleteMany: {} }, account: { connect: { id: 'a' } } } });`, [
      'prisma insert billing.invoice_headers 2:8',
      'prisma insert billing.invoice_lines 2:42',
      'prisma delete billing.invoice_lines 2:42',
    ]],
    ['nested writes inside nested creates and upserts', `prisma.account.upsert({ where: { id: 'a' }, create: { id: 'a', invoices: { create: { id: 'i', lines: { createMany: { data: [] } } } } }, update: {} });`, [
      'prisma insert Account 2:8',
      'prisma insert billing.invoice_headers 2:64',
      'prisma insert billing.invoice_lines 2:95',
    ]],
    ['include and select read the related tables', `prisma.invoice.findMany({ include: { lines: true, account: { select: { invoices: true } } } });`, [
      'prisma read billing.invoice_headers 2:8',
      'prisma read billing.invoice_lines 2:38',
      'prisma read Account 2:51',
      'prisma read billing.invoice_headers 2:72',
    ]],
    ['raw SQL through $queryRaw, $executeRawUnsafe and Prisma.sql', `import { Prisma } from '@prisma/client';\nprisma.$queryRaw\`SELECT id FROM invoice_headers\`;\nprisma.$executeRawUnsafe('DELETE FROM invoice_lines');\nconst part = Prisma.sql\`SELECT 1 FROM ledger_entries\`;`, [
      'prisma read invoice_headers 3:33',
      'prisma delete invoice_lines 4:39',
      'prisma read ledger_entries 5:39',
    ]],
    ['a model the schema does not declare is unresolved', `prisma.ghost.findMany();`, ['prisma read ?ghost 2:8']],
    ['a computed model is unresolved', `export const all = (model: string) => (prisma as any)[model].findMany();`, ['prisma read ?model 2:55']],
  ];
  it.each(cases)('%s', async (_name, code, expected) => {
    expect(await accesses(code)).toEqual(expected);
  });

  it('keeps $transaction([...]) queries apart and follows the interactive transaction client', async () => {
    const code = `prisma.$transaction([prisma.invoice.count(), prisma.account.deleteMany()]);\nprisma.$transaction(async (tx) => { await tx.invoiceLine.create({ data: { id: '1' } }); });`;
    expect(await statementsOf(repo(code), 'svc/src/app.ts')).toEqual([['read billing.invoice_headers'], ['delete Account'], ['insert billing.invoice_lines']]);
  });

  it('puts a call with its includes in one statement', async () => {
    expect(await statementsOf(repo(`prisma.invoice.findMany({ include: { lines: true } });`), 'svc/src/app.ts')).toEqual([
      ['read billing.invoice_headers', 'read billing.invoice_lines'],
    ]);
  });
});

describe('prisma: which client and which schema', () => {
  it('takes ctx.prisma and a Prisma.TransactionClient parameter for clients', async () => {
    const code = `import type { Prisma } from '@prisma/client';\nexport const a = (ctx: { prisma: any }) => ctx.prisma.account.count();\nexport const b = (tx: Prisma.TransactionClient) => tx.account.count();`;
    expect(await accesses(code)).toEqual(['prisma read Account 3:55', 'prisma read Account 4:55']);
  });

  it('follows a PrismaClient destructured from require()', async () => {
    const files = repo('', { 'svc/src/cjs.ts': `const { PrismaClient } = require('@prisma/client');\nconst client = new PrismaClient();\nclient.account.count();\n` });
    expect(await accessesOf(files, 'svc/src/cjs.ts')).toEqual(['prisma read Account 3:8']);
  });

  it('takes the model from the schema nearest the file when two schemas declare it', async () => {
    const other = `model Account {\n  id String @id\n  @@map("legacy_accounts")\n}\n`;
    const files = repo(`prisma.account.count();`, {
      'legacy/prisma/schema.prisma': other,
      'legacy/src/app.ts': `import { PrismaClient } from '@prisma/client';\nnew PrismaClient().account.count();\n`,
    });
    expect(await accessesOf(files, 'svc/src/app.ts')).toEqual(['prisma read Account 2:8']);
    expect(await accessesOf(files, 'legacy/src/app.ts')).toEqual(['prisma read legacy_accounts 2:20']);
  });
});

describe('prisma: not a Prisma query', () => {
  const quiet: Array<[string, string]> = [
    ['a state object with update', `const state = { account: { update: () => 1 } };\nstate.account.update();`],
    ['client methods that run no query', `prisma.$connect(); prisma.$disconnect(); prisma.account.fields;`],
    ['a method Prisma does not have', `prisma.account.toString();`],
  ];
  it.each(quiet)('%s', async (_name, code) => {
    expect(await accesses(code)).toEqual([]);
  });
});
