import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, ROOT_MAP, runCli } from '../helpers.js';

describe('framework in SARIF', () => {
  it('carries the framework each access came through as a result property', async () => {
    const result = await runCli(['check', '--root', path.join(REPO_ROOT, 'fixtures/orm-monorepo'), '--map', ROOT_MAP, '--format', 'sarif', '--no-cache', '--quiet']);
    const frameworks = new Set(JSON.parse(result.stdout).runs[0].results.map((r: { properties?: { framework?: string } }) => r.properties?.framework));
    expect([...frameworks].filter(Boolean).sort()).toEqual(['drizzle', 'knex', 'kysely', 'prisma', 'typeorm']);
  });
});
