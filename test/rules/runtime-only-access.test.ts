/**
 * runtime-only-access judges accesses the tests ran against the facts static analysis extracted:
 * the facts here come from a real check of a small repository.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check.js';
import type { FileFacts } from '../../src/facts/types.js';
import { runtimeOnlyAccesses, type ExecutedAccess } from '../../src/rules/runtime-only-access.js';
import { REPO_ROOT, writeRepo } from '../helpers.js';

const MAP = path.join(REPO_ROOT, 'fixtures/runtime-app/ownership-map.yaml');

async function staticFacts(files: Record<string, string>): Promise<(file: string) => FileFacts | undefined> {
  const result = await runCheck({ root: writeRepo(files), mapFile: MAP });
  const byFile = new Map(result.facts.map((facts) => [facts.file, facts]));
  return (file) => byFile.get(file);
}

function ran(file: string, enclosingFunction: string | undefined, table: string, callers: Array<{ file: string; enclosingFunction?: string }> = []): ExecutedAccess {
  return { file, line: 3, column: 5, domain: 'reporting', enclosingFunction, table: { name: table }, operation: 'read', frames: [{ file, enclosingFunction }, ...callers] };
}

const EXPORT = `export async function exportSource(db, table) {
  const source = table;
  return db.query(\`SELECT count(*) FROM \${source}\`);
}
export async function exportProducts(db) {
  return db.query('SELECT count(*) FROM catalog_products');
}
`;

describe('runtime-only-access', () => {
  it('fires where the table was chosen at run time: static analysis saw a table it could not name', async () => {
    const facts = await staticFacts({ 'src/reporting/export.ts': EXPORT });
    const findings = runtimeOnlyAccesses([ran('src/reporting/export.ts', 'exportSource', 'billing_invoices')], facts);
    expect(findings).toMatchObject([{ ruleId: 'runtime-only-access', file: 'src/reporting/export.ts', line: 3, table: 'billing_invoices', enclosingFunction: 'exportSource', domain: 'reporting' }]);
    expect(findings[0]!.message).toContain('static analysis saw no access to billing_invoices');
  });

  it('fires when static analysis saw the table only in another function of the file', async () => {
    const facts = await staticFacts({ 'src/reporting/export.ts': EXPORT });
    expect(runtimeOnlyAccesses([ran('src/reporting/export.ts', 'exportSource', 'catalog_products')], facts)).toHaveLength(1);
  });

  it('stays quiet where static analysis saw the same table in the same function', async () => {
    const facts = await staticFacts({ 'src/reporting/export.ts': EXPORT });
    expect(runtimeOnlyAccesses([ran('src/reporting/export.ts', 'exportProducts', 'catalog_products')], facts)).toEqual([]);
  });

  it('stays quiet when a shared helper sent SQL that static analysis saw in its caller', async () => {
    const facts = await staticFacts({
      'src/shared/db.ts': 'export async function runStatement(db, text) {\n  return db.query(text);\n}\n',
      'src/billing/purge.ts': "import { runStatement } from '../shared/db.js';\nexport async function purge(db) {\n  await runStatement(db, 'DELETE FROM billing_invoices WHERE amount_cents < 100');\n}\n",
    });
    const access = ran('src/shared/db.ts', 'runStatement', 'billing_invoices', [{ file: 'src/billing/purge.ts', enclosingFunction: 'purge' }]);
    expect(runtimeOnlyAccesses([access], facts)).toEqual([]);
    // Without the caller's frame, the helper alone shows nothing.
    expect(runtimeOnlyAccesses([{ ...access, frames: access.frames.slice(0, 1) }], facts)).toHaveLength(1);
  });
});
