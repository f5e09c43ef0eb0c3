/**
 * Inline suppressions, applied once after the rules and the map's exceptions: a
 * `schema-guard-ignore-next-line <rule-id> -- <reason>` comment marks the findings of its rules that
 * start on the line it covers as suppressed. A comment that names no rule, gives no reason, names an
 * unknown rule or suppresses nothing is itself reported, as unused-suppression.
 */
import type { FileFacts, SuppressionFact } from '../facts/types.js';
import { SUPPRESSION_MARKER } from '../extract/suppression-comments.js';
import type { Finding } from '../rules/finding.js';
import type { RuleFinding } from '../rules/rule.js';

export const UNUSED_SUPPRESSION = 'unused-suppression';

export interface SuppressionOptions {
  /** Every rule id of the run (documented rules and the map's restricted-table rules), to catch typos. */
  knownRules: ReadonlySet<string>;
  /** Whether a rule ran: with --rule, a comment for a rule that did not run cannot be judged unused. */
  ran(ruleId: string): boolean;
  domainOf(facts: FileFacts): string | undefined;
}

export interface SuppressionOutcome {
  /** The same findings, those a comment covers marked `suppressed`. */
  findings: Finding[];
  /** unused-suppression findings, one per problem of a comment. */
  problems: Array<RuleFinding & { ruleId: string }>;
}

export function applySuppressions(findings: Finding[], facts: FileFacts[], options: SuppressionOptions): SuppressionOutcome {
  const atLine = new Map<string, Finding[]>();
  for (const finding of findings) {
    const key = `${finding.file}\0${finding.line}`;
    const onLine = atLine.get(key);
    if (onLine) onLine.push(finding);
    else atLine.set(key, [finding]);
  }
  const reasons = new Map<Finding, string>();
  const problems: SuppressionOutcome['problems'] = [];
  for (const fileFacts of facts) {
    const report = (comment: SuppressionFact, message: string) =>
      problems.push({
        ruleId: UNUSED_SUPPRESSION,
        message,
        file: fileFacts.file,
        domain: options.domainOf(fileFacts) ?? null,
        line: comment.line,
        column: comment.column,
        endLine: comment.endLine,
        endColumn: comment.endColumn,
      });
    for (const comment of fileFacts.suppressions) {
      if (comment.rules.length === 0) {
        report(comment, `Suppression comment names no rule: expected "${SUPPRESSION_MARKER} <rule-id> -- <reason>".`);
        continue;
      }
      if (comment.reason === '') {
        report(
          comment,
          `Suppression of ${comment.rules.join(', ')} gives no reason, so it suppresses nothing: add one after " -- ", as in "${SUPPRESSION_MARKER} ${comment.rules[0]} -- <why this is allowed>".`,
        );
        continue;
      }
      const covered = atLine.get(`${fileFacts.file}\0${comment.targetLine}`) ?? [];
      for (const ruleId of comment.rules) {
        if (!options.knownRules.has(ruleId)) {
          report(comment, `Suppression names unknown rule "${ruleId}": expected a rule id (schema-guard explain <rule-id> lists them).`);
          continue;
        }
        const suppressed = covered.filter((finding) => finding.ruleId === ruleId);
        for (const finding of suppressed) reasons.set(finding, comment.reason);
        if (suppressed.length === 0 && options.ran(ruleId)) {
          report(comment, `Suppression of ${ruleId} suppresses nothing: no ${ruleId} finding starts on line ${comment.targetLine}. Remove it.`);
        }
      }
    }
  }
  return {
    findings: findings.map((finding) => (reasons.has(finding) ? { ...finding, suppressed: { reason: reasons.get(finding)! } } : finding)),
    problems,
  };
}
