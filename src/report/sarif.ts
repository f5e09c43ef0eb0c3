/**
 * SARIF 2.1.0 for GitHub code scanning (see ../shared/sarif-checklist.md): one run, every rule with
 * its help from rules/, repository-relative URIs under %SRCROOT%, GitHub's line hash plus our own
 * fingerprint, and `results: []` even when nothing was found. GitHub ignores `suppressions` and
 * `baselineState` and would show such results as open alerts (codeql-action#1230), so suppressed and
 * baselined findings are left out unless `includeSuppressed` asks for them.
 */
import type { Location, Log, Notification, ReportingDescriptor, Result } from 'sarif';
import { describeEntry, type BaselineEntry } from '../filter/baseline.js';
import { fallbackRuleMeta, type RuleMeta } from '../rules/catalog.js';
import { isReported, LEVEL_RANK, type Finding, type Level } from '../rules/finding.js';
import type { Location as SourceLocation } from '../facts/types.js';
import type { Shard } from '../discover/shard.js';
import { relatedRules } from './fold.js';
import { computeLineHashes } from './line-hash.js';

/** GitHub rejects runs with more results than this. */
export const MAX_SARIF_RESULTS = 25_000;
const MAX_FULL_DESCRIPTION = 1024;
const SRCROOT = '%SRCROOT%';

export interface SarifNotification {
  message: string;
  /** Repository-relative POSIX path. */
  file?: string;
  line?: number;
  column?: number;
  level: Level;
}

export interface SarifInput {
  findings: Finding[];
  /** Put suppressed and baselined findings in too, with `suppressions` on every result, plus absent baseline entries. */
  includeSuppressed?: boolean;
  /** The baseline compared against, when one was used, and its entries that no longer occur. */
  baseline?: { file: string; absent: BaselineEntry[] };
  /** Every rule of the run, fired or not: the catalog plus the map's own restricted-table rules. */
  rules: RuleMeta[];
  toolVersion: string;
  /** Text of a repository-relative file, or undefined when it cannot be read (no line hash then). */
  readFile: (repoRelPath: string) => string | undefined;
  /** What could not be analysed: parse failures, unreadable files. */
  notifications: SarifNotification[];
  executionSuccessful: boolean;
  /** The ownership map used, as shown to users. */
  mapFile?: string;
  /** Query sites found and read: a run property, and a notification when some could not be read. */
  coverage?: { sites: number; read: number };
  /** Absolute URL of the tool's documentation, for tool.driver.informationUri. */
  informationUri?: string;
  /** The part of the files this run scanned (`--shard i/n`), as `run.properties.shard`, for `merge`. */
  shard?: Shard;
}

/** Renders minified SARIF. */
export function renderSarif(input: SarifInput): string {
  const rules = sortedRules(input);
  const ruleIndex = new Map(rules.map((rule, i) => [rule.id, i]));
  const { kept, dropped } = capFindings(input.includeSuppressed ? input.findings : input.findings.filter(isReported));

  const hashesByFile = new Map<string, string[] | undefined>();
  const lineHash = (file: string, line: number): string | undefined => {
    if (!hashesByFile.has(file)) {
      const text = input.readFile(file);
      hashesByFile.set(file, text === undefined ? undefined : computeLineHashes(text));
    }
    return hashesByFile.get(file)?.[line - 1];
  };

  const related = relatedRules(kept);
  const results = kept.map((finding) => ({
    ...toResult(finding, ruleIndex.get(finding.ruleId)!, lineHash, related.get(finding)!),
    ...(finding.baselineState ? { baselineState: finding.baselineState } : {}),
    ...(input.includeSuppressed ? { suppressions: suppressionsOf(finding, input.baseline?.file) } : {}),
  }));
  if (input.includeSuppressed) {
    for (const entry of input.baseline?.absent ?? []) results.push(absentResult(entry, ruleIndex.get(entry.ruleId)));
  }
  const notifications = input.notifications.map(toNotification);
  if (dropped.length > 0) notifications.push(capNotification(dropped));
  const coverage = input.coverage;
  if (coverage && coverage.read < coverage.sites) notifications.push(coverageNotification(coverage));
  const properties = { ...(input.mapFile ? { mapFile: input.mapFile } : {}), ...(coverage ? { querySites: coverage } : {}) };

  const log: Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'schema-guard',
            version: input.toolVersion,
            semanticVersion: input.toolVersion,
            ...(input.informationUri ? { informationUri: input.informationUri } : {}),
            rules: rules.map(toDescriptor),
          },
        },
        automationDetails: { id: 'schema-guard/' },
        ...(input.shard ? { properties: { shard: { index: input.shard.index, count: input.shard.count } } } : {}),
        originalUriBaseIds: {
          [SRCROOT]: { description: { text: 'The root of the scanned repository (--root); every uri is relative to it.' } },
        },
        columnKind: 'utf16CodeUnits',
        invocations: [
          {
            executionSuccessful: input.executionSuccessful,
            toolExecutionNotifications: notifications,
            ...(Object.keys(properties).length > 0 ? { properties } : {}),
          },
        ],
        results,
      },
    ],
  };
  return JSON.stringify(log);
}

