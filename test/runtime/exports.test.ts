import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers.js';

describe('package exports', () => {
  it('serves schema-guard/runtime from dist/, and the bin still runs', async () => {
    const imported = await execa(process.execPath, ['--input-type=module', '-e', "const m = await import('schema-guard/runtime'); console.log(Object.keys(m).sort().join(','))"], { cwd: REPO_ROOT });
    expect(imported.stdout).toBe('RuntimeGuard,RuntimeViolationError,clearRuntimeRecord,createRuntimeGuard');
    const version = await execa(process.execPath, [path.join(REPO_ROOT, 'bin/schema-guard.js'), '--version']);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});
