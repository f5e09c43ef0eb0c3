import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SourceTexts } from '../../src/extract/read-source.js';
import { writeRepo } from '../helpers.js';
import { accessesOf, symbolsOf } from './helpers.js';
import { temporaryFolder } from '../temporary.js';

const TABLES = `import { pgTable } from 'drizzle-orm/pg-core';\nexport const users = pgTable('users', {});\n`;

describe('the repository symbol table', () => {
  it('keeps the framework bindings of each file, re-exports followed, and nothing else', async () => {
    const symbols = await symbolsOf(
      writeRepo({
        'db/tables.ts': TABLES + `export const LIMIT = 10;\n`,
        'db/index.ts': `export * from './tables';\nexport { users as people } from './tables';\nexport { helper } from './helper';\n`,
        'db/helper.ts': `export const helper = () => 1;\n`,
        'db/client.ts': `import knex from 'knex';\nexport default knex({ client: 'pg' });\n`,
      }),
    );
    expect(symbols.data.exports).toEqual({
      'db/client.ts': { default: { kind: 'client', framework: 'knex' } },
      'db/index.ts': { users: { kind: 'table', table: { name: 'users' } }, people: { kind: 'table', table: { name: 'users' } } },
      'db/tables.ts': { users: { kind: 'table', table: { name: 'users' } } },
    });
  });

  it('survives re-export cycles', async () => {
    const files = {
      'a.ts': `export * from './b';\n` + TABLES,
      'b.ts': `export * from './a';\n`,
      'app.ts': `import { users } from './b';\nimport { drizzle } from 'drizzle-orm/node-postgres';\ndrizzle('x').delete(users);\n`,
    };
    expect(await accessesOf(files, 'app.ts')).toEqual(['drizzle delete users 3:21']);
  });

  it('has a fingerprint that changes with a framework binding, not with other exports', async () => {
    const base = { 'db/tables.ts': TABLES, 'db/index.ts': `export * from './tables';\n` };
    const fingerprint = async (files: Record<string, string>) => (await symbolsOf(writeRepo(files))).fingerprint;
    const original = await fingerprint(base);
    expect(await fingerprint(base)).toBe(original);
    expect(await fingerprint({ ...base, 'db/index.ts': `export * from './tables';\nexport const version = 2;\n` })).toBe(original);
    expect(await fingerprint({ ...base, 'db/tables.ts': TABLES.replace("'users'", "'accounts'") })).not.toBe(original);
  });

  it('resolves imports without the disk: relative paths as the resolver probes them, bare specifiers as the pre-pass found them', async () => {
    const symbols = await symbolsOf(
      writeRepo({
        'package.json': '{ "name": "root" }',
        'packages/db/package.json': '{ "name": "@acme/db", "main": "src/index.ts" }',
        'packages/db/src/index.ts': TABLES,
        'app/a.ts': `import { users } from '@acme/db';\n`,
      }),
    );
    expect(symbols.fileOf('packages/db/src/x.ts', './index.js')).toBe('packages/db/src/index.ts');
    expect(symbols.fileOf('packages/db/x.ts', './src')).toBe('packages/db/src/index.ts');
    expect(symbols.fileOf('app/b.ts', '@acme/db')).toBe('packages/db/src/index.ts');
    expect(symbols.fileOf('app/b.ts', '@acme/elsewhere')).toBeUndefined();
  });

  it('counts an entity whose table name is computed as unresolved', async () => {
    const files = {
      'e.ts': `import { Entity } from 'typeorm';\nconst prefix = process.env.PREFIX;\n@Entity(prefix + 'users')\nexport class User {}\n`,
      'app.ts': `import { getRepository } from 'typeorm';\nimport { User } from './e';\ngetRepository(User).find();\n`,
    };
    expect(await accessesOf(files, 'app.ts')).toEqual(['typeorm read ?find 3:21']);
  });
});

describe('reading files for the pre-pass', () => {
  it('does not follow a link out of the root', () => {
    const outside = temporaryFolder('schema-guard-outside-');
    writeFileSync(path.join(outside, 'secret.ts'), TABLES);
    const root = writeRepo({ 'inside.ts': TABLES });
    symlinkSync(path.join(outside, 'secret.ts'), path.join(root, 'link.ts'));
    const texts = new SourceTexts(root);
    expect(texts.read('inside.ts')).toBe(TABLES);
    expect(texts.read('link.ts')).toBeUndefined();
    expect(texts.read('missing.ts')).toBeUndefined();
  });
});
