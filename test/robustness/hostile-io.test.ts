/**
 * A pull request that tries to make the run read or write outside the repository through the files
 * schema-guard finds at its default paths (the map, the baseline, the report, the cache), or to plant
 * a cache that hides a violation. Every hostile repository is built in a temporary folder, removed
 * afterwards.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readCacheJson, writeCacheJson } from '../helpers.js';
import { runCli, SMALL_MAP, VIOLATING_FILE } from './cli-run.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'schema-guard-hostile-io-'));
  made.push(dir);
  return dir;
}

/** A repository of `files` in a fresh temporary folder. */
function repo(files: Record<string, string>): string {
  const root = tempDir();
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  }
  return root;
}

/** An outside file with a secret the output must never quote. */
function outsideSecret(): string {
  const file = path.join(tempDir(), 'secret.txt');
  writeFileSync(file, 'TOP-SECRET-CONTENT: do not print\n');
  return file;
}

const git = (root: string, ...args: string[]) => execFileSync('git', args, { cwd: root, stdio: 'pipe', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } }).toString();

function gitRepo(files: Record<string, string>): string {
  const root = repo(files);
  git(root, 'init', '-q');
  git(root, 'config', 'user.email', 'test@example.com');
  git(root, 'config', 'user.name', 'test');
  git(root, 'add', '-A');
  git(root, 'commit', '-qm', 'base');
  return root;
}

describe('files at default paths that are links or special files', () => {
  it('refuses a default map that is a link to a file outside, without quoting it', async () => {
    const secret = outsideSecret();
    const root = repo(VIOLATING_FILE);
    symlinkSync(secret, path.join(root, 'ownership-map.yaml'));
    const result = await runCli(['--root', root, '--no-cache']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/ownership-map\.yaml:1:1: the ownership map is a symbolic link inside the repository: links are not followed/);
    expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(result.stdout + result.stderr).not.toContain('TOP-SECRET');
  });

  it.each(['/dev/zero', '/dev/urandom'])('refuses a default map that is a link to %s: no hang, no abort', async (device) => {
    const root = repo(VIOLATING_FILE);
    symlinkSync(device, path.join(root, 'ownership-map.yaml'));
    const result = await runCli(['--root', root, '--no-cache']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/the ownership map is a symbolic link inside the repository/);
  }, 60_000);

  it('refuses a map inside the root reached through a linked folder', async () => {
    const outside = tempDir();
    writeFileSync(path.join(outside, 'ownership-map.yaml'), SMALL_MAP);
    const root = repo(VIOLATING_FILE);
    symlinkSync(outside, path.join(root, 'config'));
    const result = await runCli(['--root', root, '--map', path.join(root, 'config/ownership-map.yaml'), '--no-cache']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/lies in a folder that is a link to .*, outside the repository: links are not followed/);
  });

  it('still reads a map the command line names outside the root, through a link if need be', async () => {
    const outside = tempDir();
    writeFileSync(path.join(outside, 'real.yaml'), SMALL_MAP);
    symlinkSync(path.join(outside, 'real.yaml'), path.join(outside, 'map.yaml'));
    const root = repo(VIOLATING_FILE);
    const result = await runCli(['--root', root, '--map', path.join(outside, 'map.yaml'), '--no-cache', '--format', 'json']);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).findings).toHaveLength(1);
  });

  it.each([
    ['a file outside', () => outsideSecret()],
    ['/dev/zero', () => '/dev/zero'],
  ])('refuses a default baseline that is a link to %s, without quoting it', async (_, target) => {
    const root = repo({ 'ownership-map.yaml': SMALL_MAP, ...VIOLATING_FILE });
    symlinkSync(target(), path.join(root, '.schema-guard-baseline.json'));
    const result = await runCli(['--root', root, '--no-cache']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^schema-guard: Cannot read the baseline file: .*\.schema-guard-baseline\.json is a symbolic link inside the repository: links are not followed\. Pass --no-baseline, or --baseline with another file\.\n$/);
    expect(result.stderr).not.toContain('TOP-SECRET');
  }, 60_000);

  it('refuses a default baseline that is a FIFO without waiting for a writer', async () => {
    const root = repo({ 'ownership-map.yaml': SMALL_MAP, ...VIOLATING_FILE });
    execFileSync('mkfifo', [path.join(root, '.schema-guard-baseline.json')]);
    const result = await runCli(['--root', root, '--no-cache']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/\.schema-guard-baseline\.json is not a regular file/);
  }, 60_000);

  it('`baseline` does not write through a committed baseline link, and leaves its target alone', async () => {
    const target = outsideSecret();
    const root = repo({ 'ownership-map.yaml': SMALL_MAP, ...VIOLATING_FILE });
    symlinkSync(target, path.join(root, '.schema-guard-baseline.json'));
    const result = await runCli(['baseline', '--root', root, '--quiet']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^schema-guard: Cannot write the baseline file .*\.schema-guard-baseline\.json: .* is a symbolic link inside the repository: it is not written through/);
    expect(readFileSync(target, 'utf8')).toBe('TOP-SECRET-CONTENT: do not print\n');
    expect(lstatSync(path.join(root, '.schema-guard-baseline.json')).isSymbolicLink()).toBe(true);
  });

  it('`baseline` writes a regular file through a temporary file, leaving nothing else behind', async () => {
    const root = repo({ 'ownership-map.yaml': SMALL_MAP, ...VIOLATING_FILE });
    expect((await runCli(['baseline', '--root', root, '--quiet'])).exitCode).toBe(0);
    expect(readdirSync(root).sort()).toEqual(['.schema-guard-baseline.json', 'ownership-map.yaml', 'packages']);
    expect(JSON.parse(readFileSync(path.join(root, '.schema-guard-baseline.json'), 'utf8')).findings).toHaveLength(1);
  });

  it('--output does not write through a committed link at that path', async () => {
    const target = outsideSecret();
    const root = repo({ 'ownership-map.yaml': SMALL_MAP, ...VIOLATING_FILE });
    symlinkSync(target, path.join(root, 'schema-guard.sarif'));
    const result = await runCli(['--root', root, '--no-cache', '--format', 'sarif', '--output', path.join(root, 'schema-guard.sarif'), '--quiet']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/Cannot write --output .*schema-guard\.sarif: .* is a symbolic link inside the repository: it is not written through/);
    expect(readFileSync(target, 'utf8')).toBe('TOP-SECRET-CONTENT: do not print\n');
  });

  it('--output does not follow a committed folder link out of the repository', async () => {
    const outside = tempDir();
    const root = repo({ 'ownership-map.yaml': SMALL_MAP, ...VIOLATING_FILE });
    symlinkSync(outside, path.join(root, 'reports'));
    const result = await runCli(['--root', root, '--no-cache', '--format', 'json', '--output', path.join(root, 'reports/out.json'), '--quiet']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/lies in a folder that is a link to .*, outside the repository/);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('--output outside the repository is written as named', async () => {
    const root = repo({ 'ownership-map.yaml': SMALL_MAP, ...VIOLATING_FILE });
    const output = path.join(tempDir(), 'deep/er/report.json');
    expect((await runCli(['--root', root, '--no-cache', '--format', 'json', '--output', output, '--quiet'])).exitCode).toBe(0);
    expect(JSON.parse(readFileSync(output, 'utf8')).findings).toHaveLength(1);
  });
});

