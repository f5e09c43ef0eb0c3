/**
 * Temporary folders that tests create, removed when each test file ends (test/remove-temporary.ts,
 * a setup file). Kept apart from helpers.ts, which loads the pipeline: setup files must not load
 * modules that a test file mocks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const created: string[] = [];

/** A fresh folder in the system's temporary folder, removed after the test file. */
export function temporaryFolder(prefix = 'schema-guard-test-'): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(folder);
  return folder;
}

/** Removes every folder temporaryFolder made so far. */
export function removeTemporaryFolders(): void {
  for (const folder of created.splice(0)) rmSync(folder, { recursive: true, force: true, maxRetries: 3 });
}
