// Generates a deterministic synthetic monorepo in the seed layout, for the benchmark.
//
//   node bench/generate.mjs --files 5000 [--seed 1] [--out DIR]
//
// About 95% TypeScript (imports across packages, raw SQL in pool.query calls, sql`` tagged
// templates, query-builder calls, log strings) and 5% .sql migrations, ~60 lines a file.
// The same --files and --seed always give byte-identical trees.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Bump when the generated content changes, so that cached trees are regenerated. */
export const GENERATOR_VERSION = 2;
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const FILES_PER_FOLDER = 40;

/** Packages of the seed layout, each with the tables its domain owns and a share of the files. */
const PACKAGES = [
  { dir: 'packages/platform/iam', name: '@acme/platform-iam', weight: 10, tables: ['organizations', 'projects', 'tenant_memberships', 'project_memberships', 'users', 'user_identity_links', 'account_sessions', 'role_definitions', 'tenant_role_bindings', 'platform_iam_user_posix_identities'] },
  { dir: 'packages/platform/billing', name: '@acme/platform-billing', weight: 12, tables: ['ledger_entries', 'invoice_headers', 'invoice_lines', 'usage_records', 'rated_usage_lines', 'pricing_plans', 'pricing_plan_versions', 'subscriptions', 'billing_accounts', 'payment_sessions', 'budget_policies'] },
  { dir: 'packages/platform/audit', name: '@acme/platform-audit', weight: 3, tables: ['platform_audit_logs', 'platform_evidence_bundles'] },
  { dir: 'packages/platform/policy', name: '@acme/platform-policy', weight: 3, tables: ['platform_policy_definitions', 'platform_policy_values', 'platform_policy_change_events'] },
  { dir: 'packages/platform/status', name: '@acme/platform-status', weight: 3, tables: ['commit_contracts', 'platform_status_admin_ack_suppressions', 'platform_incident_timelines'] },
  { dir: 'packages/platform/registry', name: '@acme/platform-registry', weight: 3, tables: ['platform_registry_entries', 'platform_artifact_digests'] },
  { dir: 'packages/platform/secrets', name: '@acme/platform-secrets', weight: 3, tables: ['access_credentials', 'access_credential_bindings', 'platform_pki_certificates'] },
  { dir: 'packages/platform/api', name: '@acme/platform-api', weight: 3, tables: ['platform_api_idempotency_keys'] },
  { dir: 'packages/gpuaas/inventory', name: '@acme/gpuaas-inventory', weight: 9, tables: ['sku_catalog', 'node_family_versions', 'provider_capacity_inventory', 'provider_resources', 'os_images'] },
  { dir: 'packages/gpuaas/provisioning', name: '@acme/gpuaas-provisioning', weight: 14, tables: ['nodes', 'node_tasks', 'node_onboardings', 'node_resource_slots', 'allocations', 'allocation_resource_claims', 'allocation_runtime_bundles', 'maas_sites', 'maas_site_policies', 'gpuaas_provisioning_attention_reviews'] },
  { dir: 'packages/gpuaas/terminal', name: '@acme/gpuaas-terminal', weight: 6, tables: ['gpuaas_terminal_sessions', 'gpuaas_session_recordings', 'allocation_access_grants', 'user_ssh_public_keys'] },
  { dir: 'packages/gpuaas/storage', name: '@acme/gpuaas-storage', weight: 5, tables: ['platform_storage_buckets', 'platform_storage_objects', 'platform_storage_grants'] },
  { dir: 'packages/appplatform', name: '@acme/appplatform', weight: 12, tables: ['app_catalog', 'app_versions', 'project_app_entitlements', 'app_instances', 'shared_app_runtimes', 'app_instance_members', 'app_artifacts'] },
  { dir: 'packages/shared/outbox', name: '@acme/shared-outbox', weight: 2, tables: ['platform_outbox_events'] },
  { dir: 'packages/shared/logging', name: '@acme/shared-logging', weight: 1, tables: [] },
  { dir: 'cmd/api', name: '@acme/api', weight: 6, tables: [], ownerHeader: true },
];
const DOMAIN_OF_API_ROUTES = ['platform-iam', 'platform-billing', 'gpuaas-provisioning', 'gpuaas-inventory', 'appplatform'];
const COLUMNS = ['id', 'organization_id', 'project_id', 'status', 'name', 'created_at', 'updated_at', 'kind', 'amount_minor', 'currency', 'node_id', 'user_id', 'expires_at', 'payload', 'version', 'region', 'quantity', 'deleted_at'];
const VERBS = ['list', 'find', 'load', 'count', 'sync', 'refresh', 'archive', 'record', 'apply', 'resolve', 'mark', 'close'];
const NOUNS = ['Account', 'Node', 'Session', 'Invoice', 'Policy', 'Grant', 'Instance', 'Plan', 'Slot', 'Image', 'Member', 'Event', 'Bucket', 'Task'];
const AREAS = ['core', 'handlers', 'jobs', 'repo', 'services', 'events', 'models', 'adapters'];

