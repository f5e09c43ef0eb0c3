import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CallerLocator } from '../../src/runtime/caller.js';
import { REPO_ROOT } from '../helpers.js';

const root = path.join(REPO_ROOT, 'fixtures/runtime-app');
const locator = new CallerLocator(root);
const at = (file: string) => path.join(root, file);

describe('CallerLocator', () => {
  it('takes the first frame inside the root, past node_modules, node internals and schema-guard itself', () => {
    const stack = [
      'Error',
      `    at CallerLocator.captureStack (${path.join(REPO_ROOT, 'dist/runtime/caller.js')}:40:13)`,
      `    at Client.query (${path.join(REPO_ROOT, 'src/runtime/pg.ts')}:33:20)`,
      `    at PostgresConnection.executeQuery (file://${at('node_modules/kysely/dist/driver.js')}:134:47)`,
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
      `    at async revenueByProduct (${at('src/catalog/products.ts')}:27:16)`,
      `    at async ${at('test/app.test.ts')}:70:12`,
    ].join('\n');
    expect(locator.frames(stack, 5)).toEqual([
      { file: 'src/catalog/products.ts', line: 27, column: 16, functionName: 'revenueByProduct' },
      { file: 'test/app.test.ts', line: 70, column: 12 },
    ]);
    // From the repository's own root, its dist/ and src/ are schema-guard, not the application.
    expect(new CallerLocator(REPO_ROOT).locate(stack)?.file).toBe('fixtures/runtime-app/src/catalog/products.ts');
  });

  it('reads file URLs, and stops at the number of frames asked for', () => {
    const stack = `Error\n    at exportSource (${pathToFileURL(at('src/reporting/export.ts')).href}:16:29)\n    at ${at('test/app.test.ts')}:9:1`;
    expect(locator.frames(stack, 1)).toEqual([{ file: 'src/reporting/export.ts', line: 16, column: 29, functionName: 'exportSource' }]);
  });

  it('finds no caller when no frame lies in the repository', () => {
    const stack = [
      'Error',
      `    at migrate (${path.join(REPO_ROOT, 'fixtures/platform-monorepo/tools/migrate.ts')}:3:3)`,
      `    at run (${at('node_modules/migrator/index.js')}:1:1)`,
      '    at <anonymous>',
      '    at eval (eval at <anonymous> (file.js:1:1), <anonymous>:1:1)',
    ].join('\n');
    expect(locator.locate(stack)).toBeUndefined();
  });

  it('captures a deep stack without changing Error.stackTraceLimit', () => {
    const before = Error.stackTraceLimit;
    const stack = CallerLocator.captureStack();
    expect(Error.stackTraceLimit).toBe(before);
    expect(stack).toContain('caller.test.ts');
    // This test file lies outside the fixture's root: seen from there, it is nobody's code.
    expect(locator.locate(stack)).toBeUndefined();
    expect(new CallerLocator(REPO_ROOT).locate(stack)?.file).toBe('test/runtime/caller.test.ts');
  });
});
