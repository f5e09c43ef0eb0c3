/**
 * `--format compact`: one line per finding, `file:line:column: level rule: message`, as gcc and
 * `schema-guard map validate` print, for editors, problem matchers and grep. Most urgent first, as
 * every listing; the rules at one site are one line that names the others. Then what could not be
 * analysed, in the same shape with `schema-guard` as the rule. No summary: the exit code says it.
 */
import type { Notification } from '../outcome.js';
import type { Finding } from '../rules/finding.js';
import { foldByUrgency } from './fold.js';
import { clip, plain, plainLineStart } from './inert.js';

export interface CompactReportInput {
  /** The findings to list: reported ones at --level or above. */
  findings: Finding[];
  notifications: Notification[];
}

const MAX_MESSAGE = 1000;

export function renderCompact(input: CompactReportInput): string {
  const lines = foldByUrgency(input.findings).map(({ finding, also }) => {
    const others = also.length > 0 ? ` (also ${clip(also.join(', '), MAX_MESSAGE)})` : '';
    const blocking = finding.blocking ? ' [blocking]' : '';
    return `${plainLineStart(finding.file)}:${finding.line}:${finding.column}: ${finding.level} ${plain(finding.ruleId)}: ${plain(clip(finding.message, MAX_MESSAGE) + others)}${blocking}`;
  });
  for (const notification of input.notifications) {
    const message = plain(clip(notification.message, MAX_MESSAGE));
    if (notification.file === undefined) lines.push(`schema-guard: ${notification.level}: ${message}`);
    else lines.push(`${plainLineStart(notification.file)}:${notification.line ?? 1}:${notification.column ?? 1}: ${notification.level} schema-guard: ${message}`);
  }
  return lines.map((line) => line + '\n').join('');
}
