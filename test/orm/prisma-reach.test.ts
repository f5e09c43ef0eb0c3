/**
 * Prisma clients as applications reach them: through `??` / `||`, a cached factory, the app's db module,
 * transaction helpers and prisma-extension-kysely; and the relations a query reads in `where`,
 * `orderBy` and `_count`. Each case has its quiet counterpart.
 */
import { describe, expect, it } from 'vitest';
import { accessesOf, factsOf, statementsOf } from './helpers.js';

const SCHEMA = `
model Team {
  id      String   @id
  members Member[]
  invites Invite[]
  @@map("teams")
}

model Member {
  id     String @id
  team   Team   @relation(fields: [teamId], references: [id])
  teamId String
  user   User   @relation(fields: [userId], references: [id])
  userId String
  @@map("team_members")
}

model Invite {
  id     String @id
  team   Team   @relation(fields: [teamId], references: [id])
  teamId String
  @@map("team_invites")
}

model User {
  id      String   @id
  members Member[]
  @@map("users")
}
`;

function repo(files: Record<string, string>): Record<string, string> {
  return { 'app/prisma/schema.prisma': SCHEMA, ...files };
}

describe('prisma: clients reached through the application', () => {
  it('reads a client chosen with ?? or ||, or by a condition', async () => {
    const files = repo({
      'app/src/db.ts': `import { PrismaClient } from '@prisma/client';\nexport const prisma = new PrismaClient();\n`,
      'app/src/a.ts': [
        `import type { Prisma } from '@prisma/client';\nimport { prisma } from './db';`,
        `export const a = (tx?: Prisma.TransactionClient) => { const client = tx ?? prisma; return client.team.delete({ where: { id: '1' } }); };`,
        `export const b = (tx?: Prisma.TransactionClient) => { const client = tx || prisma; return client.user.count(); };`,
        `export const c = (flag: boolean, tx: Prisma.TransactionClient) => { const client = flag ? tx : prisma; return client.user.count(); };`,
      ].join('\n'),
    });
    expect(await accessesOf(files, 'app/src/a.ts')).toEqual(['prisma delete teams 3:98', 'prisma read users 4:98', 'prisma read users 5:118']);
  });

  it('reads a client cached on globalThis and typed as ReturnType of its factory, in its module and where it is imported', async () => {
    const files = repo({
      'app/src/db.ts': [
        `import { PrismaClient } from '@prisma/client';`,
        `function getClient() { const client = new PrismaClient(); return client; }`,
        `export const client = (globalThis.__db || getClient()) as ReturnType<typeof getClient>;`,
        `export async function countUsers() { return client.user.count(); }`,
        `export const cached: Awaited<ReturnType<typeof getClient>> = (globalThis as any).__db;`,
        `export const invites = () => cached.invite.count();`,
      ].join('\n'),
      'app/src/b.ts': `import { client } from './db';\nexport const teams = () => client.team.findMany({});\n`,
    });
    expect(await accessesOf(files, 'app/src/db.ts')).toEqual(['prisma read users 4:52', 'prisma read team_invites 6:37']);
    expect(await accessesOf(files, 'app/src/b.ts')).toEqual(['prisma read teams 2:35']);
  });

  it('reads the client as a member of the app db object, destructured, and in a transaction helper callback', async () => {
    const files = repo({
      'app/src/db.ts': [
        `import { PrismaClient } from '@prisma/client';`,
        `const make = () => new PrismaClient();`,
        `export const client = make();`,
        `async function transaction(fn: any) { return client.$transaction(fn); }`,
        `export default { client, transaction };`,
      ].join('\n'),
      'app/src/c.ts': [
        `import db from './db';`,
        `const { client } = db;`,
        `export const a = () => db.client.team.findMany({ where: { id: '1' } });`,
        `export const b = () => client.invite.deleteMany({});`,
        `export const c = () => db.transaction(async (tx) => { await tx.member.create({ data: { id: '1' } }); });`,
      ].join('\n'),
    });
    expect(await accessesOf(files, 'app/src/c.ts')).toEqual(['prisma read teams 3:34', 'prisma delete team_invites 4:31', 'prisma insert team_members 5:64']);
  });

  it('reads Kysely through prisma-extension-kysely, with its callbacks', async () => {
    const files = repo({
      'app/src/db.ts': [
        `import { PrismaClient } from '@prisma/client';\nimport kyselyExtension from 'prisma-extension-kysely';\nimport { remember } from './remember';`,
        `export const prisma = new PrismaClient();`,
        `export const kyselyPrisma = remember('k', () => prisma.$extends(kyselyExtension({})));`,
      ].join('\n'),
      'app/src/d.ts': [
        `import { kyselyPrisma } from './db';`,
        `export const a = () => kyselyPrisma.$kysely.selectFrom('teams as t').where((eb) => eb.exists(eb.selectFrom('users as u').select('u.id'))).selectAll().execute();`,
      ].join('\n'),
    });
    expect(await statementsOf(files, 'app/src/d.ts')).toEqual([['read teams', 'read users']]);
  });

  it('keeps a $kysely builder held in a variable a builder: a subquery of it is no unknown table', async () => {
    const files = repo({
      'app/src/db.ts': `import { PrismaClient } from '@prisma/client';\nexport const prisma = new PrismaClient();\nexport const kyselyPrisma = remember('k', () => prisma);\n`,
      'app/src/d.ts': [
        `import { kyselyPrisma } from './db';`,
        `const base = kyselyPrisma.$kysely.selectFrom('teams').select('teams.id');`,
        `export const count = () => kyselyPrisma.$kysely.selectFrom(base.as('filtered')).selectAll().execute();`,
      ].join('\n'),
    });
    const facts = await factsOf(files, 'app/src/d.ts');
    expect(facts.accesses.map((access) => `${access.operation} ${access.table.name}`)).toEqual(['read teams']);
    expect(facts.sites?.filter((site) => site.unread)).toEqual([]);
  });

  it('stays quiet where the shape is not Prisma\'s', async () => {
    const files = repo({
      'app/src/e.ts': [
        `import { authClient } from './auth';`,
        `export const a = (id: string) => authClient.user.delete(id);`,
        `export const b = (store: any) => store.team.update();`,
        `export const c = (api: any) => api.users.findMany({});`,
        `export const d = (api: any) => api.team.findMany({}).map((t: any) => t.id);`,
      ].join('\n'),
    });
    expect(await accessesOf(files, 'app/src/e.ts')).toEqual([]);
  });

  it('reads nothing by shape in a repository without a Prisma schema', async () => {
    const files = { 'app/src/f.ts': `import db from './db';\nexport const a = () => db.client.team.findMany({});\n` };
    expect(await accessesOf(files, 'app/src/f.ts')).toEqual([]);
  });
});

