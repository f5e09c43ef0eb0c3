/**
 * Hostile and broken ownership maps: each stops the run with exit code 2 and one located message
 * (file:line:column, what was expected), never a stack trace or a hang.
 */
import { execFileSync } from 'node:child_process';
import { truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { MAX_MAP_BYTES } from '../../src/map/map-file.js';
import { REPO_ROOT, writeRepo } from '../helpers.js';
import { runCli, SMALL_MAP, VIOLATING_FILE } from './cli-run.js';

const ALIAS_BOMB = [
  'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
  'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
  'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
  'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
  'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
  'f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]',
  'g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]',
  'h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]',
  'i: [*h, *h, *h, *h, *h, *h, *h, *h, *h]',
  '',
].join('\n');

/** Runs a check of a repository holding a violating file and this map; the map error must be all it says. */
async function checkWithMap(map: string | Buffer) {
  const root = writeRepo(VIOLATING_FILE);
  const mapFile = path.join(root, 'ownership-map.yaml');
  writeFileSync(mapFile, map);
  const result = await runCli(['--root', root, '--no-cache']);
  return { ...result, mapFile };
}

function expectMapError(result: { exitCode: number; stdout: string; stderr: string; mapFile: string }, located: RegExp): void {
  expect(result.exitCode).toBe(2);
  expect(result.stdout).toBe('');
  const [first, ...rest] = result.stderr.trimEnd().split('\n');
  expect(first!.startsWith(`schema-guard: ${result.mapFile}:`)).toBe(true);
  expect(first!.slice(`schema-guard: ${result.mapFile}:`.length)).toMatch(located);
  expect(rest.join('\n')).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack trace
}

describe('a hostile or broken ownership map', () => {
  it('is not YAML: the real executable exits 2 with the place the parser stopped', async () => {
    const root = writeRepo({ ...VIOLATING_FILE, 'ownership-map.yaml': 'version: 1\ndomains:\n  shop: [unclosed\n' });
    const result = await execa('node', [path.join(REPO_ROOT, 'bin/schema-guard.js'), '--root', root, '--no-cache'], { reject: false, env: { NO_COLOR: '1' } });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toMatch(/^schema-guard: .*ownership-map\.yaml:4:1: invalid YAML: .*\]$/);
  });

  it('is not an object: a list, a single value, nothing at all', async () => {
    expectMapError(await checkWithMap('- shop\n- iam\n'), /^1:1: expected a mapping \(key: value lines\) at the root, found a list$/);
    expectMapError(await checkWithMap('just words\n'), /^1:1: expected a mapping .* found a single value$/);
    expectMapError(await checkWithMap('# only a comment\n'), /^1:1: expected a mapping .* found an empty document$/);
  });

  it('is an alias bomb: refused at the alias that multiplies, in milliseconds', async () => {
    const started = Date.now();
    expectMapError(await checkWithMap(ALIAS_BOMB), /^3:8: expected at most 50,000 values, aliases expanded: the map holds more$/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('has a wrong type at a nested key: file:line:column, the key path and the expected type', async () => {
    const map = SMALL_MAP.replace('prefixes: [shop_]', 'prefixes: shop_');
    expectMapError(await checkWithMap(map), /^7:15: domains\.shop\.prefixes: expected a list, found a string \("shop_"\)$/);
    const deeper = SMALL_MAP.replace('    tables: [accounts]', '    tables: [accounts, { name: x }]');
    expectMapError(await checkWithMap(deeper), /^16:24: families\[0\]\.tables\[1\]: expected a string, found a mapping$/);
  });

  it('uses __proto__ as a key: reported, not silently dropped', async () => {
    const map = SMALL_MAP.replace('  iam:\n', '  __proto__:\n');
    expectMapError(await checkWithMap(map), /^8:3: key "__proto__" is reserved: expected another name$/);
  });

  it('nests deeper than the parser can go', async () => {
    const depth = 5_000;
    expectMapError(await checkWithMap(`version: 1\ndomains: ${'['.repeat(depth)}${']'.repeat(depth)}\n`), /^2:\d+: invalid YAML: /);
  });

  it('is binary, a directory, or too large to be a hand-written map', async () => {
    expectMapError(await checkWithMap(Buffer.from([0x76, 0x3a, 0x00, 0xff, 0x01])), /^1:1: the ownership map holds NUL bytes: expected a YAML text file$/);

    const root = writeRepo(VIOLATING_FILE);
    const folder = await runCli(['--root', root, '--map', root, '--no-cache']);
    expectMapError({ ...folder, mapFile: root }, /^1:1: the ownership map is a directory: expected a readable YAML file$/);

    const big = await checkWithMap('version: 1\n');
    truncateSync(big.mapFile, MAX_MAP_BYTES + 1); // sparse: no 4 MB written
    expectMapError({ ...(await runCli(['--root', path.dirname(big.mapFile), '--no-cache'])), mapFile: big.mapFile }, /^1:1: the ownership map has 4096 kB: expected at most 4096 kB of YAML$/);
  });

  it('is a FIFO: refused without blocking on the read', async () => {
    const root = writeRepo(VIOLATING_FILE);
    const fifo = path.join(root, 'ownership-map.yaml');
    execFileSync('mkfifo', [fifo]);
    expectMapError({ ...(await runCli(['--root', root, '--no-cache'])), mapFile: fifo }, /^1:1: the ownership map is not a regular file/);
  });
});
