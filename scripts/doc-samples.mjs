// The output samples of README.md and docs/*.md, each produced by a real run of the CLI.
//
// A sample sits in its file between `<!-- sample:<id> -->` and `<!-- /sample:<id> -->`. Everything
// between the markers is written by `npm run docs:sync` (scripts/sync-docs.mjs) and checked by
// test/docs.test.ts, which fails when a block differs from a fresh run. To add a sample: put the two
// markers in the document, describe the run below, run `npm run docs:sync`.
//
// The CLI's entry point is passed in (`main(argv, io)` from dist/ in the script, from src/ in the
// test), so this file loads nothing of the tool itself.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURE = 'fixtures/platform-monorepo';

/**
 * @typedef {{ shown: string, args?: string[], file?: string, exit?: boolean, show?: (output: string) => string }} Step
 *   `shown`: the command line as the reader would type it (after `$ `); `args`: what runs, the same
 *   command plus flags that change no output (`--no-cache`), none for a step that is only shown
 *   (`cd`); `file`: instead of running, the content of this file of the workspace; `exit`: follow it
 *   with `echo $?` and the exit code; `show`: abridges the output.
 * @typedef {{ id: string, file: string, fence: string, prompt?: boolean, workspace?: (dir: string, run: (args: string[]) => Promise<void>) => Promise<string | void> | string | void, steps: Step[] }} Sample
 *   `workspace`: builds a temporary folder to run in (returns the folder to run in, default `dir`);
 *   without it, commands run at the repository root. `prompt: false` prints the output alone.
 */

// ---------------------------------------------------------------------------------------------
// Helpers that abridge output. Each keeps whole lines and marks a cut with "…".

const lines = (text) => text.replace(/\n$/, '').split('\n');

/** The first `count` lines, "…", then the first line matching `tail` and the `after` lines that follow it. */
function headAndTail(count, tail, after = 0) {
  return (output) => {
    const all = lines(output);
    const start = tail ? all.findIndex((line) => tail.test(line)) : -1;
    const kept = all.slice(0, count);
    if (start < 0) return [...kept, '…'].join('\n');
    return [...kept, '…', ...all.slice(Math.max(start, count), start + 1 + after)].join('\n');
  };
}

/** The lines of each file group whose name matches `file`, "…", then the summary from the `✖` line on, up to the first line matching `until`. */
function fileGroups(file, until) {
  return (output) => {
    const all = lines(output);
    const kept = [];
    let inGroup = false;
    for (const line of all) {
      if (/^\S/.test(line)) inGroup = file.test(line);
      else if (line === '' && inGroup) {
        inGroup = false;
        kept.push('');
      }
      if (inGroup) kept.push(line);
    }
    while (kept.at(-1) === '') kept.pop();
    const summary = all.findIndex((line) => line.startsWith('✖'));
    const end = until ? all.findIndex((line, i) => i > summary && until.test(line)) : -1;
    return [...kept, '…', ...all.slice(summary, end < 0 ? undefined : end)].join('\n').replace(/\n+$/, '');
  };
}

/** The lines before the first one matching `end`, and "…" for the rest. */
function upTo(end) {
  return (output) => {
    const all = lines(output);
    const stop = all.findIndex((line) => end.test(line));
    if (stop < 0) return all.join('\n');
    const kept = all.slice(0, stop);
    while (kept.at(-1) === '') kept.pop();
    return [...kept, '…'].join('\n');
  };
}

/** The lines from the first one matching `title` to the next blank line. */
function section(output, title) {
  const all = lines(output);
  const start = all.findIndex((line) => title.test(line));
  if (start < 0) return '';
  const end = all.findIndex((line, i) => i > start && line === '');
  return all.slice(start, end < 0 ? undefined : end).join('\n');
}

/** A table printed by `map coverage`, cut to its first `rows` rows. */
function shortenTable(title, rows) {
  return (output) => {
    const all = lines(output);
    const start = all.findIndex((line) => line.startsWith(title));
    const end = all.findIndex((line, i) => i > start && line === '');
    if (start < 0 || end - start - 2 <= rows) return all.join('\n');
    return [...all.slice(0, start + 2 + rows), '  …', ...all.slice(end)].join('\n');
  };
}

/**
 * A mermaid graph cut to its dependency chain: the chain's subgraph and edges, with the red edges
 * renumbered (mermaid's `linkStyle` counts edges in order).
 */