/** mulberry32: small, fast and the same on every platform. */
function prng(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  return { next, int, pick: (list) => list[int(list.length)], chance: (p) => next() < p };
}

/** Plans every file of the tree: which package, folder and name; returns them in a stable order. */
function planFiles(count, random) {
  const sqlCount = Math.max(2, Math.round(count * 0.05));
  const totalWeight = PACKAGES.reduce((sum, pkg) => sum + pkg.weight, 0);
  const plan = [];
  let assigned = 0;
  PACKAGES.forEach((pkg, i) => {
    const share = i === PACKAGES.length - 1 ? count - sqlCount - assigned : Math.round(((count - sqlCount) * pkg.weight) / totalWeight);
    assigned += share;
    for (let n = 0; n < share; n++) {
      const area = AREAS[n % AREAS.length];
      const folder = Math.floor(n / (AREAS.length * FILES_PER_FOLDER));
      const base = pkg.ownerHeader ? `cmd/api/routes/${area}${folder ? '-' + folder : ''}` : `${pkg.dir}/src/${area}${folder ? '-' + folder : ''}`;
      plan.push({ kind: 'ts', pkg, file: `${base}/${random.pick(VERBS)}-${random.pick(NOUNS).toLowerCase()}-${n}.ts` });
    }
  });
  const owning = PACKAGES.filter((pkg) => pkg.tables.length > 0);
  for (let n = 0; n < sqlCount; n++) {
    const pkg = n % 4 === 0 ? undefined : owning[n % owning.length];
    const file = pkg ? `${pkg.dir}/migrations/${String(n).padStart(5, '0')}_${random.pick(NOUNS).toLowerCase()}.sql` : `migrations/${String(n).padStart(5, '0')}_shared.sql`;
    plan.push({ kind: 'sql', pkg, file });
  }
  return plan;
}

function columnsOf(random, min, max) {
  const picked = new Set(['id']);
  const want = min + random.int(max - min + 1);
  while (picked.size < want) picked.add(random.pick(COLUMNS));
  return [...picked];
}

/** A table of this package most of the time, sometimes another domain's (a finding, as in real code). */
function tableFor(pkg, random) {
  if (pkg.tables.length > 0 && !random.chance(0.04)) return random.pick(pkg.tables);
  return random.pick(random.pick(PACKAGES.filter((other) => other.tables.length > 0)).tables);
}

function selectSql(table, random) {
  const columns = columnsOf(random, 2, 6).join(', ');
  const where = columnsOf(random, 1, 3).map((column, i) => `${column} = $${i + 1}`).join(' AND ');
  const tail = random.chance(0.5) ? ` ORDER BY ${random.pick(COLUMNS)} DESC LIMIT ${10 + random.int(490)}` : '';
  return `SELECT ${columns} FROM ${table} WHERE ${where}${tail}`;
}

function joinSql(table, other, random) {
  const columns = columnsOf(random, 2, 4).map((column) => `a.${column}`).join(', ');
  return `SELECT ${columns}, b.${random.pick(COLUMNS)}\n       FROM ${table} a\n       JOIN ${other} b ON b.id = a.${random.pick(COLUMNS)}\n      WHERE a.organization_id = $1 AND a.created_at > now() - interval '${1 + random.int(90)} days'`;
}

