import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { discoverManifests } from '../../src/discover/files.js';
import { ImportResolver } from '../../src/extract/resolve-imports.js';
import { writeRepo } from '../helpers.js';

// A folder with execute but no read permission lets a stat through and refuses a listing. Tests run
// as root, which lists any folder: the refusal is made here, for folders named `locked`.
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const readdirSync = ((dir: string, ...rest: unknown[]) => {
    if (path.basename(String(dir)) === 'locked') throw Object.assign(new Error(`EACCES: permission denied, scandir '${dir}'`), { code: 'EACCES' });
    return (fs.readdirSync as (...args: unknown[]) => unknown)(dir, ...rest);
  }) as typeof fs.readdirSync;
  return { ...fs, default: { ...fs, readdirSync }, readdirSync };
});

describe('ImportResolver with a folder it cannot list', () => {
  it('asks each path of it on its own, and still finds what is there', () => {
    const root = writeRepo({ 'src/app.ts': "import './locked/client';\nimport './locked/gone';\n", 'src/locked/client.ts': 'export {};\n' });
    const resolver = new ImportResolver(root, ['src/app.ts'], discoverManifests(root));
    expect(resolver.resolve('src/app.ts', './locked/client')).toBe('src/locked/client.ts');
    expect(resolver.resolve('src/app.ts', './locked/gone')).toBe('src/locked/gone');
    const answers = resolver.diskAnswers();
    expect(answers).toContainEqual(['src/locked/client.ts', 'file']);
    expect(answers).toContainEqual(['src/locked/gone.ts', 'none']);
  });
});
