/**
 * From facts to the reported findings, in two steps that the result cache can take apart:
 * `judgeFiles` gives each analysed file its verdict (the rules, the map's exceptions and the inline
 * suppressions, which all stay inside one file once the repository rules have seen every file's
 * evidence), and `assembleOutcome` joins verdicts into what a run reports (the exception audit, the
 * baseline, the order). A full run judges every file; a re-run after an edit judges the edited files
 * and takes the others' verdicts from the last run (result-cache.ts).
 */
import path from 'node:path';
import type { FileFacts, TableAccessFact } from './facts/types.js';
import { applyBaseline, type BaselineEntry } from './filter/baseline.js';
import { auditExceptions } from './filter/exception-audit.js';
import { applyExceptions } from './filter/exceptions.js';
import { applySuppressions } from './filter/suppressions.js';
import type { LoadedMap } from './map/map-file.js';
import type { OwnershipIndex } from './map/resolve.js';
import { getRuleCatalog, getRuleMeta } from './rules/catalog.js';
import { completeFindings, evaluateFile, evaluateRepo, repoEvidence } from './rules/engine.js';
import type { Finding } from './rules/finding.js';
import type { RuleContext } from './rules/rule.js';
import type { Notification, Summary } from './report/summary.js';

/** What a run reports about one analysed file. */
export interface FileVerdict {
  file: string;
  /** Its findings after the map's exceptions (suppressed ones marked), then its unused-suppression findings. */
  findings: Finding[];
  /** The ids of the exceptions that waived its findings, for the exception audit. */
  exceptionsUsed: string[];
  /** Notifications about the file (unreadable, syntax errors, not analysed). */
  notifications: Notification[];
  /** Its table accesses by framework, for the summary. */
  frameworks: FrameworkCount[];
  /** What the repository rules read of it when they judge other files (rules/engine.ts); undefined when it was not analysed. */
  evidence?: TableAccessFact[];
}

/** [framework, resolved, unresolved]: a file's share of the summary's framework counts. */
export type FrameworkCount = [framework: string, resolved: number, unresolved: number];

/** What judging needs besides the facts: the map and the run's options. */
export interface Judge {
  map: OwnershipIndex;
  loadedMap: LoadedMap;
  mapFile: string;
  root: string;
  /** Public entry files of the workspace package containing a path (ImportResolver.packageOf). */
  packageEntriesOf(file: string): string[] | undefined;
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
  judged: readonly FileFacts[],
  repository: readonly FileFacts[],
  judge: Judge,
  notifications: readonly Notification[],
): { verdicts: FileVerdict[]; waived: Waived[] } {
  const { map } = judge;
  const mapLocation = relatedLocations(judge.loadedMap, judge.mapFile, judge.root);
  const domainIn = (facts: FileFacts) => domainOf(facts, map);
  // Findings of the other files are left unused: those files keep their verdicts.
  const repoFindings = groupByFile(evaluateRepo({ files: repository, domainOf: domainIn, map }, DEFAULT_LEVELS));
  const notesByFile = groupByFile(notifications);
  const ran = ranRule(judge.rules);
  const knownRules = knownRuleIds(judge.loadedMap);
  const allWaived: Waived[] = [];
  const verdicts = judged.map((facts): FileVerdict => {
    const context: RuleContext = { facts, domain: domainIn(facts), map, packageEntriesOf: judge.packageEntriesOf, mapLocation };
    let findings = [...evaluateFile(context, DEFAULT_LEVELS), ...(repoFindings.get(facts.file) ?? [])];
    if (judge.rules?.length) findings = findings.filter((finding) => ran(finding.ruleId));
    for (const finding of findings) attachOwnerContacts(finding, map);
    const { kept, waived } = applyExceptions(findings, map, judge.today);
    allWaived.push(...waived);
    const suppressions = applySuppressions(kept, [facts], { knownRules, ran, domainOf: domainIn });
    return {
      file: facts.file,
      findings: [...suppressions.findings, ...completeFindings(suppressions.problems, DEFAULT_LEVELS).filter((f) => ran(f.ruleId))],
      exceptionsUsed: [...new Set(waived.map((w) => w.exception))],
      notifications: notesByFile.get(facts.file) ?? [],
      frameworks: frameworkCounts(facts),
      evidence: repoEvidence(facts, map),
    };
  });
  return { verdicts, waived: allWaived };
}

/** A finding an exception waived, with the exception's id. */
export type Waived = { finding: Finding; exception: string };

/**
 * The verdicts of `files` in order, from the judged ones; a file without one could not be analysed,
 * and its verdict holds only its notifications.
 */
export function inScanOrder(files: readonly string[], judged: readonly FileVerdict[], notifications: readonly Notification[]): FileVerdict[] {
  const byFile = new Map(judged.map((verdict) => [verdict.file, verdict]));
  const notesByFile = groupByFile(notifications);
  return files.map((file) => byFile.get(file) ?? { file, findings: [], exceptionsUsed: [], notifications: notesByFile.get(file) ?? [], frameworks: [] });
}

