/**
 * Files that change between discovery and extraction: deleted, or replaced by something that is not
 * a regular file (running as root in CI, a folder named like a file stands in for an unreadable one).
 * Discovery is wrapped so that it hands over such names, as a race with another process would.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { writeRepo } from '../helpers.js';
import { runCli, SMALL_MAP, VIOLATING_FILE } from './cli-run.js';

/** What the wrapped discovery does after finding the files: set by each test. */
const race = vi.hoisted(() => ({ root: '', change: (_root: string): string[] => [] }));

vi.mock('../../src/discover/files.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/discover/files.js')>();
  return {
    ...original,
    discoverRepository: (options: Parameters<typeof original.discoverRepository>[0]) => {
      const found = original.discoverRepository(options);
      return { ...found, files: [...found.files, ...race.change(options.root)].sort() };
    },
  };
});

const SRC = 'packages/shop/src';

async function scanWhile(change: (root: string) => string[]) {
  const root = writeRepo({ 'ownership-map.yaml': SMALL_MAP, ...VIOLATING_FILE, [`${SRC}/gone.ts`]: "pool.query('SELECT * FROM accounts');\n" });
  race.change = change;
  const result = await runCli(['--root', root, '--format', 'json', '--no-cache']);
  const report = JSON.parse(result.stdout) as {
    findings: Array<{ file: string; ruleId: string; level: string; message: string }>;
    notifications: Array<{ level: string; file?: string; message: string }>;
  };
  expect(result.exitCode).toBe(0);
  expect(result.stderr).toBe('');
  // The ordinary file beside the changing ones is always reported.
  expect(report.findings.map((f) => `${f.ruleId} ${f.file}`)).toContain('cross-domain-query packages/shop/src/orders.ts');
  expect(report.notifications).toEqual([]);
  // What could not be read is a finding, not a note: it fails a run with --fail-on error.
  return report.findings.filter((f) => f.ruleId === 'file-not-analysed').map((f) => `${f.level} ${f.file}: ${f.message}`);
}

const notAnalysed = (file: string, reason: string) => `error ${file}: This file was not analysed, so no rule checked it: ${reason}.`;

describe('files that change during the scan', () => {
  it('a file deleted after discovery is reported as not read', async () => {
    const notAnalysedFiles = await scanWhile((root) => {
      rmSync(path.join(root, SRC, 'gone.ts'));
      return [];
    });
    expect(notAnalysedFiles).toEqual([notAnalysed(`${SRC}/gone.ts`, 'could not be read (ENOENT)')]);
  });

  it('a folder or a FIFO named like a source file is skipped without blocking the read', async () => {
    const notAnalysedFiles = await scanWhile((root) => {
      mkdirSync(path.join(root, SRC, 'folder.ts'));
      execFileSync('mkfifo', [path.join(root, SRC, 'pipe.ts')]);
      return [`${SRC}/folder.ts`, `${SRC}/pipe.ts`];
    });
    expect(notAnalysedFiles).toEqual([notAnalysed(`${SRC}/folder.ts`, 'not a regular file'), notAnalysed(`${SRC}/pipe.ts`, 'not a regular file')]);
  });

  it('a file replaced by a link loop or a link out of the root is not followed', async () => {
    const outside = writeRepo({ 'secret.ts': "pool.query('SELECT * FROM accounts');\n" });
    const notAnalysedFiles = await scanWhile((root) => {
      rmSync(path.join(root, SRC, 'gone.ts'));
      symlinkSync('gone.ts', path.join(root, SRC, 'gone.ts'));
      symlinkSync(path.join(outside, 'secret.ts'), path.join(root, SRC, 'secret.ts'));
      return [`${SRC}/secret.ts`];
    });
    expect(notAnalysedFiles).toEqual([
      notAnalysed(`${SRC}/gone.ts`, 'could not be read (ELOOP)'),
      notAnalysed(`${SRC}/secret.ts`, 'it is a link to a place outside the scanned root'),
    ]);
  });

  it('a file emptied after discovery is scanned as empty', async () => {
    const notAnalysedFiles = await scanWhile((root) => {
      writeFileSync(path.join(root, SRC, 'gone.ts'), '');
      return [];
    });
    expect(notAnalysedFiles).toEqual([]);
  });
});
