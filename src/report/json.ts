import type { BaselineEntry } from '../filter/baseline.js';
import type { Finding } from '../rules/finding.js';
import type { Notification, Summary } from './summary.js';

export interface JsonReportInput {
  findings: Finding[];
  summary: Summary;
  notifications: Notification[];
  toolVersion: string;
  /** Fatal errors that stopped the run (the run produced no findings then). */
  errors?: string[];
  /** The baseline compared against, when one was used, and its entries that no longer occur. */
  baseline?: { file: string; absent: BaselineEntry[] };
  /** Query sites whose table accesses could not be read, and why. */
  unreadSites?: Array<{ file: string; line: number; column: number; framework: string; reason: string }>;
  /** The paths discovery left out, and why (a folder ends with `/`). */
  skipped?: Array<{ path: string; reason: string }>;
}

/** The JSON contract: findings in stable order with the documented fields, a summary, and what was not analysed. */
export function renderJson(input: JsonReportInput): string {
  return JSON.stringify(
    {
      version: input.toolVersion,
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
        specifier: finding.specifier,
        enclosingFunction: finding.enclosingFunction,
        blocking: finding.blocking,
        fingerprint: finding.fingerprint,
        suppressed: finding.suppressed !== undefined,
        suppressionReason: finding.suppressed?.reason,
        baselineState: finding.baselineState,
      })),
      // The summary counts reported findings; suppressed and baselined ones are counted apart.
      summary: {
        ...input.summary,
        suppressed: input.findings.filter((finding) => finding.suppressed).length,
        baselined: input.findings.filter((finding) => finding.baselineState === 'unchanged').length,
      },
      ...(input.baseline ? { baseline: input.baseline } : {}),
      unreadSites: input.unreadSites ?? [],
      notifications: input.notifications,
      ...(input.skipped ? { skipped: input.skipped } : {}),
      errors: input.errors ?? [],
    },
    null,
    2,
  ) + '\n';
}
