import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, ROOT_MAP } from '../helpers.js';

const BIN = path.join(REPO_ROOT, 'bin/schema-guard.js');
const FIXTURE = path.join(REPO_ROOT, 'fixtures/platform-monorepo');
const bin = (args: string[]) => execa('node', [BIN, ...args], { cwd: REPO_ROOT, reject: false, env: { NO_COLOR: '1' } });

/** The map commands through the real executable, as architects run them. */
describe('map commands, real binary', () => {
  it('map schema prints the committed JSON Schema', async () => {
    const result = await bin(['map', 'schema']);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(JSON.parse(readFileSync(path.join(REPO_ROOT, 'ownership-map.schema.json'), 'utf8')));
  });

  it('map coverage --format json names the fixture tables no family owns', async () => {
    const result = await bin(['map', 'coverage', '--root', FIXTURE, '--map', ROOT_MAP, '--format', 'json']);
    expect(result.exitCode).toBe(0);
    expect(JSON.stringify(JSON.parse(result.stdout))).toContain('feature_flags');
  });

  it('graph --format mermaid draws the fixture with violations marked', async () => {
    const result = await bin(['graph', '--root', FIXTURE, '--map', ROOT_MAP, '--format', 'mermaid']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^(graph|flowchart) /m);
    expect(result.stdout).toContain('gpuaas-provisioning');
  });

  it('graph rejects an unknown format with exit 2', async () => {
    const result = await bin(['graph', '--root', FIXTURE, '--map', ROOT_MAP, '--format', 'png']);
    expect(result.exitCode).toBe(2);
  });
});
