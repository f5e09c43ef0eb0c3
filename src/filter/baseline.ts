/**
 * The baseline: existing findings recorded in a committed file, counted per identity (rule, file,
 * domain, table, operation, enclosing function, import specifier), so that moving code changes nothing.
 * Per identity the first `count` occurrences are `unchanged` and any further one is `new`; recorded
 * occurrences that no longer happen are `absent`, so the file shrinks as drift is fixed.
 */
import type { BaselineEntry } from './baseline-file.js';
import type { Operation } from '../facts/types.js';
import { identityKey } from '../rules/complete.js';
import type { Finding } from '../rules/finding.js';
import { compareText } from '../order.js';

export const DEFAULT_BASELINE_FILE = '.schema-guard-baseline.json';

export type { BaselineEntry } from './baseline-file.js';

export interface BaselineOutcome {
  /** The same findings, each with its `baselineState`; suppressed ones are left as they are. */
  findings: Finding[];
  /** Recorded occurrences this run did not see, `count` saying how many. */
  absent: BaselineEntry[];
}

/** One entry per identity with its number of occurrences, sorted by file then identity; suppressed findings are not recorded. */
export function baselineEntries(findings: Finding[]): BaselineEntry[] {
  const entries = new Map<string, BaselineEntry>();
  for (const finding of findings) {
    if (finding.suppressed) continue;
    const key = identityKey(finding);
    const entry = entries.get(key);
    if (entry) entry.count++;
    else entries.set(key, toEntry(finding));
  }
  return [...entries.values()].sort(compareEntries);
}

/** Marks each finding `unchanged` or `new`; `covers` says which entries this run could have seen (all, in a full run). */
export function applyBaseline(findings: Finding[], entries: BaselineEntry[], covers: (entry: BaselineEntry) => boolean): BaselineOutcome {
  const remaining = new Map<string, { entry: BaselineEntry; count: number }>();
  for (const entry of entries) {
    const key = entryKey(entry);
    const recorded = remaining.get(key);
    if (recorded) recorded.count += entry.count;
    else remaining.set(key, { entry, count: entry.count });
  }
  const marked = findings.map((finding): Finding => {
    if (finding.suppressed) return finding;
    const recorded = remaining.get(identityKey(finding));
    if (!recorded || recorded.count === 0) return { ...finding, baselineState: 'new' };
    recorded.count--;
    return { ...finding, baselineState: 'unchanged' };
  });
  const absent = [...remaining.values()]
    .filter(({ entry, count }) => count > 0 && covers(entry))
    .map(({ entry, count }) => ({ ...entry, count }))
    .sort(compareEntries);
  return { findings: marked, absent };
}

/** "cross-domain-query on organizations in packages/x/a.ts (loadOrgs)", for reports of absent entries. */
export function describeEntry(entry: BaselineEntry): string {
  const subject = entry.table ? ` on ${entry.table}` : entry.specifier ? ` of ${entry.specifier}` : '';
  const where = entry.enclosingFunction ? ` (${entry.enclosingFunction})` : '';
  return `${entry.ruleId}${subject} in ${entry.file}${where}${entry.count > 1 ? ` ×${entry.count}` : ''}`;
}

function toEntry(finding: Finding): BaselineEntry {
  // Undefined fields are left out of the file by JSON.stringify.
  return {
    ruleId: finding.ruleId,
    file: finding.file,
    domain: finding.domain ?? undefined,
    table: finding.table,
    operation: finding.operation,
    enclosingFunction: finding.enclosingFunction,
    specifier: finding.specifier,
    count: 1,
  };
}

function entryKey(entry: BaselineEntry): string {
  // identityKey only joins the fields; an entry's operation is one it recorded from a finding.
  return identityKey({ ...entry, domain: entry.domain ?? null, operation: entry.operation as Operation | undefined });
}

function compareEntries(a: BaselineEntry, b: BaselineEntry): number {
  return compareText(a.file, b.file) || compareText(entryKey(a), entryKey(b));
}
