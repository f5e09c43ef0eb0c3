import type { FrameworkTotals } from '../outcome.js';
import type { Finding, Level } from '../rules/finding.js';
import { compareText } from '../order.js';

export interface Summary {
  filesScanned: number;
  findings: number;
  byLevel: Record<Level, number>;
  byRule: Record<string, number>;
  byDomain: Record<string, number>;
  blocking: number;
  /**
   * By how queries are written (raw SQL or a query builder / ORM): table accesses resolved to a table or
   * not knowable statically, and query sites found and read (every table access of them known).
   */
  frameworks: FrameworkTotals;
  /** Query sites over all frameworks: how many were found, and how many of them were read. */
  coverage: { sites: number; read: number };
  /** Imports of the repository's own code (relative paths, tsconfig aliases, workspace packages) that lead to no file. */
  unresolvedImports: number;
  /** Paths discovery left out, by reason (`default ignore`, `gitignore`, `map ignore`, `declaration file`, `link`). */
  skipped: Record<string, number>;
  /** With `check --runtime`: how much of what the tests ran static analysis saw. */
  runtime?: RuntimeCoverage;
}

/** The runtime record measured against static analysis (`check --runtime`). */
export interface RuntimeCoverage {
  /** Record files read (one per test process). */
  recordFiles: number;
  /** Statements judged: distinct statement texts per caller. */
  statementsJudged: number;
  /** Distinct table accesses (file, function, table, operation) the tests ran in files the check scanned. */
  accesses: number;
  /** Of those, the ones static analysis saw: the same table in the caller's function or a function that called it. */
  seenStatically: number;
  /** Distinct accesses sent from files the check does not scan (ignored or outside the paths given). */
  unscannedFiles: number;
  /** Distinct statements that no repository file sent: not judged. */
  unattributedStatements: number;
}

/** Counts by level, rule and domain (files with no domain count under "(none)"), keys sorted, with the run's counts of table accesses by framework. */
export function summarise(
  findings: Finding[],
  filesScanned: number,
  frameworks: Summary['frameworks'] = {},
  skipped: ReadonlyArray<{ reason: string }> = [],
  unresolvedImports = 0,
): Summary {
  const byLevel: Record<Level, number> = { error: 0, warning: 0, note: 0 };
  const byRule: Record<string, number> = {};
  const byDomain: Record<string, number> = {};
  for (const finding of findings) {
    byLevel[finding.level]++;
    byRule[finding.ruleId] = (byRule[finding.ruleId] ?? 0) + 1;
    const domain = finding.domain ?? '(none)';
    byDomain[domain] = (byDomain[domain] ?? 0) + 1;
  }
  return {
    filesScanned,
    findings: findings.length,
    byLevel,
    byRule: sortKeys(byRule),
    byDomain: sortKeys(byDomain),
    blocking: findings.filter((finding) => finding.blocking).length,
    frameworks,
    coverage: {
      sites: Object.values(frameworks).reduce((sum, count) => sum + (count?.sites ?? 0), 0),
      read: Object.values(frameworks).reduce((sum, count) => sum + (count?.read ?? 0), 0),
    },
    unresolvedImports,
    skipped: sortKeys(countBy(skipped.map((entry) => entry.reason))),
  };
}

function countBy(keys: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}

function sortKeys(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compareText(a, b)));
}

/**
 * The line that says how many imports of the repository's own code lead to no file (code the
 * analysis could not follow); undefined when every one resolved.
 */
export function unresolvedImportsLine(summary: Pick<Summary, 'unresolvedImports'>): string | undefined {
  const count = summary.unresolvedImports ?? 0;
  if (count === 0) return undefined;
  return `${count} import${count === 1 ? '' : 's'} of the repository's own code lead${count === 1 ? 's' : ''} to no file (schema-guard map coverage --imports lists them)`;
}

/**
 * The one line that says how much of the code's SQL was read: `checked 412 of 460 query sites; 48 unread
 * (schema-guard map coverage --sites lists them)`. Undefined when the run found no query site.
 */
export function coverageLine(summary: Pick<Summary, 'coverage'>): string | undefined {
  const { sites, read } = summary.coverage;
  if (sites === 0) return undefined;
  const unread = sites - read;
  return `checked ${read} of ${sites} query sites` + (unread > 0 ? `; ${unread} unread (schema-guard map coverage --sites lists them)` : '');
}
