import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { Log, Result } from 'sarif';
import { describe, expect, it } from 'vitest';
import { fallbackRuleMeta, getRuleCatalog } from '../../src/rules/catalog.js';
import type { Finding } from '../../src/rules/finding.js';
import { computeLineHashes } from '../../src/report/line-hash.js';
import { MAX_SARIF_RESULTS, renderSarif, type SarifInput } from '../../src/report/sarif.js';

// The official SARIF 2.1.0 schema as published at json.schemastore.org (draft-07), vendored.
const schema = JSON.parse(readFileSync(new URL('../schemas/sarif-schema-2.1.0.json', import.meta.url), 'utf8'));
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const validate = ajv.compile(schema);

function expectValid(sarif: string): Log {
  const log = JSON.parse(sarif) as Log;
  const valid = validate(log);
  expect(validate.errors ?? [], ajv.errorsText(validate.errors)).toEqual([]);
  expect(valid).toBe(true);
  return log;
}

const FILES: Record<string, string> = {
  'packages/gpuaas/provisioning/src/charge.ts':
    "import { pool } from './db.js';\n\nexport async function charge(accountId: string, cents: number) {\n" +
    "  await pool.query('INSERT INTO ledger_entries (billing_account_id, amount_cents) VALUES ($1, $2)', [accountId, cents]);\n}\n",
  'migrations/0051_dedupe_ledger.sql': '-- é\nDELETE FROM ledger_entries WHERE id IN (SELECT id FROM duplicate_ledger_ids);\n',
  'ownership-map.yaml': 'families:\n  - id: ledger-and-finance\n    tables: [ledger_entries]\n',
};

function finding(overrides: Partial<Finding> & Pick<Finding, 'ruleId' | 'file' | 'line' | 'column'>): Finding {
  return { level: 'error', message: `${overrides.ruleId} finding.`, domain: null, fingerprint: `fp-${overrides.ruleId}`, ...overrides };
}

const FINDINGS: Finding[] = [
  finding({
    ruleId: 'ledger-write',
    file: 'packages/gpuaas/provisioning/src/charge.ts',
    line: 4,
    column: 28,
    endLine: 4,
    endColumn: 42,
    message: 'gpuaas-provisioning writes ledger_entries, owned by platform-billing. Immutable ledger rule is blocking.',
    domain: 'gpuaas-provisioning',
    table: 'ledger_entries',
    family: 'ledger-and-finance',
    owner: 'platform-billing',
    operation: 'insert',
    related: [
      { file: 'ownership-map.yaml', line: 2, column: 5, message: 'Family Ledger and finance' },
      { file: 'migrations/0001_init.sql', line: 10, column: 1, message: 'ledger_entries is created here' },
    ],
    fingerprint: 'a1b2c3',
  }),
  finding({
    ruleId: 'ledger-immutable',
    file: 'migrations/0051_dedupe_ledger.sql',
    line: 2,
    column: 13, // copied as given (UTF-16 units), never recomputed from the text
    table: 'ledger_entries',
    operation: 'delete',
    blocking: true,
    related: [{ file: 'ownership-map.yaml', line: 2, column: 5, message: 'Family Ledger and finance' }],
  }),
  finding({ ruleId: 'sql-parse-error', level: 'note', file: 'packages/gpuaas/provisioning/src/charge.ts', line: 1, column: 1 }),
];

function input(overrides: Partial<SarifInput> = {}): SarifInput {
  return {
    findings: [],
    rules: getRuleCatalog(),
    toolVersion: '0.1.0',
    readFile: (path) => FILES[path],
    notifications: [],
    executionSuccessful: true,
    ...overrides,
  };
}

