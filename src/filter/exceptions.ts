import type { Finding } from '../rules/finding.js';
import type { OwnershipIndex } from '../map/resolve.js';
import { parseTableName } from '../map/names.js';

export interface ExceptionOutcome {
  kept: Finding[];
  /** Findings an exception waived, with the exception's id. */
  waived: Array<{ finding: Finding; exception: string }>;
}

/**
 * Applies the map's transitional exceptions after the rules: an exception waives a finding when it
 * names the rule, covers the file's folder or domain, the table and the operation, and has not expired.
 */
export function applyExceptions(findings: Finding[], map: OwnershipIndex, today: string): ExceptionOutcome {
  const outcome: ExceptionOutcome = { kept: [], waived: [] };
  for (const finding of findings) {
    const [exception] = map.exceptionsFor({
      ruleId: finding.ruleId,
      file: finding.file,
      domain: finding.domain ?? undefined,
      table: finding.table === undefined ? undefined : parseTableName(finding.table),
      operation: finding.operation,
      today,
    });
    if (exception) outcome.waived.push({ finding, exception: exception.id });
    else outcome.kept.push(finding);
  }
  return outcome;
}
