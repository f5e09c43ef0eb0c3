/**
 * Monorepo import resolution without node_modules: workspace packages through their package.json
 * (exports subpaths, patterns and conditions, types/main), each folder's tsconfig (paths, baseUrl,
 * extends through a path or a workspace package, references), pnpm/npm workspace declarations;
 * an import of the repository's own code that leads to no file says why.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverRepository } from '../../src/discover/files.js';
import { ImportResolver } from '../../src/extract/resolve-imports.js';
import { matchExports } from '../../src/extract/package-exports.js';
import { writeRepo } from '../helpers.js';

const json = (value: unknown) => JSON.stringify(value, null, 2);

/** A resolver over a repository written from `files`, with its files and manifests as a scan discovers them. */
function resolverOf(files: Record<string, string>): ImportResolver {
  const root = writeRepo(files);
  const discovered = discoverRepository({ root });
  return new ImportResolver(root, discovered.files, discovered.manifests);
}

/** A pnpm workspace in the shape of a Drizzle app: a db package exporting subpaths with conditions, an api with its own tsconfig. */
const PNPM_WORKSPACE = {
  'package.json': json({ name: 'acme', private: true }),
  'pnpm-workspace.yaml': "packages:\n  - 'apps/*'\n  - 'packages/*'\n  - '!packages/legacy'\n",
  'packages/tsconfig/package.json': json({ name: '@acme/tsconfig', files: ['base.json'] }),
  'packages/tsconfig/base.json': json({ compilerOptions: { strict: true, module: 'NodeNext' } }),
  'packages/db/package.json': json({
    name: '@acme/db',
    exports: {
      './client': './src/client.ts',
      './db': { types: './src/db/index.ts', import: './dist/db/index.js' },
      './queries/*': { types: './src/queries/*.ts', default: './dist/queries/*.js' },
      './internal/*': null,
      './schema': { import: { types: './dist/schema.d.ts', default: './dist/schema.js' }, default: './src/schema.ts' },
    },
  }),
  'packages/db/tsconfig.json': json({ extends: '@acme/tsconfig/base.json', include: ['src'] }),
  'packages/db/src/client.ts': 'export const db = 1;\n',
  'packages/db/src/db/index.ts': 'export const db = 1;\n',
  'packages/db/src/queries/users.ts': 'export const users = 1;\n',
  'packages/db/src/internal/secret.ts': 'export const s = 1;\n',
  'packages/db/src/schema.ts': 'export const t = 1;\n',
  'apps/api/package.json': json({ name: '@acme/api' }),
  'apps/api/tsconfig.json': json({ extends: '../../packages/tsconfig/base.json', compilerOptions: { paths: { '@api/*': ['./src/*'], '@db/*': ['../../packages/db/src/*'] } } }),
  'apps/api/src/app.ts': "import { db } from '@acme/db/client';\n",
  'apps/api/src/routes/users.ts': 'export {};\n',
  'apps/web/package.json': json({ name: '@acme/web' }),
  'apps/web/tsconfig.json': json({ extends: '@acme/tsconfig/base.json', compilerOptions: { paths: { '@/*': ['./src/*'] } } }),
  'apps/web/src/page.tsx': 'export {};\n',
  'apps/web/src/lib/db.ts': 'export {};\n',
};