function chainOnly(output) {
  const all = lines(output);
  const isEdge = (line) => /^\s+\S+ (-->|-\.->)/.test(line);
  const edges = all.filter(isEdge);
  const red = new Set((/^\s+linkStyle ([\d,]+) /.exec(all.find((line) => line.trim().startsWith('linkStyle')) ?? '')?.[1] ?? '').split(',').filter(Boolean).map(Number));
  const start = all.findIndex((line) => line.includes('subgraph dependency_chain'));
  const end = all.findIndex((line, i) => i > start && line.trim() === 'end');
  const kept = edges.map((line, i) => ({ line, red: red.has(i) })).filter(({ line }) => /^\s+chain_/.test(line));
  const style = kept.flatMap(({ red }, i) => (red ? [i] : []));
  const linkStyle = all.find((line) => line.trim().startsWith('linkStyle'))?.replace(/linkStyle [\d,]+/, `linkStyle ${style.join(',')}`);
  return [all[0], ...all.slice(start, end + 1), ...kept.map(({ line }) => line), ...(style.length && linkStyle ? [linkStyle] : [])].join('\n');
}

/** JSON with some values replaced by "…" (given as top-level keys or paths into objects). */
function abridgedJson(value) {
  return JSON.stringify(value, null, 2).replaceAll('"…"', '…');
}

// ---------------------------------------------------------------------------------------------
// Workspaces

function copyFixture(dir, fixture = FIXTURE) {
  cpSync(path.join(REPO_ROOT, fixture), dir, { recursive: true, filter: (source) => path.basename(source) !== 'node_modules' });
}

/** A copy of the platform fixture with the root map at its root, as a repository that adopted the map looks. */
function fixtureWithMap(dir, edit = (text) => text) {
  copyFixture(dir);
  writeFileSync(path.join(dir, 'ownership-map.yaml'), edit(readFileSync(path.join(REPO_ROOT, 'ownership-map.yaml'), 'utf8')));
}

/** `text` with `from` replaced by `to`; fails loudly when a fixture changed and `from` is gone. */
function replaceOnce(text, from, to) {
  if (!text.includes(from)) throw new Error(`doc-samples: expected to find ${JSON.stringify(from)} to edit`);
  return text.replace(from, to);
}

function editFile(dir, file, from, to) {
  const absolute = path.join(dir, file);
  writeFileSync(absolute, replaceOnce(readFileSync(absolute, 'utf8'), from, to));
}

/** The small repository of docs/robustness.md: one violation among files no parser can take. */
const SMALL_MAP = `version: 1
domains:
  shop:
    name: Shop
    kind: product
    folders: [packages/shop/**]
    prefixes: [shop_]
  iam:
    name: IAM
    kind: platform
    folders: [packages/iam/**]
    prefixes: [iam_]
families:
  - id: accounts
    name: Accounts
    tables: [accounts]
    currentOwner: IAM team
    targetOwner: iam
    guardRule: Read accounts through the IAM API.
`;

function writeFiles(dir, files) {
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
}

function hostileRepo(dir) {
  writeFiles(dir, {
    'ownership-map.yaml': SMALL_MAP,
    'packages/shop/src/orders.ts': "export const load = () => pool.query('SELECT * FROM accounts');\n",
    'packages/shop/src/latin1.ts': Buffer.from("// Caf\xe9 orders, saved as Windows-1252\n\n\nexport const q = () => pool.query('SELECT * FROM accounts');\n", 'latin1'),
    'packages/shop/src/blob.ts': Buffer.from([0x63, 0x6f, 0x6e, 0x73, 0x74, 0x00, 0x01, 0x02]),
    'packages/shop/src/generated.ts': `export const rows = [${'0,'.repeat(1_600_000)}];\n`,
    'packages/shop/src/broken.ts': "export const q = ( => pool.query('SELECT 1');\n",
    'packages/shop/migrations/0002_typo.sql': "SELECT 'abc FROM accounts;\n",
  });
}

// ---------------------------------------------------------------------------------------------
// The samples

const CHECK_FIXTURE = ['check', '--root', FIXTURE, '--map', 'ownership-map.yaml', '--no-cache'];
const SHOWN_CHECK_FIXTURE = `schema-guard check --root ${FIXTURE} --map ownership-map.yaml`;

/** The module fixture's modules, foundational first: the order their migrations apply in. */
const MODULE_ORDER = ['identity', 'organization', 'entitlements', 'billing', 'cooperative', 'audit', 'integration'];

