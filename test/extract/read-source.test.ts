import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SourceReader } from '../../src/extract/read-source.js';
import type { Notification } from '../../src/outcome.js';
import { writeRepo } from '../helpers.js';
import { temporaryFolder } from '../temporary.js';

describe('SourceReader', () => {
  it('reads files and links inside the root, and refuses a file or a folder on the way that leads out', () => {
    const outside = temporaryFolder('schema-guard-outside-');
    writeFileSync(path.join(outside, 'secret.ts'), 'export const secret = 1;\n');
    const root = writeRepo({ 'src/a.ts': 'export const a = 1;\n' });
    symlinkSync(path.join(root, 'src/a.ts'), path.join(root, 'src/link-inside.ts'));
    symlinkSync(path.join(outside, 'secret.ts'), path.join(root, 'src/link-outside.ts'));
    symlinkSync(outside, path.join(root, 'linked-folder'));
    mkdirSync(path.join(root, 'src/nested'));
    const reader = new SourceReader(realpathSync.native(root));
    const notes: Notification[] = [];
    expect(reader.read('src/a.ts', notes)).toBe('export const a = 1;\n');
    expect(reader.read('src/link-inside.ts', notes)).toBe('export const a = 1;\n');
    expect(reader.read('src/link-outside.ts', notes)).toBeUndefined();
    expect(reader.read('linked-folder/secret.ts', notes)).toBeUndefined();
    expect(reader.read('src/nested', notes)).toBeUndefined();
    expect(reader.read('src/gone.ts', notes)).toBeUndefined();
    expect(notes).toEqual([
      { level: 'note', file: 'src/link-outside.ts', message: 'skipped: it is a link to a place outside the scanned root' },
      { level: 'note', file: 'linked-folder/secret.ts', message: 'skipped: it is a link to a place outside the scanned root' },
      { level: 'note', file: 'src/nested', message: 'skipped: not a regular file' },
      { level: 'error', file: 'src/gone.ts', message: 'could not be read (ENOENT)' },
    ]);
  });
});