describe('workspace packages through their package.json, with no node_modules', () => {
  const resolver = resolverOf(PNPM_WORKSPACE);
  const from = 'apps/api/src/app.ts';

  it('follows exports subpaths, taking the first target that exists in the map’s order', () => {
    expect(resolver.resolveImport(from, '@acme/db/client')).toEqual({ file: 'packages/db/src/client.ts' });
    // "types" points at the source, "import" at a build folder that is not there.
    expect(resolver.resolveImport(from, '@acme/db/db')).toEqual({ file: 'packages/db/src/db/index.ts' });
    // Nested conditions whose targets are all build output fall to the source "default".
    expect(resolver.resolveImport(from, '@acme/db/schema')).toEqual({ file: 'packages/db/src/schema.ts' });
  });

  it('follows "./*" patterns with conditions', () => {
    expect(resolver.resolveImport(from, '@acme/db/queries/users')).toEqual({ file: 'packages/db/src/queries/users.ts' });
  });

  it('counts a subpath the exports map does not expose, or maps to null, as unresolved, naming the package', () => {
    const missing = resolver.resolveImport(from, '@acme/db/src/client');
    expect(missing.unresolved).toMatch(/@acme\/db \(packages\/db\) does not export '\.\/src\/client'/);
    // The import rules still see which package it reaches.
    expect(missing.file).toBe('packages/db/src/client');
    expect(resolver.resolveImport(from, '@acme/db/internal/secret').unresolved).toMatch(/does not export '\.\/internal\/secret'/);
  });

  it('counts an exported subpath whose targets are all missing', () => {
    const root = writeRepo({
      'package.json': json({ name: 'r', workspaces: ['packages/*'] }),
      'packages/ui/package.json': json({ name: '@acme/ui', exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } } }),
      'packages/ui/src/index.ts': 'export {};\n',
      'app.ts': "import '@acme/ui';\n",
    });
    const found = discoverRepository({ root });
    const result = new ImportResolver(root, found.files, found.manifests).resolveImport('app.ts', '@acme/ui');
    expect(result.unresolved).toMatch(/@acme\/ui exports '\.' as packages\/ui\/dist\/index\.d\.ts, packages\/ui\/dist\/index\.js, and no such file exists/);
  });

  it('leads an entry written for build output to its source through the package tsconfig outDir → rootDir', () => {
    const resolver = resolverOf({
      'package.json': json({ name: 'r', workspaces: ['packages/*'] }),
      'packages/core/package.json': json({ name: '@acme/core', main: './lib/index.js', exports: { '.': './lib/index.js', './models/*': './lib/models/*.js' } }),
      'packages/core/tsconfig.json': json({ compilerOptions: { outDir: 'lib', rootDir: 'src' } }),
      'packages/core/src/index.ts': 'export {};\n',
      'packages/core/src/models/user.ts': 'export {};\n',
    });
    expect(resolver.resolveImport('x.ts', '@acme/core')).toEqual({ file: 'packages/core/src/index.ts' });
    expect(resolver.resolveImport('x.ts', '@acme/core/models/user')).toEqual({ file: 'packages/core/src/models/user.ts' });
    expect(resolver.packageOf('packages/core/src/models/user.ts')?.entries).toEqual(expect.arrayContaining(['packages/core/src/index.ts', 'packages/core/src/models/user.ts']));
  });

  it('reads types and main without exports, then the package index', () => {
    const resolver = resolverOf({
      'package.json': json({ name: 'r', workspaces: ['packages/*'] }),
      'packages/a/package.json': json({ name: 'a', types: 'src/entry.ts', main: 'dist/entry.js' }),
      'packages/a/src/entry.ts': 'export {};\n',
      'packages/a/src/deep/file.ts': 'export {};\n',
      'packages/b/package.json': json({ name: 'b' }),
      'packages/b/index.ts': 'export {};\n',
      'packages/c/package.json': json({ name: 'c', main: 'dist/index.js' }),
    });
    expect(resolver.resolve('x.ts', 'a')).toBe('packages/a/src/entry.ts');
    expect(resolver.resolve('x.ts', 'a/src/deep/file')).toBe('packages/a/src/deep/file.ts');
    expect(resolver.resolve('x.ts', 'b')).toBe('packages/b/index.ts');
    expect(resolver.resolveImport('x.ts', 'c').unresolved).toMatch(/^c \(packages\/c\) has no entry file/);
    expect(resolver.resolveImport('x.ts', 'a/src/nothing').unresolved).toMatch(/^no file packages\/a\/src\/nothing .* in a$/);
  });

  it("takes the workspace member when a package outside the declaration has the same name, and finds members from pnpm-workspace.yaml", () => {
    const resolver = resolverOf({
      ...PNPM_WORKSPACE,
      'packages/legacy/package.json': json({ name: '@acme/db', main: 'old.ts' }),
      'packages/legacy/old.ts': 'export {};\n',
    });
    expect(resolver.resolve('apps/api/src/app.ts', '@acme/db/client')).toBe('packages/db/src/client.ts');
    expect(resolver.packages.find((pkg) => pkg.dir === 'packages/legacy')?.member).toBe(false);
    expect(resolver.packages.find((pkg) => pkg.dir === 'packages/db')?.member).toBe(true);
  });

  it('resolves #imports of the importing package', () => {
    const resolver = resolverOf({
      'package.json': json({ name: 'r', workspaces: ['packages/*'] }),
      'packages/a/package.json': json({ name: 'a', imports: { '#db': { types: './src/db.ts', default: './dist/db.js' }, '#lib/*': './src/lib/*.ts' } }),
      'packages/a/src/db.ts': 'export {};\n',
      'packages/a/src/lib/x.ts': 'export {};\n',
      'packages/a/src/app.ts': 'export {};\n',
    });
    expect(resolver.resolve('packages/a/src/app.ts', '#db')).toBe('packages/a/src/db.ts');
    expect(resolver.resolve('packages/a/src/app.ts', '#lib/x')).toBe('packages/a/src/lib/x.ts');
    expect(resolver.resolveImport('packages/a/src/app.ts', '#nothing').unresolved).toMatch(/a's imports do not map #nothing/);
  });
});

