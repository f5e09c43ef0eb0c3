/**
 * The ORM pre-pass follows the import resolver: a Drizzle client and schema exported by a workspace
 * package through its `exports` map (conditions pointing at a build that is not there), imported by
 * package subpath and by a per-app tsconfig alias, with no node_modules.
 */
import { describe, expect, it } from 'vitest';
import { accessesOf } from './helpers.js';

const json = (value: unknown) => JSON.stringify(value);

const WORKSPACE = {
  'package.json': json({ name: 'acme', private: true }),
  'pnpm-workspace.yaml': 'packages:\n  - apps/*\n  - packages/*\n',
  'packages/server/package.json': json({
    name: '@acme/server',
    exports: {
      './db': { types: './src/db/index.ts', import: './dist/db/index.js' },
      './db/*': { types: './src/db/*.ts', import: './dist/db/*.js' },
    },
  }),
  'packages/server/src/db/schema.ts': [
    `import { pgTable, text } from 'drizzle-orm/pg-core';`,
    `export const users = pgTable('users', { id: text('id') });`,
    `export const invoices = pgTable('invoices', { id: text('id') });`,
    '',
  ].join('\n'),
  'packages/server/src/db/index.ts': [
    `import { drizzle } from 'drizzle-orm/node-postgres';`,
    `import * as schema from './schema';`,
    `export const db = drizzle(process.env.URL!, { schema });`,
    '',
  ].join('\n'),
  'apps/web/package.json': json({ name: '@acme/web' }),
  'apps/web/tsconfig.json': json({ compilerOptions: { paths: { '~db/*': ['../../packages/server/src/db/*'] } } }),
};

describe('drizzle through a workspace package’s exports map, without node_modules', () => {
  it('reads the queries of a client and tables imported by package subpath', async () => {
    const files = {
      ...WORKSPACE,
      'apps/web/src/page.ts': [
        `import { db } from '@acme/server/db';`,
        `import { users, invoices } from '@acme/server/db/schema';`,
        `export const load = () => db.select().from(users);`,
        `export const drop = () => db.delete(invoices);`,
        '',
      ].join('\n'),
    };
    expect(await accessesOf(files, 'apps/web/src/page.ts')).toEqual(['drizzle read users 3:44', 'drizzle delete invoices 4:37']);
  });

  it('reads them through a per-app tsconfig alias too', async () => {
    const files = {
      ...WORKSPACE,
      'apps/web/src/alias.ts': [`import { db } from '~db/index';`, `import { users } from '~db/schema';`, `export const load = () => db.select().from(users);`, ''].join('\n'),
    };
    expect(await accessesOf(files, 'apps/web/src/alias.ts')).toEqual(['drizzle read users 3:44']);
  });
});
