/**
 * A run's outcome from the verdicts of its files: the second step of verdicts.ts, apart from it
 * because a re-run the result cache answers needs only this, and not the rules (verdicts.ts loads
 * every rule through the engine). `assembleOutcome` joins verdicts into what a run reports: the
 * exception audit, the baseline, the order. The outcome's types live here too, so that reporters
 * depend on what a run found and not on how check.ts finds it.
 */
import type { SkippedPath } from './discover/files.js';
import type { FileFacts, Framework, TableAccessFact, UnreadReason } from './facts/types.js';
import { applyBaseline, type BaselineEntry } from './filter/baseline.js';
import { auditExceptions } from './filter/exception-audit.js';
import type { LoadedMap } from './map/map-file.js';
import { getRuleMeta } from './rules/catalog.js';
import { completeFindings } from './rules/complete.js';
import type { Finding, Level } from './rules/finding.js';
import { compareFindings, compareText } from './order.js';

/** Something the run tells apart from findings: a file it could not analyse, a cache it could not write. */
export interface Notification {
  level: Level;
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

/**
 * By how queries are written (raw SQL or a query builder / ORM): table accesses resolved to a table or
 * not knowable statically, and query sites found and read (every table access of them known).
 */
export type FrameworkTotals = Partial<Record<Framework, { resolved: number; unresolved: number; sites: number; read: number }>>;

/** What a check finds, without the facts it found it in and the findings exceptions waived: what the reports need (see runCheckOrReuse). */
export interface CheckOutcome {
  findings: Finding[];
  filesScanned: number;
  notifications: Notification[];
  loadedMap: LoadedMap;
  /** True when every file and rule ran: no paths, --rule or --changed-since narrowed the run. */
  fullRun: boolean;
  /** With a baseline: its recorded findings this run could have seen and did not, with how many are missing. */
  absent?: BaselineEntry[];
  /** Table accesses and query sites by framework, for the summary. */
  frameworks: FrameworkTotals;
  /** Query sites whose table accesses could not be read. */
  unreadSites: Array<UnreadSite & { file: string }>;
  /** Imports of the repository's own code that lead to no file. */
  unresolvedImports: Array<UnresolvedImport & { file: string }>;
  /** What discovery left out of the scan, and why. */
  skipped: SkippedPath[];
}

/** A check's outcome with the facts it was found in, for the map tools (coverage, graph). */
export interface CheckResult extends CheckOutcome {
  facts: FileFacts[];
  /** The findings a map exception waived, with its id. */
  waived: Waived[];
}

/** What a run reports about one analysed file. */
export interface FileVerdict {
  file: string;
  /** Its findings after the map's exceptions (suppressed ones marked), then its unused-suppression findings. */
  findings: Finding[];
  /** The ids of the exceptions that waived its findings, for the exception audit. */
  exceptionsUsed: string[];
  /** Notifications about the file (unreadable, syntax errors, not analysed). */
  notifications: Notification[];
  /** Its table accesses and query sites by framework, for the summary. */
  frameworks: FrameworkCount[];
  /** Its query sites whose table accesses could not be read (absent when there are none). */
  unreadSites?: UnreadSite[];
  /** Its imports of the repository's own code that lead to no file (absent when there are none). */
  unresolvedImports?: UnresolvedImport[];
  /** What the repository rules read of it when they judge other files (rules/engine.ts); undefined when it was not analysed. */
  evidence?: TableAccessFact[];
}

/** A file's share of the summary's framework counts: table accesses resolved or not, query sites found and read. */
export type FrameworkCount = [framework: string, resolved: number, unresolved: number, sites: number, read: number];

/** A query site whose table accesses could not be read, and why. */
export interface UnreadSite {
  line: number;
  column: number;
  framework: Framework;
  reason: UnreadReason;
}

/** An import that names the repository's own code (a relative path, a tsconfig alias, a workspace package) and leads to no file, and why. */
export interface UnresolvedImport {
  line: number;
  column: number;
  specifier: string;
  reason: string;
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
  frameworks: FrameworkTotals;
  /** Every query site whose table accesses could not be read, in scan order. */
  unreadSites: Array<UnreadSite & { file: string }>;
  /** Every import of the repository's own code that leads to no file, in scan order. */
  unresolvedImports: Array<UnresolvedImport & { file: string }>;
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
    unreadSites: verdicts.flatMap((verdict) => (verdict.unreadSites ?? []).map((site) => ({ file: verdict.file, ...site }))),
    unresolvedImports: verdicts.flatMap((verdict) => (verdict.unresolvedImports ?? []).map((unresolved) => ({ file: verdict.file, ...unresolved }))),
    ...(absent ? { absent } : {}),
  };
}

/** Whether two files' evidence tells the repository rules the same, wherever in the file it stands. */
export function sameEvidence(a: TableAccessFact[] | undefined, b: TableAccessFact[] | undefined): boolean {
  const placeless = (evidence: TableAccessFact[] | undefined) =>
    evidence && JSON.stringify(evidence.map(({ table, operation, detail, columns }) => [table, operation, detail, columns]));
  return placeless(a) === placeless(b);
}

/** A rule's level as its page in rules/ gives it; restricted-table rules bring their own from the map. */
export const DEFAULT_LEVELS = { levelOf: (id: string) => getRuleMeta(id)?.level ?? 'warning' } as const;

/** Whether a rule ran, given --rule; a file that no rule could check is reported whatever --rule names (it fails closed). */
export function ranRule(rules: string[] | undefined): (ruleId: string) => boolean {
  return (ruleId) => !rules?.length || rules.includes(ruleId) || ruleId === 'file-not-analysed';
}

export function groupByFile<T extends { file?: string }>(items: readonly T[]): Map<string, T[]> {
  const byFile = new Map<string, T[]>();
  for (const item of items) {
    if (item.file === undefined) continue;
    const inFile = byFile.get(item.file);
    if (inFile) inFile.push(item);
    else byFile.set(item.file, [item]);
  }
  return byFile;
}


function sumFrameworks(counts: ReadonlyArray<FrameworkCount[]>): FrameworkTotals {
  const sum: Record<string, { resolved: number; unresolved: number; sites: number; read: number }> = {};
  for (const perFile of counts) {
    for (const [framework, resolved, unresolved, sites, read] of perFile) {
      const entry = (sum[framework] ??= { resolved: 0, unresolved: 0, sites: 0, read: 0 });
      entry.resolved += resolved;
      entry.unresolved += unresolved;
      entry.sites += sites ?? 0;
      entry.read += read ?? 0;
    }
  }
  return Object.fromEntries(Object.entries(sum).sort(([a], [b]) => compareText(a, b)));
}
