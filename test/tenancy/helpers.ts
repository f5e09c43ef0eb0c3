import path from 'node:path';
import { runCheck } from '../../src/check.js';
import type { Finding } from '../../src/rules/finding.js';
import { writeRepo } from '../helpers.js';

/** Row-level tenancy over the `jobs` family and the `tenant_data` schema; webhooks.secret is sensitive. */
export const TENANCY_MAP = `version: 1
domains:
  tenancy: { name: Tenancy, kind: platform, folders: [src/tenancy/**] }
  support: { name: Support, kind: product, folders: [src/support/**] }
families:
  - { id: registry, name: Registry, tables: [tenants], currentOwner: tenancy, targetOwner: tenancy, guardRule: Registry, readers: [support] }
  - { id: jobs, name: Jobs, tables: [jobs, webhooks, environments], currentOwner: tenancy, targetOwner: tenancy, guardRule: Jobs, readers: [support] }
tenancy:
  mode: row-level
  scoped: { families: [jobs], schemas: [tenant_data] }
sensitiveColumns:
  - { table: webhooks, columns: [secret, signing_key] }
`;

/** Runs the whole pipeline on a repository of `files` with `map` as its ownership map. */
export async function check(
  files: Record<string, string>,
  options: { map?: string; rules?: string[]; paths?: string[] } = {},
): Promise<Finding[]> {
  const root = writeRepo({ ...files, 'ownership-map.yaml': options.map ?? TENANCY_MAP });
  const result = await runCheck({ root, mapFile: path.join(root, 'ownership-map.yaml'), rules: options.rules, paths: options.paths });
  return result.findings;
}