function writeSql(table, random) {
  const columns = columnsOf(random, 2, 5);
  switch (random.int(3)) {
    case 0:
      return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`;
    case 1:
      return `UPDATE ${table} SET ${columns.slice(1).map((c, i) => `${c} = $${i + 2}`).join(', ')} WHERE id = $1`;
    default:
      return `DELETE FROM ${table} WHERE ${random.pick(COLUMNS)} < now() - interval '${1 + random.int(365)} days'`;
  }
}

/** One TypeScript file: imports, a row type, SQL in the shapes real code uses it, ~60 lines. */
function typeScriptFile(entry, siblings, index, random) {
  const { pkg } = entry;
  const lines = [];
  if (pkg.ownerHeader) lines.push(`// @owner ${random.pick(DOMAIN_OF_API_ROUTES)}`);
  lines.push("import { pool, sql } from '@acme/shared-db';");
  lines.push("import { log } from '@acme/shared-logging';");
  for (let i = 0; i < 2 + random.int(3) && siblings.length > 1; i++) {
    const target = random.pick(siblings).file;
    let relative = path.posix.relative(path.posix.dirname(entry.file), target).replace(/\.ts$/, '.js');
    if (!relative.startsWith('.')) relative = './' + relative;
    lines.push(`import { helper${i} } from '${relative}';`);
  }
  if (random.chance(0.6)) {
    const other = random.pick(PACKAGES.filter((candidate) => candidate !== pkg && !candidate.ownerHeader));
    lines.push(random.chance(0.15)
      ? `import { internals } from '${other.name}/src/${random.pick(AREAS)}/index.js';`
      : `import type { Contract } from '${other.name}';`);
  }
  if (random.chance(0.3)) lines.push(`import { createHash } from 'node:crypto';`);
  const noun = random.pick(NOUNS);
  const fields = columnsOf(random, 3, 7);
  lines.push('', `export interface ${noun}Row${index} {`, ...fields.map((field) => `  ${field}: ${field.endsWith('_at') ? 'Date' : 'string'};`), '}', '');

  const table = tableFor(pkg, random);
  const constName = `${random.pick(VERBS).toUpperCase()}_${noun.toUpperCase()}_${index}`;
  lines.push(`const ${constName} = \`${selectSql(table, random)}\`;`, '');
  while (lines.length < 52) {
    const name = `${random.pick(VERBS)}${random.pick(NOUNS)}${lines.length}`;
    switch (random.int(6)) {
      case 0:
        lines.push(
          `export async function ${name}(organizationId: string): Promise<${noun}Row${index}[]> {`,
          `  const result = await pool.query(${constName}, [organizationId]);`,
          `  log.debug('${name} returned %d rows', result.rowCount);`,
          '  return result.rows;',
          '}', '');
        break;
      case 1:
        lines.push(
          `export async function ${name}(id: string, value: string): Promise<void> {`,
          `  await pool.query(`,
          `    "${writeSql(tableFor(pkg, random), random)}",`,
          '    [id, value],',
          '  );',
          '}', '');
        break;
      case 2:
        lines.push(
          `export const ${name} = async (organizationId: string, limit = ${10 + random.int(90)}) => {`,
          `  const rows = await sql\``,
          `    ${joinSql(tableFor(pkg, random), tableFor(pkg, random), random).replace('$1', '${organizationId}')}`,
          '    LIMIT ${limit}',
          '  `;',
          `  return rows.map((row) => ({ ...row, source: '${pkg.name}' }));`,
          '};', '');
        break;
      case 3:
        lines.push(
          `export function ${name}(db: QueryBuilder, status: string) {`,
          `  return db('${tableFor(pkg, random)}')`,
          `    .where({ status, region: '${random.pick(['us-east', 'eu-west', 'ap-south'])}' })`,
          `    .orderBy('${random.pick(COLUMNS)}', 'desc')`,
          `    .limit(${10 + random.int(200)});`,
          '}', '');
        break;
      case 4:
        lines.push(
          `export class ${noun}Service${lines.length} {`,
          '  constructor(private readonly db: typeof pool) {}',
          '',
          `  async ${random.pick(VERBS)}(id: string): Promise<number> {`,
          `    const { rows } = await this.db.query({ text: '${selectSql(tableFor(pkg, random), random)}', values: [id] });`,
          `    if (rows.length === 0) log.warn('update ${random.pick(NOUNS).toLowerCase()} failed for %s', id);`,
          '    return rows.length;',
          '  }',
          '}', '');
        break;
      default:
        lines.push(
          `export function ${name}(input: Record<string, unknown>): string {`,
          `  const keys = Object.keys(input).filter((key) => key !== '${random.pick(COLUMNS)}');`,
          `  return keys.map((key) => \`\${key}=\${String(input[key])}\`).join('&');`,
          '}', '');
    }
  }
  lines.push('type QueryBuilder = (table: string) => any;', `export const helper0 = ${index}, helper1 = ${index + 1}, helper2 = ${index + 2}, helper3 = ${index + 3};`);
  return lines.join('\n') + '\n';
}

/** One migration: CREATE TABLE, indexes, ALTER TABLE and seed rows, ~60 lines. */
function migrationFile(entry, random) {
  const tables = entry.pkg ? entry.pkg.tables : ['organizations', 'projects', 'users', 'feature_flags'];
  const lines = [`-- ${entry.file}: generated migration`];
  while (lines.length < 55) {
    const table = random.pick(tables);
    const columns = columnsOf(random, 3, 7);
    switch (random.int(3)) {
      case 0:
        lines.push(`CREATE TABLE IF NOT EXISTS ${table} (`,
          ...columns.map((column, i) => `  ${column} ${column === 'id' ? 'uuid PRIMARY KEY' : column.endsWith('_at') ? 'timestamptz' : 'text'}${i < columns.length - 1 ? ',' : ''}`),
          ');', `CREATE INDEX IF NOT EXISTS ${table}_${columns[1]}_idx ON ${table} (${columns[1]});`, '');
        break;
      case 1:
        lines.push(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${random.pick(COLUMNS)}_v${random.int(9)} text;`, '');
        break;
      default:
        lines.push(`INSERT INTO ${table} (${columns.join(', ')})`, `VALUES (${columns.map(() => `'${random.pick(NOUNS).toLowerCase()}-${random.int(1000)}'`).join(', ')});`, '');
    }
  }
  return lines.join('\n') + '\n';
}

/** Writes the tree; returns its root. Reuses an existing tree made by the same generator, size and seed. */
export function generateTree({ files, seed = 1, out }) {
  const root = out ?? path.join(os.tmpdir(), 'schema-guard-bench', `tree-${files}-seed${seed}`);
  const stamp = path.join(root, '.bench-tree.json');
  const identity = JSON.stringify({ version: GENERATOR_VERSION, files, seed });
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === identity) return root;
  rmSync(root, { recursive: true, force: true });

  const random = prng(seed);
  const plan = planFiles(files, random);
  const write = (relative, text) => {
    const absolute = path.join(root, relative);
    mkdirSync(path.dirname(absolute), { recursive: true });
    writeFileSync(absolute, text);
  };
  const filesOf = new Map(PACKAGES.map((pkg) => [pkg, plan.filter((entry) => entry.pkg === pkg && entry.kind === 'ts')]));
  plan.forEach((entry, i) => write(entry.file, entry.kind === 'ts' ? typeScriptFile(entry, filesOf.get(entry.pkg), i, random) : migrationFile(entry, random)));

  for (const pkg of [...PACKAGES, { dir: 'packages/shared/db', name: '@acme/shared-db' }]) {
    write(`${pkg.dir}/package.json`, JSON.stringify({ name: pkg.name, version: '0.1.0', private: true, type: 'module', main: 'index.ts' }, null, 2) + '\n');
  }
  write('packages/shared/db/index.ts', "import pg from 'pg';\nimport postgres from 'postgres';\n\nexport const pool = new pg.Pool();\nexport const sql = postgres();\n");
  write('package.json', JSON.stringify({ name: 'acme-platform', private: true, workspaces: ['packages/*/*', 'packages/*', 'cmd/*'] }, null, 2) + '\n');
  write('tsconfig.json', JSON.stringify({ compilerOptions: { strict: true, baseUrl: '.', paths: { '@acme/billing/*': ['packages/platform/billing/*'], '@acme/iam/*': ['packages/platform/iam/*'] } } }, null, 2) + '\n');
  copyFileSync(path.join(REPO_ROOT, 'ownership-map.yaml'), path.join(root, 'ownership-map.yaml'));
  writeFileSync(stamp, identity);
  return root;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = (name, fallback) => {
    const at = process.argv.indexOf(`--${name}`);
    return at > 0 ? process.argv[at + 1] : fallback;
  };
  const files = Number(arg('files', '1000'));
  if (!Number.isInteger(files) || files < 10) {
    console.error('usage: node bench/generate.mjs --files N [--seed S] [--out DIR]   (N ≥ 10)');
    process.exit(2);
  }
  console.log(generateTree({ files, seed: Number(arg('seed', '1')), out: arg('out') }));
}
