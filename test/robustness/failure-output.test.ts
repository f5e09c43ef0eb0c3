/**
 * A run stopped by an error still writes a valid report in the requested format: SARIF with
 * `executionSuccessful: false` and the reason as a tool execution notification, JSON with an
 * `errors` list. Problems with single files do not stop the run: they are notifications of a
 * successful one.
 */
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { Log } from 'sarif';
import { describe, expect, it, vi } from 'vitest';
import { writeRepo } from '../helpers.js';
import { runCli, SMALL_MAP, VIOLATING_FILE } from './cli-run.js';

const schema = JSON.parse(readFileSync(new URL('../schemas/sarif-schema-2.1.0.json', import.meta.url), 'utf8'));
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const validate = ajv.compile(schema);

function validSarif(text: string): Log {
  const log = JSON.parse(text) as Log;
  validate(log);
  expect(validate.errors ?? [], ajv.errorsText(validate.errors)).toEqual([]);
  return log;
}

/** Discovery fails with an unexpected error while this is set: an internal error, not a usage one. */
const fault = vi.hoisted(() => ({ on: false }));
vi.mock('../../src/discover/files.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/discover/files.js')>();
  return {
    ...original,
    discoverRepository: (options: Parameters<typeof original.discoverRepository>[0]) => {
      if (fault.on) throw new TypeError('simulated fault');
      return original.discoverRepository(options);
    },
  };
});

const repo = () => writeRepo({ 'ownership-map.yaml': SMALL_MAP, ...VIOLATING_FILE });

/** The stopped run's SARIF and JSON, and its message on standard error. */
async function stopped(args: string[]) {
  const sarif = await runCli([...args, '--format', 'sarif', '--no-cache']);
  const json = await runCli([...args, '--format', 'json', '--no-cache']);
  expect(sarif.exitCode).toBe(2);
  expect(json.exitCode).toBe(2);
  const log = validSarif(sarif.stdout);
  const run = log.runs[0]!;
  expect(run.results).toEqual([]);
  expect(run.invocations).toHaveLength(1);
  expect(run.invocations![0]!.executionSuccessful).toBe(false);
  const [notification, ...more] = run.invocations![0]!.toolExecutionNotifications!;
  expect(more).toEqual([]);
  expect(notification!.level).toBe('error');
  const report = JSON.parse(json.stdout) as { findings: unknown[]; errors: string[] };
  expect(report.findings).toEqual([]);
  expect(report.errors).toEqual([notification!.message.text]);
  // The same reason on standard error, for people reading the log, and no stack trace.
  expect(sarif.stderr.split('\n')[0]).toBe(`schema-guard: ${notification!.message.text}`);
  expect(sarif.stderr).not.toMatch(/\n\s+at /);
  return notification!.message.text!;
}

describe('a run stopped by an error', () => {
  it('a map that is not YAML', async () => {
    const root = repo();
    writeFileSync(path.join(root, 'ownership-map.yaml'), 'domains: [\n');
    expect(await stopped(['--root', root])).toMatch(/ownership-map\.yaml:2:1: invalid YAML: /);
  });

  it('a map that breaks the schema', async () => {
    const root = repo();
    writeFileSync(path.join(root, 'ownership-map.yaml'), SMALL_MAP.replace('kind: product', 'kind: 7'));
    expect(await stopped(['--root', root])).toMatch(/ownership-map\.yaml:5:11: domains\.shop\.kind: expected one of "platform", "product", found a number \(7\)$/);
  });

  it('an unreadable --map: missing, or a directory', async () => {
    const root = repo();
    expect(await stopped(['--root', root, '--map', path.join(root, 'nope.yaml')])).toMatch(/nope\.yaml:1:1: cannot read the ownership map \(ENOENT\)/);
    expect(await stopped(['--root', root, '--map', root])).toMatch(/the ownership map is a directory/);
  });

  it('a bad path argument: missing, outside the root, a link out of it', async () => {
    const root = repo();
    expect(await stopped(['--root', root, path.join(root, 'nope')])).toMatch(/^Path nope does not exist under /);
    expect(await stopped(['--root', root, path.dirname(root)])).toMatch(/^Path \.\. is outside the scanned root /);
    symlinkSync(writeRepo({ 'a.ts': '' }), path.join(root, 'elsewhere'));
    expect(await stopped(['--root', root, path.join(root, 'elsewhere')])).toMatch(/^Path elsewhere is a link to .*: links are not followed\.$/);
  });

  it('a --root that does not exist or is a file', async () => {
    const root = repo();
    const map = path.join(root, 'ownership-map.yaml');
    expect(await stopped(['--root', path.join(root, 'nope'), '--map', map])).toBe(`--root ${path.join(root, 'nope')} does not exist (see schema-guard check --help)`);
    expect(await stopped(['--root', map, '--map', map])).toBe(`--root ${map} is not a directory (see schema-guard check --help)`);
    // Without --map too: the root is missing, not the map.
    expect(await stopped(['--root', path.join(root, 'nope')])).toBe(`--root ${path.join(root, 'nope')} does not exist (see schema-guard check --help)`);
  });

  it('an unknown --rule', async () => {
    expect(await stopped(['--root', repo(), '--rule', 'no-such-rule'])).toBe('unknown rule id for --rule: no-such-rule (see schema-guard check --help)');
  });

  it('an internal error', async () => {
    fault.on = true;
    try {
      expect(await stopped(['--root', repo()])).toBe('internal error: simulated fault');
    } finally {
      fault.on = false;
    }
  });

  it('goes to --output when one is given', async () => {
    const root = repo();
    writeFileSync(path.join(root, 'ownership-map.yaml'), '- a list\n');
    const output = path.join(root, 'reports/out.sarif');
    const result = await runCli(['--root', root, '--format', 'sarif', '--output', output, '--no-cache', '--quiet']);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(validSarif(readFileSync(output, 'utf8')).runs[0]!.invocations![0]!.executionSuccessful).toBe(false);
  });
});