describe('each folder’s own tsconfig.json', () => {
  const resolver = resolverOf(PNPM_WORKSPACE);

  it('uses the paths of the nearest tsconfig, relative to the config that wrote them', () => {
    expect(resolver.resolve('apps/api/src/app.ts', '@api/routes/users')).toBe('apps/api/src/routes/users.ts');
    expect(resolver.resolve('apps/api/src/app.ts', '@db/client')).toBe('packages/db/src/client.ts');
    expect(resolver.resolve('apps/web/src/page.tsx', '@/lib/db')).toBe('apps/web/src/lib/db.ts');
    // Another app's alias means nothing here.
    expect(resolver.resolve('apps/web/src/page.tsx', '@api/routes/users')).toBeUndefined();
  });

  it('counts an alias whose targets lead to no file', () => {
    expect(resolver.resolveImport('apps/web/src/page.tsx', '@/lib/missing').unresolved).toMatch(
      /matches '@\/\*' of the paths in apps\/web\/tsconfig\.json, whose targets \(apps\/web\/src\/lib\/missing\) lead to no file/,
    );
  });

  it('inherits paths and baseUrl through extends (a relative path and a workspace package), targets relative to the config that wrote them', () => {
    const resolver = resolverOf({
      'package.json': json({ name: 'r', workspaces: ['packages/*', 'apps/*'] }),
      'packages/config/package.json': json({ name: '@acme/config', exports: { './base': './tsconfig.base.json' } }),
      'packages/config/tsconfig.base.json': json({ compilerOptions: { paths: { '@shared/*': ['../shared/src/*'] } } }),
      'packages/shared/package.json': json({ name: '@acme/shared' }),
      'packages/shared/src/money.ts': 'export {};\n',
      'tsconfig.base.json': json({ compilerOptions: { baseUrl: '.', paths: { '@lib/*': ['libs/*'] } } }),
      'libs/log.ts': 'export {};\n',
      'apps/one/package.json': json({ name: 'one' }),
      'apps/one/tsconfig.json': json({ extends: '../../tsconfig.base.json' }),
      'apps/one/src/a.ts': 'export {};\n',
      'apps/two/package.json': json({ name: 'two' }),
      'apps/two/tsconfig.json': json({ extends: ['@acme/config/base'] }),
      'apps/two/src/a.ts': 'export {};\n',
    });
    expect(resolver.resolve('apps/one/src/a.ts', '@lib/log')).toBe('libs/log.ts');
    // baseUrl from the root config: a bare path under it resolves too.
    expect(resolver.resolve('apps/one/src/a.ts', 'libs/log')).toBe('libs/log.ts');
    expect(resolver.resolve('apps/two/src/a.ts', '@shared/money')).toBe('packages/shared/src/money.ts');
  });

  it('reads tsconfig.json with comments, and ${configDir} in paths', () => {
    const resolver = resolverOf({
      'tsconfig.base.json': '{\n  // shared\n  "compilerOptions": { "paths": { "~/*": ["${configDir}/src/*"], }, },\n}\n',
      'apps/x/tsconfig.json': json({ extends: '../../tsconfig.base.json' }),
      'apps/x/src/util.ts': 'export {};\n',
      'apps/x/src/main.ts': 'export {};\n',
    });
    expect(resolver.resolve('apps/x/src/main.ts', '~/util')).toBe('apps/x/src/util.ts');
  });

  it('takes the paths of the referenced project that includes the file, for a solution-style config', () => {
    const resolver = resolverOf({
      'tsconfig.json': json({ files: [], references: [{ path: './tsconfig.node.json' }, { path: './tsconfig.app.json' }] }),
      'tsconfig.node.json': json({ include: ['vite.config.ts'] }),
      'tsconfig.app.json': json({ include: ['src'], compilerOptions: { paths: { '@/*': ['./src/*'] } } }),
      'src/main.ts': 'export {};\n',
      'src/lib/db.ts': 'export {};\n',
    });
    expect(resolver.resolve('src/main.ts', '@/lib/db')).toBe('src/lib/db.ts');
  });

  it('does not count a third-party import, nor one that only a catch-all "*" path matches', () => {
    const resolver = resolverOf({
      'tsconfig.json': json({ compilerOptions: { paths: { '*': ['./types/*'] } } }),
      'src/a.ts': 'export {};\n',
    });
    expect(resolver.resolveImport('src/a.ts', 'react')).toEqual({});
    expect(resolver.resolveImport('src/a.ts', 'node:fs')).toEqual({});
  });
});