export interface Assembly {
  loadedMap: LoadedMap;
  /** The map's path relative to the root, undefined when it lies outside: its own findings sit there. */
  mapPath: string | undefined;
  /** Whether the map's own findings (the exception audit) belong in this run's report. */
  auditMap: boolean;
  /** True when every file and rule ran. */
  fullRun: boolean;
  rules?: string[];
  today: string;
  baseline?: BaselineEntry[];
  /** Whether a baseline entry in this file could have been seen by this run. */
  scanned(file: string): boolean;
}

export interface Assembled {
  findings: Finding[];
  notifications: Notification[];
  frameworks: Summary['frameworks'];
  absent?: BaselineEntry[];
}

/** The run's report from the verdicts of its files (in scan order) and its notes that name no file. */
export function assembleOutcome(verdicts: readonly FileVerdict[], runNotes: readonly Notification[], assembly: Assembly): Assembled {
  const ran = ranRule(assembly.rules);
  const used = new Set(verdicts.flatMap((verdict) => verdict.exceptionsUsed));
  const audit =
    assembly.mapPath === undefined || !assembly.auditMap
      ? []
      : auditExceptions(assembly.loadedMap, { mapFile: assembly.mapPath, today: assembly.today, used, fullRun: assembly.fullRun });
  let findings = [...verdicts.flatMap((verdict) => verdict.findings), ...completeFindings(audit, DEFAULT_LEVELS).filter((f) => ran(f.ruleId))];
  let absent: BaselineEntry[] | undefined;
  if (assembly.baseline) {
    ({ findings, absent } = applyBaseline(findings, assembly.baseline, (entry) => assembly.fullRun || (assembly.scanned(entry.file) && ran(entry.ruleId))));
  }
  findings.sort(compareFindings);
  return {
    findings,
    notifications: [...runNotes, ...verdicts.flatMap((verdict) => verdict.notifications)],
    frameworks: sumFrameworks(verdicts.map((verdict) => verdict.frameworks)),
    ...(absent ? { absent } : {}),
  };
}

export function compareFindings(a: Finding, b: Finding): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId);
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

/** Whether two files' evidence tells the repository rules the same, wherever in the file it stands. */
export function sameEvidence(a: TableAccessFact[] | undefined, b: TableAccessFact[] | undefined): boolean {
  const placeless = (evidence: TableAccessFact[] | undefined) =>
    evidence && JSON.stringify(evidence.map(({ table, operation, detail, columns }) => [table, operation, detail, columns]));
  return placeless(a) === placeless(b);
}

/** A rule's level as its page in rules/ gives it; restricted-table rules bring their own from the map. */
const DEFAULT_LEVELS = { levelOf: (id: string) => getRuleMeta(id)?.level ?? 'warning' } as const;

function ranRule(rules: string[] | undefined): (ruleId: string) => boolean {
  return (ruleId) => !rules?.length || rules.includes(ruleId);
}

/** Every rule id a run can report: the documented rules and the map's own restricted-table rules. */
function knownRuleIds(loadedMap: LoadedMap): Set<string> {
  return new Set([...getRuleCatalog().map((rule) => rule.id), ...loadedMap.map.restrictedTables.map((rule) => rule.rule)]);
}

/** Carries the owning domain's seed 002 metadata (primary, secondary, severity) on the finding. */
function attachOwnerContacts(finding: Finding, map: OwnershipIndex): void {
  const owners = finding.owner === undefined ? undefined : map.domain(finding.owner)?.owners;
  if (owners && Object.keys(owners).length > 0) finding.ownerContacts = { ...owners };
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

function groupByFile<T extends { file?: string }>(items: readonly T[]): Map<string, T[]> {
  const byFile = new Map<string, T[]>();
  for (const item of items) {
    if (item.file === undefined) continue;
    const inFile = byFile.get(item.file);
    if (inFile) inFile.push(item);
    else byFile.set(item.file, [item]);
  }
  return byFile;
}

/** A file's table accesses by framework, resolved or not. */
function frameworkCounts(facts: FileFacts): FrameworkCount[] {
  const counts = new Map<string, FrameworkCount>();
  for (const access of facts.accesses) {
    const framework = access.framework ?? 'sql';
    let entry = counts.get(framework);
    if (!entry) counts.set(framework, (entry = [framework, 0, 0]));
    if (access.synthetic) entry[2]++;
    else entry[1]++;
  }
  return [...counts.values()];
}

function sumFrameworks(counts: ReadonlyArray<FrameworkCount[]>): Summary['frameworks'] {
  const sum: Record<string, { resolved: number; unresolved: number }> = {};
  for (const perFile of counts) {
    for (const [framework, resolved, unresolved] of perFile) {
      const entry = (sum[framework] ??= { resolved: 0, unresolved: 0 });
      entry.resolved += resolved;
      entry.unresolved += unresolved;
    }
  }
  return Object.fromEntries(Object.entries(sum).sort(([a], [b]) => a.localeCompare(b)));
}
