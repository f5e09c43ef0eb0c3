import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { getRuleCatalog } from '../src/rules/catalog.js';
import { REPO_ROOT, ROOT_MAP, runCli, writeRepo } from './helpers.js';

const BIN = path.join(REPO_ROOT, 'bin/schema-guard.js');
const spawn = (args: string[], cwd: string) => execa('node', [BIN, ...args], { reject: false, cwd, env: { NO_COLOR: '1' } });

const SMALL_MAP = `version: 1
domains:
  orders: { folders: [src/orders/**] }
  billing: { folders: [src/billing/**] }
families:
  - id: billing-tables
    targetOwner: billing
    tables: [invoices]
`;

/** A usage error: exit 2 and exactly one line on standard error, naming a command's --help. */
function expectUsageLine(result: { exitCode: number; stderr: string }, help: string): string {
  expect(result.exitCode).toBe(2);
  const lines = result.stderr.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^schema-guard: /);
  expect(lines[0]!.endsWith(`(see ${help} --help)`)).toBe(true);
  return lines[0]!;
}

describe('one argument style', () => {
  it('a mistyped command is refused with a suggestion, not read as a path', async () => {
    expect(expectUsageLine(await runCli(['chek']), 'schema-guard')).toBe("schema-guard: unknown command 'chek': did you mean check? (see schema-guard --help)");
    expect(expectUsageLine(await runCli(['expalin', 'x']), 'schema-guard')).toContain('did you mean explain?');
    expect(expectUsageLine(await runCli(['frobnicate']), 'schema-guard')).toContain('expected one of check, merge, baseline, explain, init, map, who-owns, graph');
  });

  it('unknown options, bad choices and missing arguments are one line naming the command\'s --help', async () => {
    expect(expectUsageLine(await runCli(['check', '--bogus']), 'schema-guard check')).toBe("schema-guard: unknown option '--bogus' (see schema-guard check --help)");
    expectUsageLine(await runCli(['--format', 'xml']), 'schema-guard check');
    expectUsageLine(await runCli(['map', 'validate', '--bogus']), 'schema-guard map validate');
    expectUsageLine(await runCli(['baseline', '--threads', '0']), 'schema-guard baseline');
    expectUsageLine(await runCli(['who-owns']), 'schema-guard who-owns');
    expectUsageLine(await runCli(['explain', 'ledger-wrte']), 'schema-guard explain');
  });

  it('--rule takes one id, repeatable and comma-separated, and never swallows the path after it', async () => {
    const root = writeRepo({
      'ownership-map.yaml': SMALL_MAP,
      'migrations/1.sql': 'CREATE TABLE scratch (id int);\n',
      'src/orders/pay.ts': "pool.query('SELECT * FROM invoices');\n",
    });
    const json = async (...args: string[]) => JSON.parse((await runCli(['check', '--root', root, '--format', 'json', ...args])).stdout);
    const narrowed = await json('--rule', 'unprefixed-table', path.join(root, 'migrations'));
    expect(narrowed.findings.map((f: { ruleId: string; file: string }) => `${f.ruleId} ${f.file}`)).toEqual(['unprefixed-table migrations/1.sql']);
    const both = await json('--rule', 'unprefixed-table,cross-domain-query');
    expect(both.findings.map((f: { ruleId: string }) => f.ruleId).sort()).toEqual(['cross-domain-query', 'unprefixed-table']);
    const repeated = await json('--rule', 'unprefixed-table', '--rule', 'cross-domain-query', path.join(root, 'src'));
    expect(repeated.findings.map((f: { ruleId: string }) => f.ruleId)).toEqual(['cross-domain-query']);
    expect(expectUsageLine(await runCli(['check', '--root', root, '--rule', 'no-such-rule']), 'schema-guard check')).toContain('no-such-rule');
  });

  it('explain alone lists every rule with its one-line summary', async () => {
    const result = await runCli(['explain']);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.split('\n');
    for (const rule of getRuleCatalog()) expect(lines.some((line) => line.startsWith(`${rule.id} `) && line.endsWith(rule.summary))).toBe(true);
  });

  it('baseline takes check\'s scan flags: cache and threads', async () => {
    const root = writeRepo({ 'ownership-map.yaml': SMALL_MAP, 'src/orders/pay.ts': "pool.query('SELECT * FROM invoices');\n" });
    const cacheDir = path.join(root, 'cache');
    const recorded = await runCli(['baseline', '--root', root, '--threads', '1', '--cache-dir', cacheDir, '--sql-parser', 'pgsql-ast-parser']);
    expect(recorded.exitCode).toBe(0);
    expect(recorded.stdout).toContain('Recorded 1 finding');
    expect((await runCli(['baseline', '--root', root, '--no-cache', '--quiet'])).exitCode).toBe(0);
  });

  it('a --root that does not exist says so, not that the map is missing', async () => {
    const missing = path.join(writeRepo({}), 'nope');
    for (const command of [['check'], ['baseline'], ['map', 'validate'], ['graph']]) {
      const line = expectUsageLine(await runCli([...command, '--root', missing]), `schema-guard ${command.join(' ')}`);
      expect(line).toBe(`schema-guard: --root ${missing} does not exist (see schema-guard ${command.join(' ')} --help)`);
    }
  });
});

describe('finding the map', () => {
  it('searches upward from the current folder, and the folder it is found in is the root', async () => {
    const root = writeRepo({ 'ownership-map.yaml': SMALL_MAP, 'src/orders/pay.ts': "pool.query('SELECT * FROM invoices');\n" });
    const result = await spawn(['check', '--format', 'json', '--no-cache'], path.join(root, 'src/orders'));
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).findings.map((f: { ruleId: string; file: string }) => `${f.ruleId} ${f.file}`)).toEqual(['cross-domain-query src/orders/pay.ts']);
  });

  it('stops at the folder holding .git, and then points to init', async () => {
    const outer = writeRepo({ 'ownership-map.yaml': SMALL_MAP, 'inner/.git/HEAD': 'ref: refs/heads/main\n', 'inner/src/a.ts': '' });
    const inner = path.join(outer, 'inner');
    mkdirSync(path.join(inner, 'src/deep'), { recursive: true });
    const result = await spawn(['check'], path.join(inner, 'src/deep'));
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toBe(
      `schema-guard: No ownership-map.yaml in ${path.join(inner, 'src/deep')} or any folder above it up to ${inner}: run \`schema-guard init\` to write a starter map, or name one with --map.`,
    );
  });

  it('a missing map named by --map or --root points to init too', async () => {
    const root = writeRepo({ 'src/a.ts': '' });
    const result = await runCli(['check', '--root', root]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('cannot read the ownership map (ENOENT)');
    expect(result.stderr).toContain('`schema-guard init` writes a starter map');
  });

  it('--map alone keeps the current folder as the root', async () => {
    const root = writeRepo({ 'src/orders/pay.ts': "pool.query('SELECT * FROM invoices');\n" });
    writeFileSync(path.join(root, 'elsewhere.yaml'), SMALL_MAP);
    const result = await spawn(['check', '--map', 'elsewhere.yaml', '--format', 'json', '--no-cache'], root);
    expect(JSON.parse(result.stdout).findings.map((f: { file: string }) => f.file)).toEqual(['src/orders/pay.ts']);
    expect((await runCli(['--root', root, '--map', ROOT_MAP, '--rule', 'cross-domain-query'])).exitCode).toBe(0);
  });
});
