/**
 * `schema-guard merge`: puts the reports of `check --shard i/n` runs back together as one report,
 * as if one run had scanned every file. The shards scanned disjoint files (and only the first
 * reports the map's own findings), so findings, notifications and counts simply add up.
 *
 * SARIF: one run, the union of the rules (ruleIndex renumbered), every result in the order a single
 * run gives them, one invocation that succeeded only if all did.
 * JSON: the findings concatenated in the same order, every count of the summary summed.
 *
 * Each shard's report records its `i/n`: merge refuses a part given twice (its findings would count
 * twice), reports of different splits, and reports of whole runs; a missing part is a warning, on
 * standard error and in the merged report, since its files were not scanned.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Log, Notification, ReportingDescriptor, Result, Run } from 'sarif';
import type { Shard } from '../discover/shard.js';
import { UsageError } from '../errors.js';
import { COVERAGE_NOTIFICATION_ID, coverageNotification, MAX_SARIF_RESULTS } from './sarif.js';
import { compareFindings, compareText } from '../order.js';

export type ReportFormat = 'json' | 'sarif';

interface Input {
  name: string;
  report: Record<string, unknown>;
}

interface JsonReport {
  version: string;
  findings: Array<{ file: string; line: number; column: number; ruleId: string }>;
  summary: Record<string, unknown>;
  notifications: Array<{ file?: string }>;
  errors: string[];
  baseline?: { file: string; absent: unknown[] };
  shard?: Shard;
  unreadSites?: Array<{ file: string; line: number; column: number }>;
  unresolvedImports?: Array<{ file: string; line: number; column: number }>;
}

export interface Merged {
  report: string;
  /** What the merged report lacks: the shards that were not given. */
  warnings: string[];
}