describe('prisma: relations read by filters, sorting and counts', () => {
  const db = `import { PrismaClient } from '@prisma/client';\nexport const prisma = new PrismaClient();\n`;
  const read = (code: string) => accessesOf(repo({ 'app/src/db.ts': db, 'app/src/g.ts': `import { prisma } from './db';\n${code}\n` }), 'app/src/g.ts');

  it('reads the relations a where filters by: some/every/none, is/isNot, a to-one relation directly, and inside AND/OR/NOT', async () => {
    const code = [
      `prisma.team.findMany({ where: { members: { some: { user: { id: '1' } } } } });`,
      `prisma.member.count({ where: { OR: [{ team: { is: { id: '1' } } }], NOT: { user: { id: '2' } } } });`,
      `prisma.team.updateMany({ where: { invites: { none: {} } }, data: {} });`,
    ].join('\n');
    expect(await read(code)).toEqual([
      'prisma read teams 2:8',
      'prisma read team_members 2:33',
      'prisma read users 2:52',
      'prisma read team_members 3:8',
      'prisma read teams 3:39',
      'prisma read users 3:76',
      'prisma update teams 4:8',
      'prisma read team_invites 4:35',
    ]);
  });

  it('reads relations sorted by and counted, and filters inside an include', async () => {
    const code = [
      `prisma.member.findMany({ orderBy: [{ team: { name: 'asc' } }], select: { _count: { select: { user: true } } } });`,
      `prisma.team.findFirst({ include: { members: { where: { user: { id: '1' } } }, _count: true } });`,
    ].join('\n');
    expect(await read(code)).toEqual([
      'prisma read team_members 2:8',
      'prisma read teams 2:38',
      'prisma read users 2:94',
      'prisma read teams 3:8',
      'prisma read team_members 3:36',
      'prisma read users 3:56',
      'prisma read team_members 3:79',
      'prisma read team_invites 3:79',
    ]);
  });

  it('reads a relation filtered by a where built elsewhere, but not one compared with null', async () => {
    const code = `const teamWhere = (id: string) => ({ id });\nprisma.invite.findMany({ where: { team: teamWhere('1') } });\nprisma.member.findMany({ where: { team: null, user: undefined } });`;
    expect(await read(code)).toEqual(['prisma read team_invites 3:8', 'prisma read teams 3:35', 'prisma read team_members 4:8']);
  });

  it('stays quiet for scalar fields and false selections', async () => {
    const code = `prisma.team.findMany({ where: { id: { in: ['1'] }, name: { contains: 'x' } }, orderBy: { id: 'asc' }, include: { members: false }, select: { _count: false } });`;
    expect(await read(code)).toEqual(['prisma read teams 2:8']);
  });
});
