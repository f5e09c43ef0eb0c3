/**
 * The pipeline, in order: discover files → extract facts → evaluate rules → filter → (report, by the caller).
 */
import path from 'node:path';
import { discoverFiles } from './discover/files.js';
import type { ExtractContext } from './extract/file.js';
import { extractAll } from './extract/run.js';
import { ImportResolver } from './extract/resolve-imports.js';
import type { FileFacts } from './facts/types.js';
import { applyExceptions } from './filter/exceptions.js';
import { loadOwnershipMap, type LoadedMap } from './map/load.js';
import { OwnershipIndex } from './map/resolve.js';
import { evaluateFile } from './rules/engine.js';
import type { Finding } from './rules/finding.js';
import { getRuleMeta } from './rules/catalog.js';
import type { RuleContext } from './rules/rule.js';
import { createSqlAnalyzer, type SqlParserName } from './sql/index.js';
import type { Notification } from './report/summary.js';

export interface CheckOptions {
  root: string;
  mapFile: string;
  paths?: string[];
  sqlParser?: SqlParserName;
  /** Run only these rule ids. */
  rules?: string[];
  /** YYYY-MM-DD, for exception expiry. */
  today?: string;
}

export interface CheckResult {
  findings: Finding[];
  filesScanned: number;
  notifications: Notification[];
  loadedMap: LoadedMap;
  facts: FileFacts[];
  waived: Array<{ finding: Finding; exception: string }>;
}

export async function runCheck(options: CheckOptions): Promise<CheckResult> {
  const root = path.resolve(options.root);
  const loadedMap = loadOwnershipMap(options.mapFile);
  const map = new OwnershipIndex(loadedMap.map);
  const files = discoverFiles({ root, paths: options.paths, ignore: loadedMap.map.ignore });
  const context: ExtractContext = {
    analyzer: await createSqlAnalyzer(options.sqlParser ?? 'libpg-query'),
    resolver: new ImportResolver(root),
  };
  const notifications: Notification[] = [];
  const facts = extractAll(root, files, context, notifications);

  const relatedFor = relatedLocations(loadedMap, options.mapFile, root);
  let findings: Finding[] = [];
  for (const fileFacts of facts) {
    const ruleContext: RuleContext = {
      facts: fileFacts,
      domain: domainOf(fileFacts, map),
      map,
      packageEntriesOf: (target) => context.resolver.packageOf(target)?.entries,
      mapLocation: relatedFor,
    };
    findings.push(...evaluateFile(ruleContext, { levelOf: (id) => getRuleMeta(id)?.level ?? 'warning' }));
  }
  if (options.rules?.length) findings = findings.filter((finding) => options.rules!.includes(finding.ruleId));
  const { kept, waived } = applyExceptions(findings, map, options.today ?? new Date().toISOString().slice(0, 10));
  kept.sort(compareFindings);
  return { findings: kept, filesScanned: facts.length, notifications, loadedMap, facts, waived };
}

/** The file's domain: its folder's, or in an owner-header folder (cmd/api) the domain its `// @owner` header names. */
export function domainOf(facts: FileFacts, map: OwnershipIndex): string | undefined {
  const byFolder = map.domainOfFile(facts.file);
  if (byFolder) return byFolder;
  if (facts.ownerHeader && map.requiresOwnerHeader(facts.file) && map.domain(facts.ownerHeader.domain)) {
    return facts.ownerHeader.domain;
  }
  return undefined;
}

export function compareFindings(a: Finding, b: Finding): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId);
}

function relatedLocations(loadedMap: LoadedMap, mapFile: string, root: string): RuleContext['mapLocation'] {
  const relative = path.relative(root, path.resolve(mapFile)).split(path.sep).join('/');
  // A map outside the root cannot be linked with a repository-relative URI.
  if (relative.startsWith('..')) return () => undefined;
  return (kind, id) => {
    const position =
      kind === 'family' ? loadedMap.locateFamily(id) : kind === 'restricted' ? loadedMap.locateRestrictedRule(id) : loadedMap.locate(['domains', id]);
    const message = kind === 'family' ? `table family ${id} in the ownership map` : kind === 'restricted' ? `restricted-table rule ${id} in the ownership map` : `domain ${id}`;
    return { file: relative, line: position.line, column: position.column, message };
  };
}