describe('unresolved imports of the repository’s own code', () => {
  const resolver = resolverOf({ 'src/a.ts': 'export {};\n' });

  it('counts a relative path to no file, and not a missing style sheet or image', () => {
    expect(resolver.resolveImport('src/a.ts', './gone')).toEqual({ file: 'src/gone', unresolved: 'no file src/gone (or with a source extension, or its index)' });
    expect(resolver.resolveImport('src/a.ts', './styles.css')).toEqual({ file: 'src/styles.css' });
    expect(resolver.resolveImport('src/a.ts', '../public/logo.png?url')).toEqual({ file: 'public/logo.png' });
  });

  it('reads a query or fragment as no part of the path', () => {
    expect(resolver.resolve('src/b.ts', './a?worker')).toBe('src/a.ts');
  });

  it('counts a path out of the root and an absolute path, resolving neither', () => {
    expect(resolver.resolveImport('src/a.ts', '../../../etc/passwd')).toEqual({ unresolved: 'it leads outside the repository' });
    expect(resolver.resolveImport('src/a.ts', '/etc/passwd')).toEqual({ unresolved: 'an absolute path is never followed' });
  });
});

describe('the root is the limit', () => {
  it('never reads a tsconfig extends or a package through a link out of the root, nor an extends above it', () => {
    const outside = writeRepo({
      'tsconfig.json': json({ compilerOptions: { paths: { '@out/*': ['./*'] } } }),
      'pkg/package.json': json({ name: '@out/pkg', main: 'index.ts' }),
      'pkg/index.ts': 'export {};\n',
    });
    const root = writeRepo({
      'package.json': json({ name: 'r', workspaces: ['packages/*'] }),
      'tsconfig.json': json({ extends: path.relative('/', path.join(outside, 'tsconfig.json')).replace(/^/, '../'.repeat(20)) }),
      'apps/x/tsconfig.json': json({ extends: './linked.json' }),
      'apps/x/src/a.ts': "import '@out/pkg';\n",
      'apps/y/tsconfig.json': json({ extends: '../../linked-folder/tsconfig.json' }),
      'apps/y/a.ts': 'export {};\n',
    });
    symlinkSync(path.join(outside, 'tsconfig.json'), path.join(root, 'apps/x/linked.json'));
    symlinkSync(outside, path.join(root, 'linked-folder'));
    mkdirSync(path.join(root, 'packages'));
    symlinkSync(path.join(outside, 'pkg'), path.join(root, 'packages/linked'));
    const found = discoverRepository({ root });
    const resolver = new ImportResolver(root, found.files, found.manifests);
    expect(resolver.resolve('src/a.ts', '@out/pkg')).toBeUndefined();
    expect(resolver.resolve('apps/x/src/a.ts', '@out/pkg')).toBeUndefined();
    expect(resolver.resolve('apps/y/a.ts', '@out/pkg')).toBeUndefined();
    expect(resolver.packages.map((pkg) => pkg.name)).toEqual(['r']);
  });

  it('keeps exports targets and pattern matches inside the package', () => {
    const resolver = resolverOf({
      'package.json': json({ name: 'r', workspaces: ['packages/*'] }),
      'packages/a/package.json': json({ name: 'a', exports: { './up': '../b/secret.ts', './*': './src/*.ts', './abs': '/etc/passwd' } }),
      'packages/a/src/ok.ts': 'export {};\n',
      'packages/b/package.json': json({ name: 'b' }),
      'packages/b/secret.ts': 'export {};\n',
    });
    expect(resolver.resolve('x.ts', 'a/ok')).toBe('packages/a/src/ok.ts');
    expect(resolver.resolve('x.ts', 'a/up')).not.toBe('packages/b/secret.ts');
    expect(resolver.resolve('x.ts', 'a/../b/secret')).not.toBe('packages/b/secret.ts');
    expect(resolver.resolve('x.ts', 'a/abs')).not.toBe('/etc/passwd');
  });

  it('matches hostile exports keys in linear time (no regular expression is made of them)', () => {
    const key = './a*(a|aa)+(a|aa)+(a|aa)+(a|aa)+$';
    expect(matchExports({ [key]: './x.js' }, `./a${'a'.repeat(40)}!`)).toEqual({ targets: [] });
  });

  it('changes its fingerprint when a config it read changes', () => {
    const root = writeRepo({ 'apps/x/tsconfig.json': json({ extends: '../../base.json' }), 'base.json': json({}), 'apps/x/a.ts': 'export {};\n' });
    const before = new ImportResolver(root, ['apps/x/a.ts'], []).fingerprint;
    writeFileSync(path.join(root, 'base.json'), json({ compilerOptions: { paths: { '@/*': ['./*'] } } }));
    expect(new ImportResolver(root, ['apps/x/a.ts'], []).fingerprint).not.toBe(before);
  });
});

describe('the ORM pre-pass, which resolves bare specifiers with no importing file', () => {
  it('gets the one file an alias of some project leads to, and nothing when projects disagree', () => {
    const resolver = resolverOf(PNPM_WORKSPACE);
    expect(resolver.resolve('', '@acme/db/client')).toBe('packages/db/src/client.ts');
    expect(resolver.resolve('', '@db/client')).toBe('packages/db/src/client.ts');
    const two = resolverOf({
      'a/tsconfig.json': json({ compilerOptions: { paths: { '@/*': ['./src/*'] } } }),
      'a/src/db.ts': 'export {};\n',
      'b/tsconfig.json': json({ compilerOptions: { paths: { '@/*': ['./src/*'] } } }),
      'b/src/db.ts': 'export {};\n',
    });
    expect(two.resolve('', '@/db')).toBeUndefined();
  });
});
