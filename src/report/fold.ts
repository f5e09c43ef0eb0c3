/**
 * Two things every listing shares. Urgency: blocking findings first, then errors, warnings, notes, so
 * that whatever cuts a listing short (--max-findings, a reader's patience) cuts the least urgent.
 * Folding: several rules that fire at one site (one `DELETE FROM ledger_entries` is both
 * ledger-immutable and ledger-write) are one thing to fix, so the formats people read show them as
 * one finding that names the others; JSON and SARIF keep every rule's result and link them with
 * `relatedRules` (docs/output.md).
 */
import { LEVEL_RANK, type Finding, type Level } from '../rules/finding.js';
import { compareFindings, compareText } from '../order.js';

/** The findings at one site: the most urgent as the headline, and the ids of the other rules there (once each). */
export interface FoldedFinding {
  finding: Finding;
  also: string[];
}

/** Blocking above every level, then error, warning, note. */
export function urgency(finding: Finding): number {
  return finding.blocking ? 4 : LEVEL_RANK[finding.level];
}

/** Where a finding stands: its file and the exact span it marks. */
function siteOf(finding: Finding): string {
  return `${finding.file}\0${finding.line}\0${finding.column}\0${finding.endLine ?? ''}\0${finding.endColumn ?? ''}`;
}

function bySite(findings: readonly Finding[]): Map<string, Finding[]> {
  const sites = new Map<string, Finding[]>();
  for (const finding of findings) {
    const site = siteOf(finding);
    const here = sites.get(site);
    if (here) here.push(finding);
    else sites.set(site, [finding]);
  }
  return sites;
}

function moreUrgentFirst(a: Finding, b: Finding): number {
  return urgency(b) - urgency(a) || compareText(a.ruleId, b.ruleId);
}

/** Findings folded by site, the most urgent sites first and in report order among equals. */
export function foldByUrgency(findings: readonly Finding[]): FoldedFinding[] {
  return [...bySite(findings).values()]
    .map((here) => {
      const [finding, ...others] = [...here].sort(moreUrgentFirst);
      return { finding: finding!, also: [...new Set(others.map((other) => other.ruleId))].filter((id) => id !== finding!.ruleId) };
    })
    .sort((a, b) => urgency(b.finding) - urgency(a.finding) || compareFindings(a.finding, b.finding));
}

/** For each finding, the ids of the other rules that reported a finding at its site (sorted, possibly none). */
export function relatedRules(findings: readonly Finding[]): Map<Finding, string[]> {
  const rulesAt = new Map<string, string[]>();
  for (const [site, here] of bySite(findings)) rulesAt.set(site, [...new Set(here.map((finding) => finding.ruleId))].sort(compareText));
  const related = new Map<Finding, string[]>();
  for (const finding of findings) related.set(finding, rulesAt.get(siteOf(finding))!.filter((id) => id !== finding.ruleId));
  return related;
}

/** The findings a listing at `--level` shows: those at that level or above, and every blocking one. */
export function atLevel<T extends Finding>(findings: readonly T[], level: Level): T[] {
  return findings.filter((finding) => finding.blocking || LEVEL_RANK[finding.level] >= LEVEL_RANK[level]);
}