describe('renderSarif', () => {
  it('is checked against a schema that rejects invalid SARIF', () => {
    const log = JSON.parse(renderSarif(input({ findings: FINDINGS }))) as Log;
    log.runs[0]!.results![0]!.locations![0]!.physicalLocation!.region!.startColumn = 0;
    expect(validate(log)).toBe(false);
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ ruleId: 'x' }] }] })).toBe(false);
  });

  it('renders a valid run with every rule and `results: []` when nothing was found', () => {
    const sarif = renderSarif(input({ mapFile: 'ownership-map.yaml', informationUri: 'https://example.com/schema-guard' }));
    expect(sarif).not.toContain('\n');
    const log = expectValid(sarif);
    expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    const run = log.runs[0]!;
    expect(run.results).toEqual([]);
    expect(run.automationDetails).toEqual({ id: 'schema-guard/' });
    expect(run.originalUriBaseIds?.['%SRCROOT%']).toBeDefined();
    expect(run.invocations).toEqual([
      { executionSuccessful: true, toolExecutionNotifications: [], properties: { mapFile: 'ownership-map.yaml' } },
    ]);
    const driver = run.tool.driver;
    expect(driver).toMatchObject({ name: 'schema-guard', semanticVersion: '0.1.0', informationUri: 'https://example.com/schema-guard' });
    expect(driver.rules!.map((rule) => rule.id)).toEqual(getRuleCatalog().map((rule) => rule.id));
  });

  it('describes each rule from rules/', () => {
    const rules = expectValid(renderSarif(input())).runs[0]!.tool.driver.rules!;
    for (const [i, meta] of getRuleCatalog().entries()) {
      const rule = rules[i]!;
      expect(rule.shortDescription?.text).toBe(meta.summary);
      expect(rule.fullDescription!.text.length).toBeGreaterThan(0);
      expect(rule.fullDescription!.text.length).toBeLessThanOrEqual(1024);
      expect(rule.fullDescription!.text).not.toContain('\n');
      expect(rule.help).toEqual({ text: meta.markdown, markdown: meta.markdown });
      expect(rule.defaultConfiguration).toEqual({ level: meta.level });
      expect(rule.properties?.tags).toEqual(meta.tags);
      expect(rule.properties?.precision).toBe(meta.precision);
      expect(rule.properties?.['security-severity']).toBe(meta.securitySeverity);
      expect(rule.properties?.blocking).toBe(meta.blocking || undefined);
    }
  });

  it('renders findings with locations, fingerprints, related locations and properties', () => {
    const reads: string[] = [];
    const log = expectValid(
      renderSarif(input({ findings: FINDINGS, readFile: (path) => (reads.push(path), FILES[path]) })),
    );
    const run = log.runs[0]!;
    const rules = run.tool.driver.rules!;
    const results = run.results!;
    expect(results).toHaveLength(FINDINGS.length);
    // Hashes are computed once per file, never for related locations.
    expect(reads.sort()).toEqual(['migrations/0051_dedupe_ledger.sql', 'packages/gpuaas/provisioning/src/charge.ts']);

    for (const [i, f] of FINDINGS.entries()) {
      const result = results[i]!;
      expect(result.ruleId).toBe(f.ruleId);
      expect(rules[result.ruleIndex!]!.id).toBe(f.ruleId);
      expect(result.level).toBe(f.level);
      expect(result.message).toEqual({ text: f.message });
      expect(result.locations![0]!.physicalLocation).toEqual({
        artifactLocation: { uri: f.file, uriBaseId: '%SRCROOT%' },
        region: { startLine: f.line, startColumn: f.column, endLine: f.endLine ?? f.line, ...(f.endColumn ? { endColumn: f.endColumn } : {}) },
      });
      expect(result.partialFingerprints).toEqual({
        primaryLocationLineHash: computeLineHashes(FILES[f.file]!)[f.line - 1],
        'schemaGuard/v1': f.fingerprint,
      });
    }

    const [ledgerWrite, ledgerImmutable] = results as [Result, Result];
    expect(ledgerWrite.relatedLocations).toEqual([
      {
        id: 1,
        physicalLocation: { artifactLocation: { uri: 'ownership-map.yaml', uriBaseId: '%SRCROOT%' }, region: { startLine: 2, startColumn: 5, endLine: 2 } },
        message: { text: 'Family Ledger and finance' },
      },
      {
        id: 2,
        physicalLocation: { artifactLocation: { uri: 'migrations/0001_init.sql', uriBaseId: '%SRCROOT%' }, region: { startLine: 10, startColumn: 1, endLine: 10 } },
        message: { text: 'ledger_entries is created here' },
      },
    ]);
    expect(ledgerWrite.properties).toEqual({
      domain: 'gpuaas-provisioning',
      table: 'ledger_entries',
      family: 'ledger-and-finance',
      owner: 'platform-billing',
      operation: 'insert',
    });
    expect(ledgerImmutable.properties).toEqual({ table: 'ledger_entries', operation: 'delete', blocking: true });
    expect(results[2]!.relatedLocations).toBeUndefined();
  });

  it('reports a failed execution with its notifications', () => {
    const log = expectValid(
      renderSarif(
        input({
          executionSuccessful: false,
          notifications: [
            { level: 'error', message: 'Cannot read packages/platform/billing/src/big.ts: EACCES.', file: 'packages/platform/billing/src/big.ts' },
            { level: 'warning', message: 'TypeScript syntax error; the rest of the file was not analysed.', file: 'cmd/api/routes/x.ts', line: 7, column: 3 },
            { level: 'note', message: 'libpg-query could not be loaded; using pgsql-ast-parser.' },
          ],
        }),
      ),
    );
    const invocation = log.runs[0]!.invocations![0]!;
    expect(invocation.executionSuccessful).toBe(false);
    expect(invocation.toolExecutionNotifications).toEqual([
      {
        level: 'error',
        message: { text: 'Cannot read packages/platform/billing/src/big.ts: EACCES.' },
        locations: [{ physicalLocation: { artifactLocation: { uri: 'packages/platform/billing/src/big.ts', uriBaseId: '%SRCROOT%' } } }],
      },
      {
        level: 'warning',
        message: { text: 'TypeScript syntax error; the rest of the file was not analysed.' },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: 'cmd/api/routes/x.ts', uriBaseId: '%SRCROOT%' },
              region: { startLine: 7, startColumn: 3, endLine: 7 },
            },
          },
        ],
      },
      { level: 'note', message: { text: 'libpg-query could not be loaded; using pgsql-ast-parser.' } },
    ]);
    expect(log.runs[0]!.results).toEqual([]);
  });

  it('leaves out the line hash when the file cannot be read, and encodes unusual paths', () => {
    const file = 'packages/appplatform/src/routes/[id] 100%.ts';
    const log = expectValid(renderSarif(input({ findings: [finding({ ruleId: 'unmapped-table', level: 'note', file, line: 3, column: 9 })] })));
    const result = log.runs[0]!.results![0]!;
    expect(result.partialFingerprints).toEqual({ 'schemaGuard/v1': 'fp-unmapped-table' });
    expect(result.locations![0]!.physicalLocation!.artifactLocation!.uri).toBe('packages/appplatform/src/routes/%5Bid%5D%20100%25.ts');
  });

  it('describes restricted-table rules that the map adds', () => {
    const mapRule = fallbackRuleMeta('credit-ledger-append-only', 'error', 'Credits are append-only.');
    const unknown = finding({ ruleId: 'zz-undeclared', level: 'warning', file: 'ownership-map.yaml', line: 1, column: 1 });
    const log = expectValid(
      renderSarif(
        input({
          rules: [...getRuleCatalog(), mapRule],
          findings: [finding({ ruleId: 'credit-ledger-append-only', file: 'migrations/0051_dedupe_ledger.sql', line: 2, column: 1 }), unknown],
        }),
      ),
    );
    const run = log.runs[0]!;
    const ids = run.tool.driver.rules!.map((rule) => rule.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids).toContain('credit-ledger-append-only');
    expect(ids).toContain('zz-undeclared');
    for (const result of run.results!) expect(ids[result.ruleIndex!]).toBe(result.ruleId);
  });

  it(`caps results at ${MAX_SARIF_RESULTS}, keeping the most severe, and says so`, () => {
    const notes = Array.from({ length: MAX_SARIF_RESULTS }, (_, i) =>
      finding({ ruleId: 'unmapped-table', level: 'note', file: 'ownership-map.yaml', line: 1, column: 1, fingerprint: `n${i}` }),
    );
    const errors = [0, 1].map((i) =>
      finding({ ruleId: 'ledger-write', file: 'ownership-map.yaml', line: 1, column: 1, fingerprint: `e${i}` }),
    );
    const log = JSON.parse(renderSarif(input({ findings: [...notes, ...errors] }))) as Log;
    const run = log.runs[0]!;
    expect(run.results).toHaveLength(MAX_SARIF_RESULTS);
    expect(run.results!.filter((r) => r.ruleId === 'ledger-write')).toHaveLength(2);
    expect(run.results!.at(-1)!.partialFingerprints!['schemaGuard/v1']).toBe('e1'); // original order kept
    const [notice] = run.invocations![0]!.toolExecutionNotifications!;
    expect(notice!.level).toBe('warning');
    expect(notice!.message.text).toMatch(/^2 findings were left out .* at most 25000 results .*\(unmapped-table 2\)/);
  });
});
