/**
 * A Markdown summary for `$GITHUB_STEP_SUMMARY` or a pull-request comment: counts by rule and by
 * domain, then the first findings as a table with links to their lines.
 */
import { describeEntry, type BaselineEntry } from '../filter/baseline.js';
import type { Finding } from '../rules/finding.js';
import type { Notification } from '../outcome.js';
import type { Summary } from './summary.js';

export interface MarkdownReportInput {
  /** Reported findings only. */
  findings: Finding[];
  /** Counts of the reported findings. */
  summary: Summary;
  suppressed: number;
  baselined: number;
  /** With a baseline: its entries that no longer occur (possibly none). */
  absent?: BaselineEntry[];
  notifications: Notification[];
  /** How many findings the table lists. */
  maxFindings: number;
  /** The link target of a file and line. */
  link: (file: string, line: number) => string;
}

export function renderMarkdown(input: MarkdownReportInput): string {
  const { summary } = input;
  const out = ['## schema-guard', '', headline(input), ''];
  if (summary.findings > 0) {
    out.push('| Rule | Findings |', '|---|---:|');
    for (const [rule, count] of Object.entries(summary.byRule)) out.push(`| \`${rule}\` | ${count} |`);
    out.push('', '| Domain | Findings |', '|---|---:|');
    for (const [domain, count] of Object.entries(summary.byDomain)) out.push(`| ${cell(domain)} | ${count} |`);
    out.push('', '### Findings', '', '| Level | Rule | Location | Message |', '|---|---|---|---|');
    for (const finding of input.findings.slice(0, input.maxFindings)) {
      const location = `[${cell(finding.file)}:${finding.line}](${input.link(finding.file, finding.line)})`;
      const level = finding.blocking ? `${finding.level} (blocking)` : finding.level;
      out.push(`| ${level} | \`${finding.ruleId}\` | ${location} | ${cell(finding.message)} |`);
    }
    if (input.findings.length > input.maxFindings) {
      out.push('', `_The first ${input.maxFindings} of ${input.findings.length} findings; run schema-guard locally or see the SARIF/JSON report for all of them._`);
    }
    out.push('');
  }
  if (input.absent?.length) {
    out.push(`### No longer found (${input.absent.length})`, '', 'Recorded in the baseline but gone: run `schema-guard baseline` to shrink the file.', '');
    for (const entry of input.absent) out.push(`- ${cell(describeEntry(entry))}`);
    out.push('');
  }
  if (input.notifications.length > 0) {
    out.push(`### Not analysed (${input.notifications.length})`, '');
    for (const n of input.notifications) {
      out.push(`- ${n.level}: ${n.file ? `\`${n.file}${n.line ? `:${n.line}` : ''}\`: ` : ''}${cell(n.message)}`);
    }
    out.push('');
  }
  return out.join('\n');
}

/**
 * Links to the file on GitHub when running in Actions (GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_SHA),
 * else relative links; `pathPrefix` places the scanned root inside the repository.
 */
export function fileLinks(env: NodeJS.ProcessEnv, pathPrefix: string): (file: string, line: number) => string {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_SHA: sha } = env;
  const base = server && repository && sha ? `${server}/${repository}/blob/${sha}/` : '';
  return (file, line) => `${base}${(pathPrefix + file).split('/').map(encodeURIComponent).join('/')}#L${line}`;
}

function headline(input: MarkdownReportInput): string {
  const { findings, byLevel, filesScanned } = input.summary;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const apart = [
    input.baselined > 0 ? `${input.baselined} baselined` : '',
    input.suppressed > 0 ? `${input.suppressed} suppressed` : '',
  ].filter(Boolean);
  const tail = `${filesScanned} files scanned${apart.length ? ` · ${apart.join(' · ')} (not listed)` : ''}`;
  const noun = input.absent ? 'new finding' : 'finding';
  if (findings === 0) return `✅ **No ${noun}s** in ${tail}.`;
  return `❌ **${plural(findings, noun)}** (${plural(byLevel.error, 'error')}, ${plural(byLevel.warning, 'warning')}, ${plural(byLevel.note, 'note')}) in ${tail}.`;
}

/** Text safe inside a table cell: no pipes, line breaks or HTML. */
function cell(text: string): string {
  return text.replace(/\r?\n|\r/g, ' ').replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
