/**
 * The scan treats the repository as untrusted: it never runs its code, never resolves or reads a
 * path outside the root (through `..`, absolute paths or links), and writes nothing but --output
 * and its cache directory (outside the checkout by default).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultCacheDir } from '../../src/cache/folder.js';
import { runCheck } from '../../src/check.js';
import { writeRepo } from '../helpers.js';
import { runCli, SMALL_MAP, VIOLATING_FILE } from './cli-run.js';

/** A repository whose manifests, tsconfig, configs and sources all try to run code or reach out of the root. */
function maliciousRepo(marker: string, outside: string): string {
  const touch = `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran')`;
  const root = writeRepo({
    'ownership-map.yaml': SMALL_MAP,
    ...VIOLATING_FILE,
    'tsconfig.json': JSON.stringify({
      extends: '../../etc/tsconfig.json',
      compilerOptions: { baseUrl: '/', paths: { '@etc/*': ['etc/*', '../../etc/*', '/etc/*'], '#up': ['../..'], '@out/*': [`${outside}/*`] } },
    }),
    'schema-guard.config.js': `${touch};\nmodule.exports = {};\n`,
    'packages/shop/src/side-effects.ts': `${touch};\nexport const x = 1;\n`,
    'packages/shop/src/imports.ts': [
      "import a from 'evil';",
      "import b from 'evil/../../../etc/passwd';",
      "import c from '@etc/passwd';",
      "import d from '#up';",
      "import e from '@out/secret';",
      "import f from '../../../../../../etc/passwd';",
      "import g from './linked/secret';",
      "import h from 'linked-package';",
      "const i = require('/etc/passwd');",
      '',
    ].join('\n'),
  });
  // Entry points that climb from the root to a file that exists on the machine.
  const climb = path.relative(root, '/etc/passwd');
  writeFileSync(
    path.join(root, 'package.json'),
    JSON.stringify({
      name: 'evil',
      main: climb,
      types: '/etc/passwd',
      exports: { '.': climb },
      scripts: { preinstall: `node -e "${touch}"`, postinstall: `node -e "${touch}"`, prepare: `node -e "${touch}"` },
    }),
  );
  // A folder inside the root that is a link out of it, holding a workspace package.
  symlinkSync(outside, path.join(root, 'packages/shop/src/linked'));
  symlinkSync(outside, path.join(root, 'packages/linked-package'));
  return root;
}

/** Every file and folder under `dir`, with its modification time and size; links are listed, not followed. */
function snapshot(dir: string): Map<string, string> {
  const entries = new Map<string, string>();
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const absolute = path.join(folder, entry.name);
      if (entry.isSymbolicLink()) {
        entries.set(absolute, 'link');
        continue;
      }
      const stats = statSync(absolute);
      entries.set(absolute, `${stats.mtimeMs}:${stats.size}`);
      if (entry.isDirectory()) walk(absolute);
    }
  };
  walk(dir);
  return entries;
}

function changed(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after].filter(([file, state]) => before.get(file) !== state).map(([file]) => file).sort();
}