describe('a cache a pull request cannot plant', () => {
  const CACHE = '.schema-guard-cache';
  const files = { 'ownership-map.yaml': SMALL_MAP, ...VIOLATING_FILE };
  const violation = (stdout: string) => (JSON.parse(stdout) as { findings: Array<{ file: string }> }).findings.map((finding) => finding.file);

  /**
   * Cache files as an attacker would commit them: written by schema-guard on the attacker's machine
   * (another key), then edited to hide the violation and signed again with that key.
   */
  async function plantedCache(root: string, attackerHome = tempDir()): Promise<void> {
    const ownHome = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = attackerHome;
    try {
      expect((await runCli(['--root', root, '--cache-dir', path.join(root, CACHE), '--format', 'json'])).exitCode).toBe(0);
      const dir = path.join(root, CACHE);
      for (const name of readdirSync(dir)) {
        const file = path.join(dir, name);
        const content = readCacheJson<Record<string, any>>(file);
        if (name.startsWith('facts-')) for (const entry of Object.values(content.entries) as Array<{ facts: { accesses: unknown[] } }>) entry.facts.accesses = [];
        if (name === 'map.json') content.map.families = [];
        if (name === 'result.json') content.verdicts = content.verdicts.map(() => ({}));
        writeCacheJson(file, content);
      }
    } finally {
      process.env.XDG_CACHE_HOME = ownHome;
    }
  }

  it('ignores cache files signed with another key: the violation is still found', async () => {
    const root = repo(files);
    await plantedCache(root);
    const args = ['--root', root, '--cache-dir', path.join(root, CACHE), '--format', 'json'];
    const result = await runCli(args);
    expect(violation(result.stdout)).toEqual(['packages/shop/src/orders.ts']);
    // The control: the same forged files, signed with this user's key, would hide it. The key is what protects.
    await plantedCache(root, process.env.XDG_CACHE_HOME);
    expect(violation((await runCli(args)).stdout)).toEqual([]);
  });

  it('does not use a cache folder inside the repository that git tracks, and says why', async () => {
    const root = gitRepo(files);
    await plantedCache(root);
    git(root, 'add', '-f', CACHE);
    git(root, 'commit', '-qm', 'plant');
    const result = await runCli(['--root', root, '--cache-dir', path.join(root, CACHE), '--format', 'json']);
    expect(violation(result.stdout)).toEqual(['packages/shop/src/orders.ts']);
    expect(JSON.parse(result.stdout).notifications).toContainEqual(
      expect.objectContaining({ message: expect.stringMatching(/the cache directory .* lies in the repository and git tracks files in it/) }),
    );
  });

  it('does not use a cache folder inside the repository that holds a link (map.json -> /dev/zero), and finishes', async () => {
    const root = repo(files);
    mkdirSync(path.join(root, CACHE));
    symlinkSync('/dev/zero', path.join(root, CACHE, 'map.json'));
    const result = await runCli(['--root', root, '--cache-dir', path.join(root, CACHE), '--format', 'json']);
    expect(violation(result.stdout)).toEqual(['packages/shop/src/orders.ts']);
    expect(JSON.parse(result.stdout).notifications).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/holds map\.json, which is a symbolic link/) }));
  }, 60_000);

  it('reads no cache file that is a link or a FIFO, even in a folder outside the repository', async () => {
    const root = repo(files);
    const cache = tempDir();
    symlinkSync('/dev/zero', path.join(cache, 'map.json'));
    execFileSync('mkfifo', [path.join(cache, 'listing.json')]);
    const result = await runCli(['--root', root, '--cache-dir', cache, '--format', 'json']);
    expect(violation(result.stdout)).toEqual(['packages/shop/src/orders.ts']);
  }, 60_000);

  it('uses an untracked cache folder inside the repository that it wrote itself', async () => {
    const root = gitRepo(files);
    const args = ['--root', root, '--cache-dir', path.join(root, CACHE), '--format', 'json'];
    await runCli(args);
    const again = await runCli(args);
    expect(violation(again.stdout)).toEqual(['packages/shop/src/orders.ts']);
    expect(JSON.parse(again.stdout).notifications).toEqual([]);
    expect(readdirSync(path.join(root, CACHE))).toContain('map.json');
  });

  it('finishes with --cache-dir /proc/x, which cannot be created', async () => {
    const root = repo(files);
    const result = await runCli(['--root', root, '--cache-dir', '/proc/schema-guard-x', '--format', 'json']);
    expect(violation(result.stdout)).toEqual(['packages/shop/src/orders.ts']);
    expect(JSON.parse(result.stdout).notifications).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/^Facts were not cached: the cache directory \/proc\/schema-guard-x could not be written/) }));
  }, 60_000);

  it('keeps its key in the user cache folder, readable by the user alone', async () => {
    const root = repo(files);
    await runCli(['--root', root, '--format', 'json']);
    const key = path.join(process.env.XDG_CACHE_HOME!, 'schema-guard', 'key');
    expect(lstatSync(key).mode & 0o777).toBe(0o600);
    expect(readFileSync(key)).toHaveLength(32);
    expect(existsSync(path.join(root, 'node_modules'))).toBe(false);
  });
});

describe('git on a repository that configures commands', () => {
  it('--changed-since runs no fsmonitor, filter or diff driver the repository configures', async () => {
    const marker = path.join(tempDir(), 'ran');
    const root = gitRepo({ ...files(), '.gitattributes': '*.ts filter=evil diff=evil\n' });
    git(root, 'config', 'core.fsmonitor', `touch ${marker}-fsmonitor; echo`);
    git(root, 'config', 'filter.evil.clean', `touch ${marker}-filter; cat`);
    git(root, 'config', 'diff.evil.command', `touch ${marker}-diff`);
    git(root, 'config', 'diff.external', `touch ${marker}-external`);
    // A changed file whose stats no longer match the index: git must look at its content.
    writeFileSync(path.join(root, 'packages/shop/src/orders.ts'), `${VIOLATING_FILE['packages/shop/src/orders.ts']}// edited\n`);
    const result = await runCli(['--root', root, '--changed-since', 'HEAD', '--no-cache', '--format', 'json']);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).findings).toHaveLength(1);
    expect(readdirSync(path.dirname(marker))).toEqual([]);
  });

  function files() {
    return { 'ownership-map.yaml': SMALL_MAP, ...VIOLATING_FILE };
  }
});
