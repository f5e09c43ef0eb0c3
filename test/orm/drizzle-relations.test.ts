/**
 * Drizzle on real layouts: relational queries read every table their `with` tree reaches through the
 * schema's relations(); views are relations with owners; sql pieces (`sql.join`, `sql.raw`,
 * fragments in select lists and where clauses) are expressions, never statements that fail to parse.
 */
import { describe, expect, it } from 'vitest';
import { accessesOf, factsOf, statementsOf } from './helpers.js';

const SCHEMA = [
  `import { relations } from 'drizzle-orm';`,
  `import { pgTable, pgView, text } from 'drizzle-orm/pg-core';`,
  `export const users = pgTable('users', { id: text('id'), teamId: text('team_id') });`,
  `export const teams = pgTable('teams', { id: text('id') });`,
  `export const posts = pgTable('blog_posts', { id: text('id'), authorId: text('author_id') });`,
  `export const comments = pgTable('comments', { id: text('id'), postId: text('post_id') });`,
  `export const activeUsers = pgView('active_users', { id: text('id') }).existing();`,
  `export const usersRelations = relations(users, ({ one, many }) => ({`,
  `  team: one(teams, { fields: [users.teamId], references: [teams.id] }),`,
  `  posts: many(posts),`,
  `}));`,
  `export const postsRelations = relations(posts, ({ one, many }) => {`,
  `  return { author: one(users, { fields: [posts.authorId], references: [users.id] }), comments: many(comments) };`,
  `});`,
].join('\n');

function repo(code: string): Record<string, string> {
  return {
    'db/schema.ts': SCHEMA + '\n',
    'db/client.ts': `import { drizzle } from 'drizzle-orm/node-postgres';\nimport * as schema from './schema';\nexport const db = drizzle(process.env.URL!, { schema });\n`,
    'app/q.ts': `import { db } from '../db/client';\nimport { activeUsers } from '../db/schema';\n${code}\n`,
  };
}

const accesses = (code: string) => accessesOf(repo(code), 'app/q.ts');

describe('drizzle: relational queries read the tables their with tree reaches', () => {
  it('reads each relation of with, nested, in the statement of the query', async () => {
    const code = `db.query.users.findMany({ columns: { id: true }, with: { team: true, posts: { with: { comments: true, author: false } } } });`;
    expect(await accesses(code)).toEqual([
      'drizzle read users 3:10',
      'drizzle read teams 3:58',
      'drizzle read blog_posts 3:70',
      'drizzle read comments 3:87',
    ]);
    expect(await statementsOf(repo(code), 'app/q.ts')).toEqual([['read users', 'read teams', 'read blog_posts', 'read comments']]);
  });

  it('reads relations declared in a block body, from findFirst', async () => {
    expect(await accesses(`db.query.posts.findFirst({ with: { author: { with: { team: true } } } });`)).toEqual([
      'drizzle read blog_posts 3:10',
      'drizzle read users 3:36',
      'drizzle read teams 3:54',
    ]);
  });

  it('counts a relation its relations() do not declare as an unknown table, never a guess', async () => {
    const facts = await factsOf(repo(`db.query.teams.findMany({ with: { members: true } });`), 'app/q.ts');
    expect(facts.accesses.map((access) => `${access.synthetic ? '?' : ''}${access.table.name}`)).toEqual(['teams', '?members']);
    expect(facts.sites?.map((site) => site.unread)).toEqual(['table-unknown']);
  });

  it('stays with the query table where there is no with, or a with built elsewhere', async () => {
    const code = `db.query.users.findMany({ where: (u, { eq }) => eq(u.id, '1') });\nconst include = { team: true } as const;\ndb.query.users.findMany({ with: include });`;
    expect(await accesses(code)).toEqual(['drizzle read users 3:10', 'drizzle read users 5:10']);
  });
});

describe('drizzle: views', () => {
  it('reads a pgView like a table', async () => {
    expect(await accesses(`db.select().from(activeUsers);`)).toEqual(['drizzle read active_users 3:18']);
  });
});
