import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers.js';
import { temporaryFolder } from './temporary.js';

const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));

describe('the published package', () => {
  it('runs no script when installed, and builds when packed', () => {
    // npm runs these on install (`prepare` for git dependencies too); prepack only when packing.
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) expect(manifest.scripts[hook]).toBeUndefined();
    expect(manifest.scripts.prepack).toBe('npm run build');
    expect(manifest.scripts.pretest).toBe('npm run build');
  });

  it('carries the MIT licence its manifest declares', () => {
    expect(manifest.license).toBe('MIT');
    const licence = readFileSync(path.join(REPO_ROOT, 'LICENSE'), 'utf8');
    expect(licence.split('\n')[0]).toBe('MIT License');
    expect(licence).toMatch(/^Copyright \(c\) \d{4} schema-guard contributors$/m);
  });

  it('packs the licence, the executable and the build, and no source map (its sources are not shipped)', async () => {
    const { stdout } = await execa('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT });
    const files: string[] = JSON.parse(stdout)[0].files.map((file: { path: string }) => file.path);
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'package.json', 'bin/schema-guard.js', 'dist/cli/main.js', 'ownership-map.schema.json']));
    expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
    expect(files.filter((file) => file.startsWith('src/') || file.startsWith('test/'))).toEqual([]);
  });
});

describe('the executable in a clone', () => {
  /** A copy of the executable over a tiny source tree, with the repository's compiler. */
  function clone(withSource: boolean): string {
    const root = temporaryFolder('schema-guard-clone-');
    mkdirSync(path.join(root, 'bin'));
    copyFileSync(path.join(REPO_ROOT, 'bin/schema-guard.js'), path.join(root, 'bin/schema-guard.js'));
    writeFileSync(path.join(root, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      path.join(root, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', outDir: 'dist', rootDir: 'src', types: [] }, include: ['src'] }),
    );
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'));
    if (withSource) {
      mkdirSync(path.join(root, 'src/cli'), { recursive: true });
      writeFileSync(
        path.join(root, 'src/cli/main.ts'),
        "export async function main(args: string[]): Promise<number> {\n  console.log(`main ${args.join(' ')}`);\n  return 3;\n}\n",
      );
    }
    return root;
  }

  it('builds dist/ on its first run after `npm ci` alone, then just runs', async () => {
    const root = clone(true);
    const first = await execa('node', ['bin/schema-guard.js', 'check', 'x'], { cwd: root, reject: false });
    expect(first.stderr).toContain('schema-guard: building dist/ from src/');
    expect(first.stdout).toBe('main check x');
    expect(first.exitCode).toBe(3);
    expect(existsSync(path.join(root, 'dist/cli/main.js'))).toBe(true);
    const second = await execa('node', ['bin/schema-guard.js', 'again'], { cwd: root, reject: false });
    expect(second.stderr).toBe('');
    expect(second.stdout).toBe('main again');
  });

  it('says how to build when it cannot', async () => {
    const result = await execa('node', ['bin/schema-guard.js', 'check'], { cwd: clone(false), reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('schema-guard: dist/ is missing: run `npm ci` then `npm run build` in the schema-guard folder.');
  });
});