describe('a scan of a malicious repository', () => {
  it('resolves no import, package entry or tsconfig path outside the root', async () => {
    const outside = writeRepo({ 'secret.ts': 'export default 1;\n', 'package.json': JSON.stringify({ name: 'linked-package', main: 'secret.ts' }) });
    const root = maliciousRepo(path.join(outside, 'marker'), outside);
    const result = await runCheck({ root, mapFile: path.join(root, 'ownership-map.yaml') });
    const imports = result.facts.find((facts) => facts.file === 'packages/shop/src/imports.ts')!.imports;
    expect(imports.map((i) => i.specifier)).toHaveLength(9);
    const realRoot = realpathSync(root);
    for (const { specifier, resolved } of imports) {
      if (resolved === undefined) continue;
      expect(path.isAbsolute(resolved) || resolved === '..' || resolved.startsWith('../'), `${specifier} → ${resolved}`).toBe(false);
      const target = path.join(root, resolved);
      if (!existsSync(target)) continue;
      const real = realpathSync(target);
      expect(real === realRoot || real.startsWith(realRoot + path.sep), `${specifier} → ${resolved} (${real})`).toBe(true);
    }
    // The ordinary violation is still found, and nothing was scanned through the links.
    expect(result.findings.map((f) => `${f.ruleId} ${f.file}`)).toContain('cross-domain-query packages/shop/src/orders.ts');
    expect(result.facts.map((f) => f.file).filter((file) => file.includes('linked'))).toEqual([]);
  });

  it('runs none of its code: no install script, config file or module side effect', async () => {
    const outside = writeRepo({});
    const marker = path.join(outside, 'marker');
    const root = maliciousRepo(marker, outside);
    const result = await runCli(['--root', root, '--format', 'json']);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).findings.length).toBeGreaterThan(0);
    expect(existsSync(marker)).toBe(false);
  });

  it('writes nothing but --output and its cache directory, inside the root or out of it', async () => {
    const parent = writeRepo({});
    const root = path.join(parent, 'repo');
    mkdirSync(root);
    for (const [file, content] of Object.entries({ 'ownership-map.yaml': SMALL_MAP, ...VIOLATING_FILE })) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), content);
    }
    const before = snapshot(parent);
    const output = path.join(root, 'reports/guard.sarif');
    expect((await runCli(['--root', root, '--format', 'sarif', '--output', output, '--quiet'])).exitCode).toBe(0);
    expect(JSON.parse(readFileSync(output, 'utf8')).runs[0].results).toHaveLength(1);
    // The cache goes to the user's cache folder, outside the checkout.
    expect(existsSync(defaultCacheDir(root))).toBe(true);
    // Allowed: the report and the folders on the way to it (created, or changed by a new entry).
    const allowed = (file: string) => file === output || output.startsWith(file + path.sep);
    expect(changed(before, snapshot(parent)).filter((file) => !allowed(file))).toEqual([]);
  });

  it('neither creates nor reads a cache through a node_modules linked out of the root', async () => {
    const outside = writeRepo({});
    const root = writeRepo({ 'ownership-map.yaml': SMALL_MAP, ...VIOLATING_FILE });
    symlinkSync(outside, path.join(root, 'node_modules'));
    const result = await runCli(['--root', root, '--format', 'json']);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).findings).toHaveLength(1);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('does not read a .gitignore that is a link out of the root', async () => {
    const outside = writeRepo({ ignore: '**/*.ts\n' });
    const root = writeRepo({ 'ownership-map.yaml': SMALL_MAP, ...VIOLATING_FILE });
    symlinkSync(path.join(outside, 'ignore'), path.join(root, '.gitignore'));
    const result = await runCli(['--root', root, '--format', 'json', '--no-cache']);
    expect(JSON.parse(result.stdout).findings.map((f: { file: string }) => f.file)).toEqual(['packages/shop/src/orders.ts']);
  });

  it('survives a tsconfig.json and package.json of the wrong shape', async () => {
    const root = writeRepo({
      'ownership-map.yaml': SMALL_MAP,
      ...VIOLATING_FILE,
      'tsconfig.json': '{ "compilerOptions": { "baseUrl": 7, "paths": { "@a/*": "not-a-list", "@b/*": [1, null] } } }',
      'package.json': '[1, 2, 3]',
      'packages/shop/package.json': '{ "name": 42, "main": { "x": 1 } }',
      'packages/iam/package.json': 'not json at all',
    });
    mkdirSync(path.join(root, 'packages/shop/src/tsconfig.json'));
    const result = await runCli(['--root', root, '--format', 'json', '--no-cache']);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).findings.map((f: { file: string }) => f.file)).toEqual(['packages/shop/src/orders.ts']);
  });

  it('stops with a clear message on a baseline file that is not one', async () => {
    const root = writeRepo({ 'ownership-map.yaml': SMALL_MAP, ...VIOLATING_FILE, '.schema-guard-baseline.json': '{"version": 1, "findings": [{"rule": {}}]}' });
    const result = await runCli(['--root', root, '--format', 'json', '--no-cache']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^schema-guard: .*\.schema-guard-baseline\.json: .*not a schema-guard baseline file\. Regenerate it with "schema-guard baseline", or pass --no-baseline\.\n$/);
    expect(JSON.parse(result.stdout).errors).toHaveLength(1);
  });
});