/** Every input rule once, plus fallback metadata for any rule a finding names that the input lacks. */
function sortedRules(input: SarifInput): RuleMeta[] {
  const byId = new Map(input.rules.map((rule) => [rule.id, rule]));
  for (const finding of input.findings) {
    if (!byId.has(finding.ruleId)) {
      byId.set(finding.ruleId, fallbackRuleMeta(finding.ruleId, finding.level, `Findings of the ${finding.ruleId} rule.`));
    }
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Keeps at most MAX_SARIF_RESULTS findings, the most severe first, in their original order. */
function capFindings(findings: Finding[]): { kept: Finding[]; dropped: Finding[] } {
  if (findings.length <= MAX_SARIF_RESULTS) return { kept: findings, dropped: [] };
  const bySeverity = findings
    .map((finding, i) => ({ finding, i }))
    .sort((a, b) => LEVEL_RANK[b.finding.level] - LEVEL_RANK[a.finding.level] || a.i - b.i);
  const keep = new Set(bySeverity.slice(0, MAX_SARIF_RESULTS).map((entry) => entry.i));
  return {
    kept: findings.filter((_, i) => keep.has(i)),
    dropped: findings.filter((_, i) => !keep.has(i)),
  };
}

function capNotification(dropped: Finding[]): Notification {
  const perRule = new Map<string, number>();
  for (const finding of dropped) perRule.set(finding.ruleId, (perRule.get(finding.ruleId) ?? 0) + 1);
  const counts = [...perRule].sort(([a], [b]) => (a < b ? -1 : 1)).map(([rule, n]) => `${rule} ${n}`);
  return {
    level: 'warning',
    message: {
      text:
        `${dropped.length} findings were left out of this SARIF file: GitHub accepts at most ` +
        `${MAX_SARIF_RESULTS} results per run, so the least severe were dropped (${counts.join(', ')}). ` +
        'Use --format json to see them all.',
    },
  };
}

function toDescriptor(rule: RuleMeta): ReportingDescriptor {
  return {
    id: rule.id,
    shortDescription: { text: rule.summary },
    fullDescription: { text: fullDescription(rule) },
    help: { text: rule.markdown, markdown: rule.markdown },
    defaultConfiguration: { level: rule.level },
    properties: {
      tags: rule.tags.slice(0, 20),
      precision: rule.precision,
      ...(rule.securitySeverity ? { 'security-severity': rule.securitySeverity } : {}),
      ...(rule.blocking ? { blocking: true } : {}),
    },
  };
}

/** The first paragraph after the `# id` heading: what the rule reports. */
function fullDescription(rule: RuleMeta): string {
  const paragraph =
    rule.markdown
      .split(/\r?\n\s*\r?\n/)
      .map((block) => block.trim())
      .find((block) => block !== '' && !block.startsWith('#')) ?? rule.summary;
  const text = paragraph.replace(/\s*\r?\n\s*/g, ' ');
  return text.length <= MAX_FULL_DESCRIPTION ? text : `${text.slice(0, MAX_FULL_DESCRIPTION - 1)}…`;
}

function toResult(
  finding: Finding,
  ruleIndex: number,
  lineHash: (file: string, line: number) => string | undefined,
  relatedRules: string[],
): Result {
  const primaryLocationLineHash = lineHash(finding.file, finding.line);
  const properties = Object.fromEntries(
    Object.entries({
      domain: finding.domain,
      table: finding.table,
      family: finding.family,
      owner: finding.owner,
      ownerContacts: finding.ownerContacts,
      operation: finding.operation,
      framework: finding.framework,
      resolvedBy: finding.resolvedBy,
      blocking: finding.blocking,
      // The other rules with a result at this site: one thing to fix, reported by each rule.
      relatedRules: relatedRules.length > 0 ? relatedRules : undefined,
      origin: finding.origin,
    }).filter(([, value]) => value !== undefined && value !== null && value !== false),
  );
  return {
    ruleId: finding.ruleId,
    ruleIndex,
    level: finding.level,
    message: { text: finding.message },
    locations: [physicalLocation(finding.file, finding)],
    partialFingerprints: {
      ...(primaryLocationLineHash ? { primaryLocationLineHash } : {}),
      'schemaGuard/v1': finding.fingerprint,
    },
    // ids keep related locations distinct (the schema wants them unique) and addressable from messages.
    ...(finding.related?.length
      ? {
          relatedLocations: finding.related.map((related, i) => ({
            id: i + 1,
            ...physicalLocation(related.file, related),
            message: { text: related.message },
          })),
        }
      : {}),
    ...(Object.keys(properties).length > 0 ? { properties } : {}),
  };
}

/** `inSource` for a suppression comment, `external` for a finding recorded in the baseline file; `[]` for neither. */
function suppressionsOf(finding: Finding, baselineFile: string | undefined): NonNullable<Result['suppressions']> {
  if (finding.suppressed) return [{ kind: 'inSource', justification: finding.suppressed.reason }];
  if (finding.baselineState === 'unchanged') return [{ kind: 'external', justification: `Recorded in the baseline ${baselineFile ?? ''}`.trim() }];
  return [];
}

/** A baseline entry this run no longer finds: a passing result with `baselineState: absent`, located at its file. */
function absentResult(entry: BaselineEntry, ruleIndex: number | undefined): Result {
  return {
    ruleId: entry.ruleId,
    ...(ruleIndex !== undefined ? { ruleIndex } : {}),
    kind: 'pass',
    level: 'none',
    message: { text: `No longer found, though recorded in the baseline: ${describeEntry(entry)}.` },
    locations: [{ physicalLocation: { artifactLocation: { uri: fileUri(entry.file), uriBaseId: SRCROOT } } }],
    baselineState: 'absent',
    suppressions: [],
  };
}

function toNotification(notification: SarifNotification): Notification {
  return {
    level: notification.level,
    message: { text: notification.message },
    ...(notification.file
      ? {
          locations: [
            notification.line === undefined
              ? { physicalLocation: { artifactLocation: { uri: fileUri(notification.file), uriBaseId: SRCROOT } } }
              : physicalLocation(notification.file, { line: notification.line, column: notification.column ?? 1 }),
          ],
        }
      : {}),
  };
}

/** Region columns are copied from the finding: 1-based UTF-16 code units, as SARIF and GitHub count them. */
function physicalLocation(file: string, at: SourceLocation): Location {
  return {
    physicalLocation: {
      artifactLocation: { uri: fileUri(file), uriBaseId: SRCROOT },
      region: {
        startLine: at.line,
        startColumn: at.column,
        endLine: at.endLine ?? at.line,
        ...(at.endColumn !== undefined ? { endColumn: at.endColumn } : {}),
      },
    },
  };
}

/** A repository-relative POSIX path as a relative URI reference: each segment percent-encoded. */
function fileUri(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/');
}

/** The notification that query sites could not be read; `merge` finds it by its descriptor to sum the shards'. */
export const COVERAGE_NOTIFICATION_ID = 'query-site-coverage';

export function coverageNotification(coverage: { sites: number; read: number }): Notification {
  return {
    ...toNotification({
      level: 'warning',
      message: `${coverage.sites - coverage.read} of ${coverage.sites} query sites could not be read, so their table accesses were not checked (schema-guard map coverage --sites lists them).`,
    }),
    descriptor: { id: COVERAGE_NOTIFICATION_ID },
  };
}
