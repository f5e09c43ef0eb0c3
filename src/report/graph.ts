/**
 * `graph`: which domain's code reads and writes which table family, as the code does it, with the
 * edges that produced cross-domain-query or restricted-table findings marked as violations.
 * Files in no domain are drawn as one "(no domain)" node: their writes can be violations too.
 */
import type { CheckResult } from '../outcome.js';
import { domainOf } from '../verdicts.js';
import { WRITE_OPERATIONS, type Operation } from '../facts/types.js';
import { OwnershipIndex, resolveSchemaHoles } from '../map/resolve.js';
import { compareText } from '../order.js';

export const NO_DOMAIN = '(no domain)';
const DDL: ReadonlySet<Operation> = new Set(['create', 'alter', 'drop']);

export interface GraphNode {
  id: string;
  kind: 'domain' | 'family';
  label: string;
  /** The domain itself for a domain node, the owning domain for a family node; null where nobody owns it. */
  owner: string | null;
}

export interface GraphEdge {
  /** A domain node's id. */
  from: string;
  /** A family node's id. */
  to: string;
  reads: number;
  /** Data changes: insert, update, delete, truncate, merge, copy. */
  writes: number;
  /** Schema changes (create, alter, drop), mostly from migrations. */
  ddl: number;
  /** Findings of cross-domain-query and the restricted-table rules on this edge (waived ones excluded). */
  violations: number;
  rules: string[];
}

/** Seed 001's dependency chain as the map declares it, with the dependencies found to run against it. */
export interface DependencyChain {
  /** Domain modules, foundational first: each may depend on the ones before it. */
  order: string[];
  /** Modules that observe the chain and are depended on by none. */
  crossCutting: string[];
  /** Dependencies against the chain: upward, or into a cross-cutting module (dependency-direction findings). */
  upward: Array<{ from: string; to: string; findings: number }>;
}

export interface AccessGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  chain?: DependencyChain;
}

export function buildGraph(result: CheckResult): AccessGraph {
  const index = new OwnershipIndex(result.loadedMap.map);
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  const domainNode = (domain: string | undefined): string => {
    const id = `domain:${domain ?? NO_DOMAIN}`;
    if (!nodes.has(id)) nodes.set(id, { id, kind: 'domain', label: domain ?? NO_DOMAIN, owner: domain ?? null });
    return id;
  };
  const familyNode = (family: string | undefined, owner: string | undefined): string => {
    const node = familyNodeFor(index, family, owner);
    if (!nodes.has(node.id)) nodes.set(node.id, node);
    return node.id;
  };
  const edge = (from: string, to: string): GraphEdge => {
    const key = `${from}\u0000${to}`;
    let found = edges.get(key);
    if (!found) {
      found = { from, to, reads: 0, writes: 0, ddl: 0, violations: 0, rules: [] };
      edges.set(key, found);
    }
    return found;
  };

  for (const facts of result.facts.map((file) => resolveSchemaHoles(file, index))) {
    const from = domainOf(facts, index);
    for (const access of facts.accesses) {
      // A REFERENCES clause is neither a read nor a write; a name from an interpolation is unknown.
      if (access.synthetic || access.operation === 'reference') continue;
      const owner = index.ownerOfTable(access.table);
      const target = edge(domainNode(from), familyNode(owner?.family?.id, owner?.domain));
      if (DDL.has(access.operation)) target.ddl++;
      else if (WRITE_OPERATIONS.has(access.operation)) target.writes++;
      else target.reads++;
    }
  }

  const violationRules = new Set(['cross-domain-query', ...index.map.restrictedTables.map((rule) => rule.rule)]);
  for (const finding of result.findings) {
    if (!violationRules.has(finding.ruleId)) continue;
    const target = edge(domainNode(finding.domain ?? undefined), familyNode(finding.family, finding.owner));
    target.violations++;
    if (!target.rules.includes(finding.ruleId)) target.rules.push(finding.ruleId);
  }

  const graph: AccessGraph = {
    nodes: [...nodes.values()].sort((a, b) => compareText(a.id, b.id)),
    edges: [...edges.values()].map((e) => ({ ...e, rules: e.rules.sort() })).sort((a, b) => compareText(a.from, b.from) || compareText(a.to, b.to)),
  };
  const declared = index.map.dependencyChain;
  if (declared) graph.chain = { order: [...declared.order], crossCutting: [...declared.crossCutting], upward: upwardDependencies(result) };
  return graph;
}

