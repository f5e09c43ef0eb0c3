import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverManifests } from '../../src/discover/files.js';
import { ImportResolver } from '../../src/extract/resolve-imports.js';
import { writeRepo } from '../helpers.js';

// Paths no discovered file answers are asked of the disk; most of them are absent, and a folder's
// listing answers those (surelyAbsent). These pin down that the answers are the disk's.
describe('ImportResolver on disk', () => {
  const KNOWN = ['src/app.ts'];

  it('finds a file that exists on disk though no discovered file is it (generated, ignored)', () => {
    const root = writeRepo({ 'src/app.ts': "import { x } from './generated/client';\n", 'src/generated/client.d.ts': 'export declare const x: 1;\n' });
    const resolver = new ImportResolver(root, KNOWN, discoverManifests(root));
    expect(resolver.resolve('src/app.ts', './generated/client')).toBe('src/generated/client.d.ts');
    expect(resolver.diskAnswers()).toContainEqual(['src/generated/client.d.ts', 'file']);
    expect(resolver.diskAnswers()).toContainEqual(['src/generated/client.ts', 'none']);
  });

  it('records absent paths, in a folder that exists and in one that does not, until they appear', () => {
    const root = writeRepo({ 'src/app.ts': "import './missing';\nimport './nowhere/deep';\n" });
    const resolver = new ImportResolver(root, KNOWN, discoverManifests(root));
    expect(resolver.resolve('src/app.ts', './missing')).toBe('src/missing');
    expect(resolver.resolve('src/app.ts', './nowhere/deep')).toBe('src/nowhere/deep');
    const answers = resolver.diskAnswers();
    expect(answers).toContainEqual(['src/missing.ts', 'none']);
    expect(answers).toContainEqual(['src/nowhere/deep.ts', 'none']);
    expect(new ImportResolver(root, KNOWN, discoverManifests(root)).answersStill(answers)).toBe(true);

    writeFileSync(path.join(root, 'src/missing.tsx'), 'export {};\n');
    expect(new ImportResolver(root, KNOWN, discoverManifests(root)).answersStill(answers)).toBe(false);
  });

  it('sees a path appear in a folder that was not there', () => {
    const root = writeRepo({ 'src/app.ts': "import './nowhere/deep';\n" });
    const resolver = new ImportResolver(root, KNOWN, discoverManifests(root));
    resolver.resolve('src/app.ts', './nowhere/deep');
    const answers = resolver.diskAnswers();
    mkdirSync(path.join(root, 'src/nowhere'));
    writeFileSync(path.join(root, 'src/nowhere/deep.ts'), 'export {};\n');
    const next = new ImportResolver(root, KNOWN, discoverManifests(root));
    expect(next.answersStill(answers)).toBe(false);
    expect(next.resolve('src/app.ts', './nowhere/deep')).toBe('src/nowhere/deep.ts');
  });

  it('answers a name written in another case as the disk does (found on a case-insensitive one only)', () => {
    const root = writeRepo({ 'src/app.ts': "import './Other';\n", 'src/gen/other.d.ts': 'export {};\n' });
    const resolver = new ImportResolver(root, KNOWN, discoverManifests(root));
    const onDisk = existsSync(path.join(root, 'src/gen/Other.d.ts'));
    expect(resolver.resolve('src/app.ts', './gen/Other')).toBe(onDisk ? 'src/gen/Other.d.ts' : 'src/gen/Other');
  });
});
