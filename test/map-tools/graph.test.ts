import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AccessGraph, GraphEdge } from '../../src/report/graph.js';
import { REPO_ROOT, ROOT_MAP, writeRepo, runCli } from '../helpers.js';

const FIXTURE = path.join(REPO_ROOT, 'fixtures/platform-monorepo');

const run = runCli;
const graph = (format: string) => run(['graph', '--root', FIXTURE, '--map', ROOT_MAP, '--format', format]);

/** `from -> to: reads/writes/ddl violations [rules]`, for compact assertions. */
const brief = (e: GraphEdge) => `${e.from} -> ${e.to}: ${e.reads}/${e.writes}/${e.ddl} ${e.violations}${e.rules.length ? ` [${e.rules.join(', ')}]` : ''}`;

describe('schema-guard graph', () => {
  it('counts reads, writes and DDL per domain and family, and marks the edges findings came from', async () => {
    const result = await graph('json');
    expect(result.exitCode).toBe(0);
    const { nodes, edges } = JSON.parse(result.stdout) as AccessGraph;
    const lines = edges.map(brief);
    expect(lines).toEqual(
      expect.arrayContaining([
        // A violation: product code writes a finance table.
        'domain:appplatform -> family:ledger-and-finance: 0/1/0 1 [ledger-write]',
        // Allowed: a read grant.
        'domain:gpuaas-terminal -> family:user-access-material: 1/0/0 0',
        // Allowed: billing reads an IAM table only from its cmd/api route, which the cmd-api exception waives.
        'domain:platform-billing -> family:organization-project-membership: 1/0/0 0',
        // Files in no domain are one node; their ledger writes are still violations.
        'domain:(no domain) -> family:ledger-and-finance: 0/2/0 3 [ledger-immutable, ledger-write]',
        // A table no family lists but an owner-visible prefix assigns.
        'domain:gpuaas-provisioning -> family:platform-billing/other: 0/0/1 0',
        'domain:platform-policy -> family:(unmapped): 1/0/0 0',
      ]),
    );
    // Every cross-domain-query and restricted-table finding of the fixture sits on some edge.
    expect(edges.reduce((sum, e) => sum + e.violations, 0)).toBe(14);
    expect(nodes).toContainEqual({ id: 'family:ledger-and-finance', kind: 'family', label: 'Ledger and finance', owner: 'platform-billing' });
    expect(nodes).toContainEqual({ id: 'domain:(no domain)', kind: 'domain', label: '(no domain)', owner: null });
  });

  it('mermaid: one subgraph per owning domain, violation edges red and dashed', async () => {
    const { exitCode, stdout } = await graph('mermaid');
    expect(exitCode).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('flowchart LR');
    expect(stdout).toContain(
      '  subgraph owner_platform_billing ["platform-billing"]\n' +
        '    domain_platform_billing(["platform-billing"])\n' +
        '    family_ledger_and_finance[("Ledger and finance")]\n',
    );
    const edgeLines = lines.filter((line) => line.includes('-->'));
    const red = lines.at(-1)!.match(/^ {2}linkStyle ([\d,]+) stroke:#d73a49,stroke-width:2px,stroke-dasharray:5 5$/);
    expect(red).not.toBeNull();
    const marked = red![1]!.split(',').map(Number).map((i) => edgeLines[i]);
    expect(marked).toContain('  domain_appplatform -->|"writes 1 (1 violation: ledger-write)"| family_ledger_and_finance');
    expect(marked.every((line) => line!.includes('violation'))).toBe(true);
    expect(edgeLines.filter((line) => line.includes('violation'))).toHaveLength(marked.length);
  });

  it('dot: clusters per owning domain, violation edges red and dashed', async () => {
    const { stdout } = await graph('dot');
    expect(stdout.startsWith('digraph schema_guard {\n  rankdir=LR;\n')).toBe(true);
    expect(stdout).toContain('  subgraph "cluster_platform-billing" {\n    label="platform-billing";\n');
    expect(stdout).toContain(
      '  "domain:appplatform" -> "family:ledger-and-finance" [label="writes 1 (1 violation: ledger-write)", color=red, fontcolor=red, style=dashed];\n',
    );
    expect(stdout).toContain('  "domain:gpuaas-terminal" -> "family:user-access-material" [label="reads 1"];\n');
  });

  it('a repository that keeps to its map draws no violation', async () => {
    const root = writeRepo({
      'ownership-map.yaml': `version: 1
domains:
  shop: { name: Shop, kind: product, folders: [shop/**] }
families:
  - { id: orders, name: Orders, tables: [orders], currentOwner: Shop, targetOwner: shop, guardRule: Shop only }
`,
      'shop/orders.ts': "pool.query('SELECT * FROM orders');\npool.query('UPDATE orders SET paid = true');\n",
    });
    const mermaid = await run(['graph', '--root', root]);
    expect(mermaid.stdout).toBe(
      [
        'flowchart LR',
        '  subgraph owner_shop ["shop"]',
        '    domain_shop(["shop"])',
        '    family_orders[("Orders")]',
        '  end',
        '  domain_shop -->|"reads 1, writes 1"| family_orders',
        '',
      ].join('\n'),
    );
  });

  it('rejects an unknown format with exit 2', async () => {
    const result = await graph('svg');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("argument 'svg' is invalid");
  });
});

describe('schema-guard graph on a map with a dependency chain (seed 001)', () => {
  const MODULES = path.join(REPO_ROOT, 'fixtures/module-schemas');
  const chainGraph = (format: string) => run(['graph', '--root', MODULES, '--map', path.join(MODULES, 'ownership-map.yaml'), '--format', format]);

  it('draws the chain and marks each dependency that runs against it', async () => {
    const { chain } = JSON.parse((await chainGraph('json')).stdout) as AccessGraph;
    expect(chain?.order).toEqual(['identity', 'organization', 'entitlements', 'billing', 'cooperative']);
    expect(chain?.crossCutting).toEqual(['audit', 'integration']);
    expect(chain?.upward.map((e) => `${e.from} -> ${e.to}`)).toEqual([
      'billing -> audit',
      'entitlements -> billing',
      'identity -> billing',
      'identity -> organization',
      'organization -> entitlements',
    ]);
  });

  it('renders chain edges as dependencies and upward edges in red, in mermaid and dot', async () => {
    const mermaid = (await chainGraph('mermaid')).stdout;
    expect(mermaid).toContain('chain_organization -.->|depends on| chain_identity');
    expect(mermaid).toContain('chain_identity -->|"upward: 1"| chain_organization');
    const dot = (await chainGraph('dot')).stdout;
    expect(dot).toContain('"chain:identity" -> "chain:organization" [label="upward: 1", color=red');
  });

  it('adds no chain where the map declares none', async () => {
    expect((JSON.parse((await graph('json')).stdout) as AccessGraph).chain).toBeUndefined();
  });
});