function upwardDependencies(result: CheckResult): DependencyChain['upward'] {
  const counts = new Map<string, number>();
  for (const finding of result.findings) {
    if (finding.ruleId !== 'dependency-direction' || !finding.domain || !finding.owner) continue;
    const key = `${finding.domain}\u0000${finding.owner}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .map(([key, findings]) => {
      const [from, to] = key.split('\u0000') as [string, string];
      return { from, to, findings };
    })
    .sort((a, b) => compareText(a.from, b.from) || compareText(a.to, b.to));
}

/** Chain edges run from consumer to provider: each module depends on the one before it. */
function chainEdges(chain: DependencyChain): Array<{ from: string; to: string }> {
  return chain.order.slice(1).map((module, i) => ({ from: module, to: chain.order[i]! }));
}

/** A family, or for tables no family lists, the owner's "other tables" (by prefix or schema), or the unmapped ones. */
function familyNodeFor(index: OwnershipIndex, family: string | undefined, owner: string | undefined): GraphNode {
  if (family !== undefined) {
    const name = index.map.families.find((f) => f.id === family)?.name ?? family;
    return { id: `family:${family}`, kind: 'family', label: name, owner: owner ?? null };
  }
  if (owner !== undefined) return { id: `family:${owner}/other`, kind: 'family', label: `other ${owner} tables`, owner };
  return { id: 'family:(unmapped)', kind: 'family', label: 'tables in no family', owner: null };
}

function edgeLabel(edge: GraphEdge): string {
  const counts = [edge.reads ? `reads ${edge.reads}` : '', edge.writes ? `writes ${edge.writes}` : '', edge.ddl ? `ddl ${edge.ddl}` : '']
    .filter(Boolean)
    .join(', ');
  const violations = edge.violations ? ` (${edge.violations} violation${edge.violations === 1 ? '' : 's'}: ${edge.rules.join(', ')})` : '';
  return `${counts || 'no access'}${violations}`;
}

/** Nodes grouped by owning domain; nodes nobody owns stand outside every group. */
function groups(graph: AccessGraph): { owner: string | null; nodes: GraphNode[] }[] {
  const byOwner = new Map<string | null, GraphNode[]>();
  for (const node of graph.nodes) byOwner.set(node.owner, [...(byOwner.get(node.owner) ?? []), node]);
  return [...byOwner].map(([owner, nodes]) => ({ owner, nodes }));
}

export function renderMermaid(graph: AccessGraph): string {
  const id = (nodeId: string) => nodeId.replace(/[^A-Za-z0-9]/g, '_');
  const text = (label: string) => label.replaceAll('"', '#quot;');
  const shape = (node: GraphNode) =>
    node.kind === 'domain' ? `${id(node.id)}(["${text(node.label)}"])` : `${id(node.id)}[("${text(node.label)}")]`;
  const lines = ['flowchart LR'];
  for (const group of groups(graph)) {
    if (group.owner === null) {
      lines.push(...group.nodes.map((node) => `  ${shape(node)}`));
      continue;
    }
    lines.push(`  subgraph ${id(`owner:${group.owner}`)} ["${text(group.owner)}"]`);
    lines.push(...group.nodes.map((node) => `    ${shape(node)}`));
    lines.push('  end');
  }
  const violations: number[] = [];
  graph.edges.forEach((edge, i) => {
    lines.push(`  ${id(edge.from)} -->|"${text(edgeLabel(edge))}"| ${id(edge.to)}`);
    if (edge.violations) violations.push(i);
  });
  let linkCount = graph.edges.length;
  if (graph.chain) {
    const module = (name: string) => id(`chain:${name}`);
    lines.push(`  subgraph dependency_chain ["dependency chain (consumer → provider)"]`);
    for (const name of [...graph.chain.order, ...graph.chain.crossCutting]) {
      lines.push(`    ${module(name)}{{"${text(name)}${graph.chain.crossCutting.includes(name) ? ' (cross-cutting)' : ''}"}}`);
    }
    lines.push('  end');
    for (const edge of chainEdges(graph.chain)) lines.push(`  ${module(edge.from)} -.->|depends on| ${module(edge.to)}`);
    linkCount += graph.chain.order.length - 1;
    for (const edge of graph.chain.upward) {
      lines.push(`  ${module(edge.from)} -->|"upward: ${edge.findings}"| ${module(edge.to)}`);
      violations.push(linkCount++);
    }
  }
  if (violations.length) lines.push(`  linkStyle ${violations.join(',')} stroke:#d73a49,stroke-width:2px,stroke-dasharray:5 5`);
  return `${lines.join('\n')}\n`;
}

export function renderDot(graph: AccessGraph): string {
  const quote = (value: string) => `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  const node = (n: GraphNode) => `${quote(n.id)} [label=${quote(n.label)}, shape=${n.kind === 'domain' ? 'box' : 'cylinder'}];`;
  const lines = ['digraph schema_guard {', '  rankdir=LR;'];
  for (const group of groups(graph)) {
    if (group.owner === null) {
      lines.push(...group.nodes.map((n) => `  ${node(n)}`));
      continue;
    }
    lines.push(`  subgraph ${quote(`cluster_${group.owner}`)} {`, `    label=${quote(group.owner)};`);
    lines.push(...group.nodes.map((n) => `    ${node(n)}`));
    lines.push('  }');
  }
  for (const edge of graph.edges) {
    const style = edge.violations ? ', color=red, fontcolor=red, style=dashed' : '';
    lines.push(`  ${quote(edge.from)} -> ${quote(edge.to)} [label=${quote(edgeLabel(edge))}${style}];`);
  }
  if (graph.chain) {
    const module = (name: string) => quote(`chain:${name}`);
    lines.push(`  subgraph "cluster_dependency_chain" {`, `    label="dependency chain (consumer -> provider)";`);
    for (const name of [...graph.chain.order, ...graph.chain.crossCutting]) {
      lines.push(`    ${module(name)} [label=${quote(name + (graph.chain.crossCutting.includes(name) ? ' (cross-cutting)' : ''))}, shape=hexagon];`);
    }
    lines.push('  }');
    for (const edge of chainEdges(graph.chain)) lines.push(`  ${module(edge.from)} -> ${module(edge.to)} [label="depends on", style=dotted];`);
    for (const edge of graph.chain.upward) {
      lines.push(`  ${module(edge.from)} -> ${module(edge.to)} [label=${quote(`upward: ${edge.findings}`)}, color=red, fontcolor=red, style=dashed];`);
    }
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

export function renderGraphJson(graph: AccessGraph): string {
  return `${JSON.stringify(graph, null, 2)}\n`;
}