describe('a path argument', () => {
  it('with glob characters names that one file, not a pattern', async () => {
    const root = writeRepo({
      'ownership-map.yaml': SMALL_MAP,
      'packages/shop/src/[id].ts': "pool.query('SELECT * FROM accounts');\n",
      'packages/shop/src/i.ts': "pool.query('SELECT * FROM accounts');\n",
    });
    const result = await runCli(['--root', root, '--format', 'json', '--no-cache', path.join(root, 'packages/shop/src/[id].ts')]);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).findings.map((f: { file: string }) => f.file)).toEqual(['packages/shop/src/[id].ts']);
  });
});

describe('an --output that cannot be written', () => {
  it('exits 2 and says where, after the scan', async () => {
    const root = repo();
    const output = path.join(root, 'packages/shop/src/orders.ts/report.json'); // under a file
    const result = await runCli(['--root', root, '--format', 'json', '--output', output, '--no-cache', '--quiet']);
    expect(result).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: `schema-guard: Cannot write --output ${output}: ${path.dirname(output)} is not a directory.\n`,
    });
  });

  it('a stopped run says both: the failure report could not be written, and why the run stopped', async () => {
    const root = repo();
    writeFileSync(path.join(root, 'ownership-map.yaml'), '- a list\n');
    const output = path.join(root, 'ownership-map.yaml/report.sarif');
    const result = await runCli(['--root', root, '--format', 'sarif', '--output', output, '--no-cache', '--quiet']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.split('\n')).toEqual([
      `schema-guard: Cannot write --output ${output}: ${path.dirname(output)} is not a directory.`,
      expect.stringMatching(/ownership-map\.yaml:1:1: expected a mapping \(key: value lines\) at the root, found a list$/),
      '',
    ]);
    expect(existsSync(output)).toBe(false);
  });
});

describe('problems with single files', () => {
  it('are SARIF tool execution notifications of a successful run, with their locations', async () => {
    const root = writeRepo({
      'ownership-map.yaml': SMALL_MAP,
      ...VIOLATING_FILE,
      'packages/shop/src/broken.ts': "export const q = ( => pool.query('SELECT 1');\n",
    });
    writeFileSync(path.join(root, 'packages/shop/src/blob.ts'), Buffer.from([0x00, 0x01, 0x02]));
    const result = await runCli(['--root', root, '--format', 'sarif', '--no-cache']);
    expect(result.exitCode).toBe(0);
    const run = validSarif(result.stdout).runs[0]!;
    // A file that could not be analysed is a result of its own rule, so that code scanning shows and counts it.
    expect(run.results!.map((r) => `${r.ruleId} ${r.level} ${r.locations![0]!.physicalLocation!.artifactLocation!.uri}`)).toEqual([
      'file-not-analysed error packages/shop/src/blob.ts',
      'cross-domain-query warning packages/shop/src/orders.ts',
    ]);
    const invocation = run.invocations![0]!;
    expect(invocation.executionSuccessful).toBe(true);
    expect(invocation.toolExecutionNotifications).toEqual([
      {
        level: 'note',
        message: { text: "TypeScript syntax error: '(' expected." },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: 'packages/shop/src/broken.ts', uriBaseId: '%SRCROOT%' },
              region: { startLine: 1, startColumn: 20, endLine: 1 },
            },
          },
        ],
      },
    ]);
  });
});
