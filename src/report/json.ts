import type { BaselineEntry } from '../filter/baseline.js';
import type { Shard } from '../discover/shard.js';
import type { Finding } from '../rules/finding.js';
import { relatedRules } from './fold.js';
import type { Notification } from '../outcome.js';
import type { Summary } from './summary.js';

export interface JsonReportInput {
  findings: Finding[];
  summary: Summary;
  notifications: Notification[];
  toolVersion: string;
  /** Fatal errors that stopped the run (the run produced no findings then). */
  errors?: string[];
  /** The baseline compared against, when one was used, and its entries that no longer occur. */
  baseline?: { file: string; absent: BaselineEntry[] };
  /** The part of the files this run scanned (`--shard i/n`), recorded so that `merge` can tell a duplicate or a missing part. */
  shard?: Shard;
  /** Query sites whose table accesses could not be read, and why. */
  unreadSites?: Array<{ file: string; line: number; column: number; framework: string; reason: string }>;
  /** Imports of the repository's own code that lead to no file, and why. */
  unresolvedImports?: Array<{ file: string; line: number; column: number; specifier: string; reason: string }>;
  /** The paths discovery left out, and why (a folder ends with `/`). */
  skipped?: Array<{ path: string; reason: string }>;
}

/**
 * The JSON contract: findings in stable order with the documented fields, a summary, and what was
 * not analysed. Every rule's finding is its own entry; `relatedRules` names the other rules that
 * reported one at the same site, which the text formats fold into one.
 */
export function renderJson(input: JsonReportInput): string {
  const related = relatedRules(input.findings);
  return JSON.stringify(
    {
      version: input.toolVersion,
      ...(input.shard ? { shard: { index: input.shard.index, count: input.shard.count } } : {}),
      findings: input.findings.map((finding) => ({
        ruleId: finding.ruleId,
        level: finding.level,
        message: finding.message,
        file: finding.file,
        line: finding.line,
        column: finding.column,
        endLine: finding.endLine,
        endColumn: finding.endColumn,
        domain: finding.domain,
        table: finding.table ?? null,
        family: finding.family,
        owner: finding.owner ?? null,
        ownerContacts: finding.ownerContacts,
        operation: finding.operation,
        framework: finding.framework,
        resolvedBy: finding.resolvedBy,
        specifier: finding.specifier,
        enclosingFunction: finding.enclosingFunction,
        blocking: finding.blocking,
        fingerprint: finding.fingerprint,
        suppressed: finding.suppressed !== undefined,
        suppressionReason: finding.suppressed?.reason,
        baselineState: finding.baselineState,
        relatedRules: related.get(finding)!,
        origin: finding.origin,
      })),
      // The summary counts reported findings; suppressed and baselined ones are counted apart.
      summary: {
        ...input.summary,
        suppressed: input.findings.filter((finding) => finding.suppressed).length,
        baselined: input.findings.filter((finding) => finding.baselineState === 'unchanged').length,
      },
      ...(input.baseline ? { baseline: input.baseline } : {}),
      unreadSites: input.unreadSites ?? [],
      unresolvedImports: input.unresolvedImports ?? [],
      notifications: input.notifications,
      ...(input.skipped ? { skipped: input.skipped } : {}),
      errors: input.errors ?? [],
    },
    null,
    2,
  ) + '\n';
}