/** Reads the reports and merges them; throws UsageError for unreadable, foreign, mismatched or duplicated reports. */
export function mergeReportFiles(files: string[], format?: ReportFormat): Merged {
  const seen = new Map<string, string>();
  for (const name of files) {
    const again = seen.get(path.resolve(name));
    if (again !== undefined) throw new UsageError(`${name} is given twice (also as ${again}): its findings would count twice.`);
    seen.set(path.resolve(name), name);
  }
  const inputs = files.map((name): Input => {
    let text: string;
    try {
      text = readFileSync(name, 'utf8');
    } catch (error) {
      throw new UsageError(`Cannot read ${name}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
    }
    try {
      const report: unknown = JSON.parse(text);
      if (typeof report === 'object' && report !== null && !Array.isArray(report)) return { name, report: report as Record<string, unknown> };
    } catch {
      // reported below
    }
    throw new UsageError(`${name} is not a JSON or SARIF report of schema-guard: it is not a JSON object.`);
  });
  const chosen = format ?? ('runs' in inputs[0]!.report ? 'sarif' : 'json');
  return chosen === 'sarif' ? mergeSarif(inputs) : mergeJson(inputs);
}

function mergeSarif(inputs: Input[]): Merged {
  const runs = inputs.map(({ name, report }) => sarifRun(name, report));
  const first = runs[0]!;
  sameVersion(inputs, runs.map((run) => String(run.tool.driver.version)));
  const missing = missingShards(inputs, runs.map((run) => shardOf(run.properties?.shard)));

  const rulesById = new Map<string, ReportingDescriptor>();
  for (const run of runs) for (const rule of run.tool.driver.rules ?? []) if (!rulesById.has(rule.id)) rulesById.set(rule.id, rule);
  const rules = [...rulesById.values()].sort((a, b) => compareText(a.id, b.id));
  const ruleIndex = new Map(rules.map((rule, i) => [rule.id, i]));

  let results = runs
    .flatMap((run) => run.results ?? [])
    .map((result) => (result.ruleId !== undefined && ruleIndex.has(result.ruleId) ? { ...result, ruleIndex: ruleIndex.get(result.ruleId)! } : result))
    .sort(compareResults);
  const notifications = runs
    .flatMap((run) => run.invocations?.[0]?.toolExecutionNotifications ?? [])
    .filter((notification) => notification.descriptor?.id !== COVERAGE_NOTIFICATION_ID)
    .sort((a, b) => compareFiles(notificationFile(a), notificationFile(b)));
  // Each shard counted its own query sites: the merged run has their sums, and one notification for them.
  const shardSites = runs.map((run) => run.invocations?.[0]?.properties?.querySites as { sites?: unknown; read?: unknown } | undefined);
  let querySites: { sites: number; read: number } | undefined = { sites: 0, read: 0 };
  for (const count of shardSites) {
    if (querySites && typeof count?.sites === 'number' && typeof count.read === 'number') querySites = { sites: querySites.sites + count.sites, read: querySites.read + count.read };
    else querySites = undefined;
  }
  if (querySites && querySites.read < querySites.sites) notifications.push(coverageNotification(querySites));
  for (const warning of missing) notifications.unshift({ level: 'warning', message: { text: warning } });
  if (results.length > MAX_SARIF_RESULTS) {
    const { kept, dropped } = mostSevere(results);
    results = kept;
    notifications.push({
      level: 'warning',
      message: {
        text: `${dropped} findings of the merged reports were left out: GitHub accepts at most ${MAX_SARIF_RESULTS} results per run, so the least severe were dropped. Merge the --format json reports to see them all.`,
      },
    });
  }

  const { shard: _shard, ...properties } = first.properties ?? {};
  const merged: Log = {
    ...(inputs[0]!.report as unknown as Log),
    runs: [
      {
        ...first,
        properties: Object.keys(properties).length > 0 ? properties : undefined,
        tool: { ...first.tool, driver: { ...first.tool.driver, rules } },
        invocations: [
          {
            ...first.invocations?.[0],
            executionSuccessful: runs.every((run) => run.invocations?.[0]?.executionSuccessful !== false),
            ...(querySites ? { properties: { ...first.invocations?.[0]?.properties, querySites } } : {}),
            toolExecutionNotifications: notifications,
          },
        ],
        results,
      },
    ],
  };
  return { report: JSON.stringify(merged), warnings: missing };
}

function mergeJson(inputs: Input[]): Merged {
  const reports = inputs.map(({ name, report }) => jsonReport(name, report));
  sameVersion(inputs, reports.map((report) => report.version));
  const missing = missingShards(inputs, reports.map((report) => shardOf(report.shard)));
  const baselines = reports.flatMap((report) => (report.baseline ? [report.baseline] : []));
  const { shard: _shard, ...first } = reports[0]!;
  const merged = {
    ...first,
    findings: reports.flatMap((report) => report.findings).sort(compareFindings),
    summary: reports.map((report) => report.summary).reduce(sumCounts),
    ...(baselines.length > 0 ? { baseline: { ...baselines[0]!, absent: baselines.flatMap((baseline) => baseline.absent) } } : {}),
    unreadSites: reports.flatMap((report) => report.unreadSites ?? []).sort((a, b) => compareText(a.file, b.file) || a.line - b.line || a.column - b.column),
    unresolvedImports: reports.flatMap((report) => report.unresolvedImports ?? []).sort((a, b) => compareText(a.file, b.file) || a.line - b.line || a.column - b.column),
    notifications: [
      ...missing.map((message) => ({ level: 'warning', message })),
      ...reports.flatMap((report) => report.notifications).sort((a, b) => compareFiles(a.file, b.file)),
    ],
    errors: [...new Set(reports.flatMap((report) => report.errors))],
  };
  return { report: JSON.stringify(merged, null, 2) + '\n', warnings: missing };
}

/** A recorded `{ index, count }`, or undefined for a report of a whole run (or one that is not well-formed). */
function shardOf(value: unknown): Shard | undefined {
  if (!isRecord(value)) return undefined;
  const { index, count } = value;
  return Number.isSafeInteger(index) && Number.isSafeInteger(count) && (index as number) >= 1 && (index as number) <= (count as number)
    ? { index: index as number, count: count as number }
    : undefined;
}

/**
 * Refuses what would count findings twice or mix splits: a report of a whole run among others, two
 * splits, a part given twice. Returns a warning for each part of the split that is not among them.
 */
function missingShards(inputs: Input[], shards: Array<Shard | undefined>): string[] {
  if (inputs.length === 1 && shards[0] === undefined) return [];
  const whole = shards.findIndex((shard) => shard === undefined);
  if (whole >= 0) {
    throw new UsageError(`${inputs[whole]!.name} is the report of a whole run, not of check --shard i/n: merge combines the shards of one split.`);
  }
  const count = shards[0]!.count;
  const other = shards.findIndex((shard) => shard!.count !== count);
  if (other >= 0) {
    throw new UsageError(`${inputs[0]!.name} is shard ${shards[0]!.index}/${count} but ${inputs[other]!.name} is shard ${shards[other]!.index}/${shards[other]!.count}: merge combines the shards of one split.`);
  }
  const byIndex = new Map<number, string>();
  shards.forEach((shard, i) => {
    const earlier = byIndex.get(shard!.index);
    if (earlier !== undefined) throw new UsageError(`${earlier} and ${inputs[i]!.name} are both shard ${shard!.index}/${count}: its findings would count twice.`);
    byIndex.set(shard!.index, inputs[i]!.name);
  });
  const absent = Array.from({ length: count }, (_, i) => i + 1).filter((index) => !byIndex.has(index));
  return absent.length === 0
    ? []
    : [`Shard${absent.length > 1 ? 's' : ''} ${absent.map((index) => `${index}/${count}`).join(', ')} not given: the files of ${absent.length > 1 ? 'those parts' : 'that part'} were not scanned, and this report does not cover them.`];
}

function sarifRun(name: string, report: Record<string, unknown>): Run {
  const runs = report.runs;
  const run = Array.isArray(runs) && runs.length === 1 ? (runs[0] as Run) : undefined;
  if (report.version !== '2.1.0' || !run || run.tool?.driver?.name !== 'schema-guard' || !Array.isArray(run.results)) {
    throw new UsageError(`${name} is not a SARIF report of schema-guard (SARIF 2.1.0 with one run of the schema-guard driver).`);
  }
  return run;
}

function jsonReport(name: string, report: Record<string, unknown>): JsonReport {
  const valid =
    typeof report.version === 'string' &&
    Array.isArray(report.findings) &&
    typeof report.summary === 'object' && report.summary !== null &&
    Array.isArray(report.notifications) &&
    Array.isArray(report.errors);
  if (!valid) throw new UsageError(`${name} is not a JSON report of schema-guard (version, findings, summary, notifications and errors).`);
  return report as unknown as JsonReport;
}

function sameVersion(inputs: Input[], versions: string[]): void {
  const distinct = [...new Set(versions)];
  if (distinct.length > 1) {
    throw new UsageError(`The reports come from different schema-guard versions (${inputs.map((input, i) => `${input.name}: ${versions[i]}`).join(', ')}); run every shard with the same one.`);
  }
}

/** Counts of two summaries added up, key by key; record keys stay sorted where they were. */
function sumCounts(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const wasSorted = [Object.keys(a), Object.keys(b)].every((list) => list.every((key, i) => i === 0 || compareText(list[i - 1]!, key) <= 0));
  if (wasSorted) keys.sort(compareText);
  const sum: Record<string, unknown> = {};
  for (const key of keys) {
    const [x, y] = [a[key], b[key]];
    if (typeof x === 'number' || typeof y === 'number') sum[key] = (typeof x === 'number' ? x : 0) + (typeof y === 'number' ? y : 0);
    else if (isRecord(x) && isRecord(y)) sum[key] = sumCounts(x, y);
    else sum[key] = x ?? y;
  }
  return sum;
}

/** Findings in the order of a single run; results that are not findings (absent baseline entries) after them. */
function compareResults(a: Result, b: Result): number {
  const passA = a.kind === 'pass' ? 1 : 0;
  const passB = b.kind === 'pass' ? 1 : 0;
  const regionA = a.locations?.[0]?.physicalLocation?.region;
  const regionB = b.locations?.[0]?.physicalLocation?.region;
  return (
    passA - passB ||
    compareText(resultFile(a), resultFile(b)) ||
    (regionA?.startLine ?? 0) - (regionB?.startLine ?? 0) ||
    (regionA?.startColumn ?? 0) - (regionB?.startColumn ?? 0) ||
    compareText(a.ruleId ?? '', b.ruleId ?? '')
  );
}

function resultFile(result: Result): string {
  return decodeUri(result.locations?.[0]?.physicalLocation?.artifactLocation?.uri ?? '');
}

function notificationFile(notification: Notification): string | undefined {
  const uri = notification.locations?.[0]?.physicalLocation?.artifactLocation?.uri;
  return uri === undefined ? undefined : decodeUri(uri);
}

/** Notifications about no file first, then by file in discovery order (code units); stable within a file. */
function compareFiles(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return compareText(a, b);
}

function decodeUri(uri: string): string {
  try {
    return decodeURIComponent(uri);
  } catch {
    return uri;
  }
}

const SEVERITY: Record<string, number> = { error: 3, warning: 2, note: 1 };

/** The MAX_SARIF_RESULTS most severe results, in their order. */
function mostSevere(results: Result[]): { kept: Result[]; dropped: number } {
  const rank = (result: Result) => SEVERITY[result.level ?? 'warning'] ?? 0;
  const keep = new Set(
    results
      .map((result, i) => ({ result, i }))
      .sort((a, b) => rank(b.result) - rank(a.result) || a.i - b.i)
      .slice(0, MAX_SARIF_RESULTS)
      .map((entry) => entry.i),
  );
  return { kept: results.filter((_, i) => keep.has(i)), dropped: results.length - keep.size };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
