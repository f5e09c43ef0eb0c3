/**
 * From facts to each file's verdict: `judgeFiles` runs the rules, the map's exceptions and the
 * inline suppressions, which all stay inside one file once the repository rules have seen every
 * file's evidence. outcome.ts joins verdicts into what a run reports. A full run judges every file;
 * a re-run after an edit judges the edited files and takes the others' verdicts from the last run
 * (cache/results.ts).
 */
import path from 'node:path';
import type { FileFacts } from './facts/types.js';
import { applyExceptions } from './filter/exceptions.js';
import { applySuppressions } from './filter/suppressions.js';
import type { LoadedMap } from './map/map-file.js';
import { type OwnershipIndex, resolveSchemaHoles } from './map/resolve.js';
import { DEFAULT_LEVELS, type FileVerdict, type FrameworkCount, groupByFile, ranRule, type UnreadSite, type Waived } from './outcome.js';
import { getRuleCatalog } from './rules/catalog.js';
import { completeFindings } from './rules/complete.js';
import { evaluateFile, evaluateRepo, repoEvidence } from './rules/engine.js';
import type { Finding } from './rules/finding.js';
import type { RuleContext } from './rules/rule.js';
import type { Notification } from './outcome.js';

/** What judging needs besides the facts: the map and the run's options. */
export interface Judge {
  map: OwnershipIndex;
  loadedMap: LoadedMap;
  mapFile: string;
  root: string;
  /** Public entry files of the workspace package containing a path (ImportResolver.packageOf). */
  packageEntriesOf(file: string): string[] | undefined;
  /** A domain's entry files (map/entries.ts). */
  domainEntriesOf(domain: string): readonly string[];
  /** Only these rule ids, when given (--rule). */
  rules?: string[];
  /** YYYY-MM-DD, for exception expiry. */
  today: string;
}

/**
 * The verdicts of the `judged` files. `repository` is what the repository rules see: every file of
 * the run in scan order, the judged ones with their full facts and the others at least with their
 * evidence; their findings are kept for the judged files only. `notifications` holds the
 * extraction's notes, of which each verdict takes its file's.
 */
export function judgeFiles(
  judgedFacts: readonly FileFacts[],
  repositoryFacts: readonly FileFacts[],
  judge: Judge,
  notifications: readonly Notification[],
): { verdicts: FileVerdict[]; waived: Waived[] } {
  const { map } = judge;
  const judged = judgedFacts.map((facts) => resolveSchemaHoles(facts, map));
  const repository = repositoryFacts.map((facts) => resolveSchemaHoles(facts, map));
  const mapLocation = relatedLocations(judge.loadedMap, judge.mapFile, judge.root);
  const domainIn = (facts: FileFacts) => domainOf(facts, map);
  // Findings of the other files are left unused: those files keep their verdicts.
  const repoFindings = groupByFile(evaluateRepo({ files: repository, domainOf: domainIn, map }, DEFAULT_LEVELS));
  const notesByFile = groupByFile(notifications);
  const ran = ranRule(judge.rules);
  const knownRules = knownRuleIds(judge.loadedMap);
  const allWaived: Waived[] = [];
  const verdicts = judged.map((facts): FileVerdict => {
    const context: RuleContext = { facts, domain: domainIn(facts), map, packageEntriesOf: judge.packageEntriesOf, domainEntriesOf: judge.domainEntriesOf, mapLocation };
    let findings = [...evaluateFile(context, DEFAULT_LEVELS), ...(repoFindings.get(facts.file) ?? [])];
    if (judge.rules?.length) findings = findings.filter((finding) => ran(finding.ruleId));
    for (const finding of findings) attachOwnerContacts(finding, map);
    const { kept, waived } = applyExceptions(findings, map, judge.today);
    for (const finding of waived) allWaived.push(finding);
    const suppressions = applySuppressions(kept, [facts], { knownRules, ran, domainOf: domainIn });
    return {
      file: facts.file,
      findings: [...suppressions.findings, ...completeFindings(suppressions.problems, DEFAULT_LEVELS).filter((f) => ran(f.ruleId))],
      exceptionsUsed: [...new Set(waived.map((w) => w.exception))],
      notifications: notesByFile.get(facts.file) ?? [],
      ...coverageOf(facts),
      ...unresolvedImportsOf(facts),
      // A file not analysed has no evidence, and does not count as scanned.
      evidence: facts.notAnalysed === undefined ? repoEvidence(facts, map) : undefined,
    };
  });
  return { verdicts, waived: allWaived };
}

/** The file's domain: its folder's, or in an owner-header folder (cmd/api) the domain its `// @owner` header names. */
export function domainOf(facts: Pick<FileFacts, 'file' | 'ownerHeader'>, map: OwnershipIndex): string | undefined {
  const byFolder = map.domainOfFile(facts.file);
  if (byFolder) return byFolder;
  if (facts.ownerHeader && map.requiresOwnerHeader(facts.file) && map.domain(facts.ownerHeader.domain)) {
    return facts.ownerHeader.domain;
  }
  return undefined;
}

/** Every rule id a run can report: the documented rules and the map's own restricted-table rules. */
function knownRuleIds(loadedMap: LoadedMap): Set<string> {
  return new Set([...getRuleCatalog().map((rule) => rule.id), ...loadedMap.map.restrictedTables.map((rule) => rule.rule)]);
}

/** Carries the owning domain's seed 002 metadata (primary, secondary, severity) on the finding. */
export function attachOwnerContacts(finding: Finding, map: OwnershipIndex): void {
  const owners = finding.owner === undefined ? undefined : map.domain(finding.owner)?.owners;
  if (owners && Object.keys(owners).length > 0) finding.ownerContacts = { ...owners };
}

export function relatedLocations(loadedMap: LoadedMap, mapFile: string, root: string): RuleContext['mapLocation'] {
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

/** A file's imports of the repository's own code that lead to no file. */
function unresolvedImportsOf(facts: FileFacts): Pick<FileVerdict, 'unresolvedImports'> {
  const unresolved = facts.imports.flatMap((fact) => (fact.unresolved === undefined ? [] : [{ line: fact.line, column: fact.column, specifier: fact.specifier, reason: fact.unresolved }]));
  return unresolved.length > 0 ? { unresolvedImports: unresolved } : {};
}

/**
 * A file's table accesses by framework, resolved or not, and its query sites, read or not: a site is
 * read when nothing kept it from being read and every table access it makes is known.
 */
function coverageOf(facts: FileFacts): Pick<FileVerdict, 'frameworks' | 'unreadSites'> {
  const counts = new Map<string, FrameworkCount>();
  const entryOf = (framework: string): FrameworkCount => {
    let entry = counts.get(framework);
    if (!entry) counts.set(framework, (entry = [framework, 0, 0, 0, 0]));
    return entry;
  };
  for (const access of facts.accesses) {
    const entry = entryOf(access.framework ?? 'sql');
    if (access.synthetic) entry[2]++;
    else entry[1]++;
  }
  const unreadSites: UnreadSite[] = [];
  for (const site of facts.sites ?? []) {
    const entry = entryOf(site.framework);
    entry[3]++;
    const { first, end } = site.statements;
    const reason = site.unread ?? (facts.accesses.some((access) => access.synthetic && access.statement >= first && access.statement < end) ? 'table-unknown' : undefined);
    if (reason === undefined) entry[4]++;
    else unreadSites.push({ line: site.line, column: site.column, framework: site.framework, reason });
  }
  return { frameworks: [...counts.values()], ...(unreadSites.length > 0 ? { unreadSites } : {}) };
}
