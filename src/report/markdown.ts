/**
 * A Markdown summary for `$GITHUB_STEP_SUMMARY` or a pull-request comment: counts by rule and by
 * domain, then the findings most urgent first (blocking, errors, warnings, notes) as a table with
 * links to their lines, so that --max-findings leaves out the least urgent. Every untrusted string
 * is a code span or escaped prose (inert.ts): nothing in it renders as a link, an image, HTML or a
 * mention.
 */
import { describeEntry, type BaselineEntry } from '../filter/baseline.js';
import type { Notification } from '../outcome.js';
import type { Finding, Level } from '../rules/finding.js';
import { foldByUrgency } from './fold.js';
import { clip, markdownCode, markdownText, plain } from './inert.js';
import type { Summary } from './summary.js';

export interface MarkdownReportInput {
  /** The findings to list: reported ones at --level or above. */
  findings: Finding[];
  /** Counts of every reported finding. */
  summary: Summary;
  /** With --level: the level, and how many reported findings it leaves out of the table. */
  belowLevel?: { level: Level; count: number };
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

/** Longest message in a cell; the JSON report has the whole text. */
const MAX_MESSAGE = 1000;

export function renderMarkdown(input: MarkdownReportInput): string {
  const { summary } = input;
  const out = ['## schema-guard', '', headline(input), ''];
  if (summary.findings > 0) {
    out.push('| Rule | Findings |', '|---|---:|');
    for (const [rule, count] of Object.entries(summary.byRule)) out.push(`| ${markdownCode(rule)} | ${count} |`);
    out.push('', '| Domain | Findings |', '|---|---:|');
    for (const [domain, count] of Object.entries(summary.byDomain)) out.push(`| ${markdownText(domain)} | ${count} |`);
    out.push('', '### Findings', '');
    const folded = foldByUrgency(input.findings);
    if (folded.length > 0) out.push('| Level | Rule | Location | Message |', '|---|---|---|---|');
    for (const { finding, also } of folded.slice(0, input.maxFindings)) {
      const location = `[${markdownText(`${finding.file}:${finding.line}`)}](${input.link(finding.file, finding.line)})`;
      const level = finding.blocking ? `**${finding.level} (blocking)**` : finding.level;
      const rules = [markdownCode(finding.ruleId), ...also.slice(0, 10).map((id) => `+ ${markdownCode(id)}`), ...(also.length > 10 ? [`+ ${also.length - 10} more`] : [])].join(' ');
      out.push(`| ${level} | ${rules} | ${location} | ${markdownText(clip(finding.message, MAX_MESSAGE))} |`);
    }
    if (folded.length > input.maxFindings) {
      out.push('', `_The first ${input.maxFindings} of ${folded.length} findings, most urgent first; run schema-guard locally or see the SARIF/JSON report for all of them._`);
    }
    if (input.belowLevel && input.belowLevel.count > 0) {
      const { count, level } = input.belowLevel;
      out.push('', count === 1 ? `_1 finding below --level ${level} is not listed; the counts above include it._` : `_${count} findings below --level ${level} are not listed; the counts above include them._`);
    }
    out.push('');
  }
  if (input.absent?.length) {
    out.push(`### No longer found (${input.absent.length})`, '', 'Recorded in the baseline but gone: run `schema-guard baseline` to shrink the file.', '');
    for (const entry of input.absent) out.push(`- ${markdownText(clip(describeEntry(entry), MAX_MESSAGE))}`);
    out.push('');
  }
  if (input.notifications.length > 0) {
    out.push(`### Not analysed (${input.notifications.length})`, '');
    for (const n of input.notifications) {
      const where = n.file ? `${markdownCode(`${n.file}${n.line ? `:${n.line}` : ''}`)}: ` : '';
      out.push(`- ${n.level}: ${where}${markdownText(clip(n.message, MAX_MESSAGE))}`);
    }
    out.push('');
  }
  return out.join('\n');
}

/** The report of a run that stopped: its error in a code block no line of it can close. */
export function renderMarkdownFailure(message: string): string {
  const text = plain(message).replace(/\\x0a/g, '\n');
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return `## schema-guard\n\n❌ The run stopped:\n\n${fence}\n${text}\n${fence}\n`;
}

/**
 * Links to the file on GitHub when running in Actions (GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_SHA),
 * else relative links; `pathPrefix` places the scanned root inside the repository.
 */
export function fileLinks(env: NodeJS.ProcessEnv, pathPrefix: string): (file: string, line: number) => string {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_SHA: sha } = env;
  const base = server && repository && sha ? `${server}/${repository}/blob/${sha}/` : '';
  // Every character that could end the link destination or the cell is percent-encoded.
  return (file, line) => `${base}${(pathPrefix + file).split('/').map(encodeLinkSegment).join('/')}#L${line}`;
}

function encodeLinkSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

function headline(input: MarkdownReportInput): string {
  const { findings, byLevel, filesScanned, blocking } = input.summary;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const apart = [
    input.baselined > 0 ? `${input.baselined} baselined` : '',
    input.suppressed > 0 ? `${input.suppressed} suppressed` : '',
  ].filter(Boolean);
  const tail = `${filesScanned} files scanned${apart.length ? ` · ${apart.join(' · ')} (not listed)` : ''}`;
  const noun = input.absent ? 'new finding' : 'finding';
  if (findings === 0) return `✅ **No ${noun}s** in ${tail}.`;
  const blocked = blocking > 0 ? ` **${plural(blocking, 'finding')} of blocking rules fail${blocking === 1 ? 's' : ''} the run.**` : '';
  return `❌ **${plural(findings, noun)}** (${plural(byLevel.error, 'error')}, ${plural(byLevel.warning, 'warning')}, ${plural(byLevel.note, 'note')}) in ${tail}.${blocked}`;
}