/** @type {Sample[]} */
export const SAMPLES = [
  {
    id: 'quick-start',
    file: 'README.md',
    fence: 'text',
    prompt: false,
    steps: [{ shown: SHOWN_CHECK_FIXTURE, args: CHECK_FIXTURE, show: headAndTail(9, /^✖/) }],
  },

  // docs/formats.md
  {
    id: 'text',
    file: 'docs/formats.md',
    fence: 'console',
    workspace: (dir) => fixtureWithMap(dir),
    steps: [{ shown: 'schema-guard check', args: ['check', '--no-cache'], show: fileGroups(/^packages\/gpuaas\/provisioning\/src\/allocate\.ts$/) }],
  },
  // docs/output.md
  {
    id: 'output-text',
    file: 'docs/output.md',
    fence: 'console',
    workspace: (dir) => fixtureWithMap(dir),
    steps: [
      {
        shown: 'schema-guard check',
        args: ['check', '--no-cache'],
        // The folded finding's file, then the report's end: the hints and the summary.
        show: (output) => {
          const group = fileGroups(/^packages\/services\/legacy-billing\/src\/charge\.ts$/)(output).split('\n…')[0];
          const all = lines(output);
          return [group, '…', ...all.slice(all.findIndex((line) => line.startsWith('Exit code 1:')))].join('\n');
        },
      },
    ],
  },
  {
    id: 'output-compact',
    file: 'docs/output.md',
    fence: 'console',
    workspace: (dir) => fixtureWithMap(dir),
    steps: [{ shown: 'schema-guard check --format compact', args: ['check', '--no-cache', '--format', 'compact'], show: headAndTail(2) }],
  },
  {
    id: 'json',
    file: 'docs/formats.md',
    fence: 'json',
    prompt: false,
    workspace: (dir) => fixtureWithMap(dir),
    steps: [
      {
        shown: 'schema-guard check --format json',
        args: ['check', '--no-cache', '--format', 'json'],
        show: (output) => {
          const report = JSON.parse(output);
          const finding = report.findings.find((f) => f.ruleId === 'outbox-publish');
          const { byRule, byDomain, ...summary } = report.summary;
          return abridgedJson({ ...report, findings: [finding, '…'], summary: { ...summary, byRule: '…', byDomain: '…' } });
        },
      },
    ],
  },
  {
    id: 'github',
    file: 'docs/formats.md',
    fence: 'console',
    workspace: (dir) => fixtureWithMap(dir),
    steps: [{ shown: 'schema-guard check --format github', args: ['check', '--no-cache', '--format', 'github'], show: headAndTail(3) }],
  },
  {
    id: 'markdown',
    file: 'docs/formats.md',
    fence: 'markdown',
    prompt: false,
    workspace: (dir) => fixtureWithMap(dir),
    steps: [{ shown: 'schema-guard check --format markdown --max-findings 3', args: ['check', '--no-cache', '--format', 'markdown', '--max-findings', '3'] }],
  },

  // docs/map.md
  {
    id: 'owner-contacts',
    file: 'docs/map.md',
    fence: 'json',
    prompt: false,
    workspace: (dir) => fixtureWithMap(dir),
    steps: [
      {
        shown: 'schema-guard check --format json',
        args: ['check', '--no-cache', '--format', 'json'],
        show: (output) => {
          const finding = JSON.parse(output).findings.find((f) => f.ruleId === 'ledger-immutable' && f.domain === 'platform-billing');
          const { ruleId, file, line, domain, table, owner, ownerContacts } = finding;
          return abridgedJson({ ruleId, file, line, domain, table, owner, ownerContacts, '…': '…' }).replace('…: …', '…');
        },
      },
    ],
  },

  // docs/adoption.md: in a copy of the fixture with the map at its root
  {
    id: 'baseline',
    file: 'docs/adoption.md',
    fence: 'console',
    workspace: (dir) => fixtureWithMap(dir),
    steps: [
      { shown: 'schema-guard baseline', args: ['baseline'] },
      { shown: 'schema-guard check --fail-on warning', args: ['check', '--fail-on', 'warning'], exit: true },
    ],
  },
  {
    id: 'baseline-file',
    file: 'docs/adoption.md',
    fence: 'json',
    prompt: false,
    workspace: async (dir, run) => {
      fixtureWithMap(dir);
      await run(['baseline', '--quiet']);
    },
    steps: [
      {
        shown: 'cat .schema-guard-baseline.json',
        file: '.schema-guard-baseline.json',
        show: (text) => {
          const baseline = JSON.parse(text);
          const entry = baseline.findings.find((f) => f.table === 'pricing_plans');
          return abridgedJson({ ...baseline, findings: ['…', entry, '…'] });
        },
      },
    ],
  },
  {
    id: 'baseline-new',
    file: 'docs/adoption.md',
    fence: 'console',
    workspace: async (dir, run) => {
      fixtureWithMap(dir);
      await run(['baseline', '--quiet']);
      const catalog = 'packages/gpuaas/inventory/src/catalog.ts';
      const plan = "  const plan = await pool.query('SELECT display_name FROM pricing_plans WHERE sku_code = $1', [code]);\n";
      editFile(dir, catalog, plan, `${plan}  const currency = await pool.query('SELECT currency FROM pricing_plans WHERE sku_code = $1', [code]);\n`);
      const session = 'packages/gpuaas/terminal/src/session.ts';
      editFile(dir, session, "  const account = await pool.query(\n", "  const account = await pool.query(\n    // schema-guard-ignore-next-line cross-domain-query -- session lookup until IAM ships getActiveSession()\n");
      editFile(dir, session, "  await pool.query(\n    'INSERT", "  await pool.query(\n    // schema-guard-ignore-next-line cross-domian-query -- grants move to provisioning's API\n    'INSERT");
    },
    steps: [{ shown: 'schema-guard check --fail-on warning', args: ['check', '--fail-on', 'warning'], exit: true }],
  },
  {
    id: 'expired-exception',
    file: 'docs/adoption.md',
    fence: 'console',
    workspace: (dir) => fixtureWithMap(dir, (text) => replaceOnce(text, '    folders: [cmd/api/**]\n', '    folders: [cmd/api/**]\n    expires: 2025-09-30\n')),
    steps: [{ shown: 'schema-guard check', args: ['check'], show: fileGroups(/^ownership-map\.yaml$/) }],
  },

  // docs/map-tools.md: in the same copy
  {
    id: 'map-validate',
    file: 'docs/map-tools.md',
    fence: 'console',
    workspace: (dir) =>
      fixtureWithMap(dir, (text) => {
        let map = replaceOnce(text, 'packages/gpuaas/maas/**, packages/gpuaas/nodes/**]', 'packages/gpuaas/maas/**, packages/gpuaas/*/src/catalog.ts]');
        map = replaceOnce(map, 'readModelFolders: [packages/read-models/**]', 'readModelFolders: [packages/read-models]');
        return replaceOnce(map, 'rules: [cross-domain-query, cross-family-join]', 'rules: [cross-domain-query, cross-familly-join]');
      }),
    steps: [{ shown: 'schema-guard map validate', args: ['map', 'validate'], exit: true }],
  },
  {
    id: 'map-coverage',
    file: 'docs/map-tools.md',
    fence: 'console',
    workspace: (dir) => fixtureWithMap(dir),
    steps: [{ shown: 'schema-guard map coverage', args: ['map', 'coverage'], show: shortenTable('Tables the map owns that nothing uses', 3) }],
  },
  {
    id: 'who-owns-table',
    file: 'docs/map-tools.md',
    fence: 'console',
    workspace: (dir) => fixtureWithMap(dir),
    steps: [
      { shown: 'schema-guard who-owns ledger_entries', args: ['who-owns', 'ledger_entries'] },
      { shown: 'schema-guard who-owns feature_flags', args: ['who-owns', 'feature_flags'], exit: true },
    ],
  },
  {
    id: 'who-owns-path',
    file: 'docs/map-tools.md',
    fence: 'console',
    workspace: (dir) => fixtureWithMap(dir),
    steps: [
      { shown: 'schema-guard who-owns cmd/api/routes/billing.ts', args: ['who-owns', 'cmd/api/routes/billing.ts'] },
      { shown: 'schema-guard who-owns cmd/api', args: ['who-owns', 'cmd/api'], exit: true },
    ],
  },
  {
    id: 'graph',
    file: 'docs/map-tools.md',
    fence: 'mermaid',
    prompt: false,
    workspace: (dir) => fixtureWithMap(dir),
    steps: [{ shown: 'schema-guard graph', args: ['graph'] }],
  },

  // docs/analysis.md
  {
    id: 'orm',
    file: 'docs/analysis.md',
    fence: 'console',
    steps: [
      { shown: 'cd fixtures/orm-monorepo' },
      {
        shown: 'schema-guard check --map ../../ownership-map.yaml packages/platform/billing packages/gpuaas/provisioning/src',
        args: ['check', '--root', 'fixtures/orm-monorepo', '--map', 'ownership-map.yaml', '--no-cache', 'fixtures/orm-monorepo/packages/platform/billing', 'fixtures/orm-monorepo/packages/gpuaas/provisioning/src'],
        show: (output) => `${headAndTail(7, /^✖/)(output)}\n\n${section(output, /^Table accesses by framework/)}`,
      },
    ],
  },

  // docs/modules-and-tenancy.md
  {
    id: 'module-cycle',
    file: 'docs/modules-and-tenancy.md',
    fence: 'console',
    workspace: (dir) => {
      copyFixture(dir, 'fixtures/module-schemas');
      const map = readFileSync(path.join(dir, 'ownership-map.yaml'), 'utf8');
      let cycle = replaceOnce(map, '    schemas: [identity]\n    dependsOn: [integration]\n', '    schemas: [identity]\n    dependsOn: [integration, billing]\n');
      cycle = replaceOnce(cycle, 'crossCutting: [audit, integration]', 'crossCutting: [audit, integrations]');
      writeFileSync(path.join(dir, 'cycle-map.yaml'), cycle);
    },
    steps: [{ shown: 'schema-guard map validate --map cycle-map.yaml', args: ['map', 'validate', '--map', 'cycle-map.yaml'] }],
  },
  {
    id: 'module-schemas',
    file: 'docs/modules-and-tenancy.md',
    fence: 'console',
    steps: [
      {
        shown: 'schema-guard check --root fixtures/module-schemas --map fixtures/module-schemas/ownership-map.yaml',
        args: ['check', '--root', 'fixtures/module-schemas', '--map', 'fixtures/module-schemas/ownership-map.yaml', '--no-cache'],
        show: fileGroups(/^modules\/entitlements\/migrations\//, /^By domain/),
      },
    ],
  },
  {
    id: 'module-chain-graph',
    file: 'docs/modules-and-tenancy.md',
    fence: 'mermaid',
    prompt: false,
    steps: [
      {
        shown: 'schema-guard graph --root fixtures/module-schemas --map fixtures/module-schemas/ownership-map.yaml',
        args: ['graph', '--root', 'fixtures/module-schemas', '--map', 'fixtures/module-schemas/ownership-map.yaml'],
        show: chainOnly,
      },
    ],
  },
  {
    id: 'tenancy-service',
    file: 'docs/modules-and-tenancy.md',
    fence: 'console',
    steps: [
      {
        shown: 'schema-guard check --root fixtures/tenancy-service --map fixtures/tenancy-service/ownership-map.yaml',
        args: ['check', '--root', 'fixtures/tenancy-service', '--map', 'fixtures/tenancy-service/ownership-map.yaml', '--no-cache'],
        show: fileGroups(/^src\//, /^By rule/),
      },
    ],
  },

  // docs/robustness.md
  {
    id: 'hostile-files',
    file: 'docs/robustness.md',
    fence: 'console',
    workspace: (dir) => hostileRepo(dir),
    steps: [{ shown: 'schema-guard', args: ['--no-cache'], show: upTo(/^By rule/) }],
  },
  {
    id: 'stopped-run',
    file: 'docs/robustness.md',
    fence: 'console',
    workspace: (dir) => {
      hostileRepo(dir);
      writeFileSync(path.join(dir, 'broken-map.yaml'), 'version: 1\ndomains:\n  shop:\n    name: Shop\n    kind: product\n    folders: [packages/shop/**]\n    prefixes: shop_\n');
      writeFileSync(path.join(dir, 'alias-bomb.yaml'), 'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n');
      symlinkSync('/etc', path.join(dir, 'packages/shop/src/etc'));
    },
    steps: [
      { shown: 'schema-guard --map broken-map.yaml', args: ['--map', 'broken-map.yaml', '--no-cache'], exit: true },
      { shown: 'schema-guard --map alias-bomb.yaml', args: ['--map', 'alias-bomb.yaml', '--no-cache'] },
      { shown: 'schema-guard packages/shop/src/etc', args: ['--no-cache', 'packages/shop/src/etc'] },
      { shown: 'schema-guard --format sarif --output packages/shop/src/orders.ts/x.sarif', args: ['--no-cache', '--format', 'sarif', '--output', 'packages/shop/src/orders.ts/x.sarif'] },
    ],
  },

  // docs/db-check.md: each run starts an embedded PostgreSQL
  {
    id: 'db-check-migrations',
    file: 'docs/db-check.md',
    fence: 'console',
    steps: [
      { shown: 'cd fixtures/tenancy-service' },
      { shown: 'schema-guard db check', args: ['db', 'check', '--root', 'fixtures/tenancy-service'] },
    ],
  },
  {
    id: 'db-check-modules',
    file: 'docs/db-check.md',
    fence: 'console',
    steps: [
      { shown: 'cd fixtures/module-schemas' },
      {
        shown: MODULE_ORDER.map((m, i) => `${i === 0 ? 'schema-guard db check ' : '    '}--migrations 'modules/${m}/migrations/*.sql'`).join(' \\\n'),
        args: ['db', 'check', '--root', 'fixtures/module-schemas', ...MODULE_ORDER.flatMap((m) => ['--migrations', `modules/${m}/migrations/*.sql`])],
      },
    ],
  },
  {
    id: 'db-check-unreachable',
    file: 'docs/db-check.md',
    fence: 'console',
    steps: [{ shown: 'schema-guard db check --database-url postgres://app:…@127.0.0.1:1/app', args: ['db', 'check', '--database-url', 'postgres://app:secret@127.0.0.1:1/app'], exit: true }],
  },
];

// ---------------------------------------------------------------------------------------------
// Running and placing samples

const PLACEHOLDER = '/tmp/repo';

/**
 * Runs a sample and returns its block: the fence and what is inside it. Commands run in-process with
 * the environment a reader's terminal would not add to (no colour, not in GitHub Actions).
 */
export async function renderSample(sample, main) {
  const workdir = sample.workspace ? mkdtempSync(path.join(os.tmpdir(), 'schema-guard-docs-')) : undefined;
  const cwd = process.cwd();
  const saved = { ...process.env };
  for (const key of Object.keys(process.env)) if (key.startsWith('GITHUB_') || key === 'FORCE_COLOR' || key === 'CI') delete process.env[key];
  process.env.NO_COLOR = '1';
  const run = async (args) => {
    let output = '';
    const sink = { write: (text) => (output += text) };
    const code = await main(args, { stdout: sink, stderr: sink });
    return { output, code };
  };
  try {
    let runDir = REPO_ROOT;
    if (workdir) {
      process.chdir(workdir);
      runDir = (await sample.workspace(workdir, async (args) => void (await run(args)))) ?? workdir;
    }
    process.chdir(runDir);
    const out = [];
    for (const step of sample.steps) {
      if (sample.prompt !== false) out.push(`$ ${step.shown}`);
      if (step.file) {
        out.push((step.show ?? String)(readFileSync(path.join(runDir, step.file), 'utf8')).replace(/\n+$/, ''));
        continue;
      }
      if (!step.args) continue;
      const { output, code } = await run(step.args);
      const cleaned = workdir ? output.replaceAll(runDir, PLACEHOLDER).replaceAll(workdir, PLACEHOLDER) : output;
      const shown = (step.show ? step.show(cleaned) : cleaned).replace(/\n+$/, '');
      if (shown) out.push(shown);
      if (step.exit) out.push('$ echo $?', String(code));
    }
    return `\`\`\`${sample.fence}\n${out.join('\n')}\n\`\`\``;
  } finally {
    process.chdir(cwd);
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    if (workdir) rmSync(workdir, { recursive: true, force: true });
  }
}

const markers = (id) => [`<!-- sample:${id} -->`, `<!-- /sample:${id} -->`];

/** The block between a sample's markers in `text`, or undefined when the markers are missing. */
export function blockOf(text, id) {
  const [open, close] = markers(id);
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) return undefined;
  return text.slice(start + open.length, end).replace(/^\n/, '').replace(/\n$/, '');
}

/** `text` with the block of sample `id` replaced. */
export function withBlock(text, id, block) {
  const [open, close] = markers(id);
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) throw new Error(`no ${open} … ${close} block`);
  return `${text.slice(0, start + open.length)}\n${block}\n${text.slice(end)}`;
}

/** Every `<!-- sample:<id> -->` marker in `text`. */
export function sampleIdsIn(text) {
  return [...text.matchAll(/<!-- sample:([a-z0-9-]+) -->/g)].map((match) => match[1]);
}
