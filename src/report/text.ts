/**
 * The report people read in a terminal or a CI log: findings most urgent first (blocking, errors,
 * warnings, notes), each a short headline with its rule id in an aligned column and a code frame;
 * what could not be analysed; counts by rule and domain; what explains the exit code and what to do
 * next; and, as the last line, the summary in the colour of the worst level.
 *
 * Every untrusted string (file names, messages, source lines, the map's names) goes through
 * plain(), and a source excerpt is a bounded window around the finding, however long its line.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { describeEntry, type BaselineEntry } from '../filter/baseline.js';
import type { Notification } from '../outcome.js';
import { LEVEL_RANK, type Finding, type Level } from '../rules/finding.js';
import { foldByUrgency, type FoldedFinding } from './fold.js';
import { clip, plain, plainLineStart } from './inert.js';
import { coverageLine, type Summary, unresolvedImportsLine } from './summary.js';

export interface TextReportInput {
  /** The findings to list: reported ones (neither suppressed nor baselined) at --level or above. */
  findings: Finding[];
  /** Counts of every reported finding, listed or not. */
  summary: Summary;
  notifications: Notification[];
  readFile: (file: string) => string | undefined;
  color: boolean;
  /** The run's --fail-on, to say why it exits 1. */
  failOn?: 'none' | Level;
  /** With --level: the level, and how many reported findings it leaves out of the listing. */
  belowLevel?: { level: Level; count: number };
  /** What suppression comments and the baseline kept out of the listing, and what the baseline no longer needs. */
  keptApart?: { suppressed: number; baselined: number; baselineFile?: string; absent?: BaselineEntry[] };
  /** With --runtime: what the tests ran against what static analysis saw, a line each. */
  runtime?: string[];
}

/** Source wider than this is shown as a window around the finding. */
const EXCERPT_WIDTH = 160;
/** Longest headline, detail or notification shown; the JSON report has the whole text. */
const MAX_MESSAGE = 400;

/**
 * Colour only on a terminal, and never when NO_COLOR is set; FORCE_COLOR wins over both
 * (https://no-color.org, https://force-color.org).
 */
export function shouldUseColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return !!stream.isTTY && env.TERM !== 'dumb';
}

export function renderText(input: TextReportInput): string {
  const c = new Chalk({ level: input.color ? 1 : 0 });
  const out: string[] = [];
  const folded = foldByUrgency(input.findings);
  const columns = {
    location: Math.max(0, ...folded.map(({ finding }) => `${finding.line}:${finding.column}`.length)),
    rule: Math.min(28, Math.max(0, ...folded.map(({ finding }) => finding.ruleId.length))),
  };
  const sources = new Map<string, SourceLines | undefined>();
  const sourceOf = (file: string) => {
    if (!sources.has(file)) {
      const text = input.readFile(file);
      sources.set(file, text === undefined ? undefined : new SourceLines(text));
    }
    return sources.get(file);
  };
  // Consecutive findings in one file share its heading; urgency may bring a file back later.
  let file: string | undefined;
  // The rest of a message (a family's guard rule, a rule's advice) is shown once per file.
  const detailsShown = new Map<string, Set<string>>();
  for (const entry of folded) {
    if (entry.finding.file !== file) {
      if (file !== undefined) out.push('');
      file = entry.finding.file;
      out.push(c.underline(plainLineStart(file)));
    }
    if (!detailsShown.has(file)) detailsShown.set(file, new Set());
    out.push(...findingLines(c, entry, columns, detailsShown.get(file)!));
    const source = sourceOf(file);
    if (source) out.push(...codeFrame(c, source, entry.finding));
  }
  if (folded.length > 0) out.push('');

  for (const notification of input.notifications) {
    const where = notification.file ? `${notification.file}${notification.line ? `:${notification.line}:${notification.column ?? 1}` : ''}: ` : '';
    out.push(`${levelLabel(c, notification.level, false)}  ${plain(clip(where + notification.message, MAX_MESSAGE))}`);
  }
  if (input.notifications.length) out.push('');

  if (input.summary.findings > 0) {
    out.push(c.bold('By rule'), ...table(input.summary.byRule), '', c.bold('By domain'), ...table(input.summary.byDomain), '');
  }
  const frameworks = frameworkLines(c, input.summary);
  if (frameworks.length) out.push(...frameworks, '');
  const skipped = skippedLine(c, input.summary);
  if (skipped) out.push(skipped, '');
  const apart = keptApartLines(input);
  // One by one: `apart` lists every absent baseline entry, and spreading 150,000 into push() overflows the stack.
  if (apart.length) {
    for (const line of apart) out.push(line);
    out.push('');
  }
  if (input.runtime?.length) out.push(...input.runtime.map((line) => plainLineStart(line)), '');
  // How much of the code's SQL was read: yellow when some of it could not be.
  const coverage = coverageLine(input.summary);
  if (coverage) out.push(input.summary.coverage.read < input.summary.coverage.sites ? c.yellow(coverage) : c.dim(coverage), '');
  const unresolved = unresolvedImportsLine(input.summary);
  if (unresolved) out.push(c.yellow(unresolved), '');
  const hints = hintLines(input);
  if (hints.length) out.push(...hints.map((hint) => c.dim(hint)), '');
  out.push(summaryLine(c, input.summary));
  return out.join('\n') + '\n';
}

/** The headline line of a finding, then dim lines: the other rules at its site, and the rest of its message once per file. */
function findingLines(c: ChalkInstance, { finding, also }: FoldedFinding, columns: { location: number; rule: number }, detailsShown: Set<string>): string[] {
  const { headline, detail } = splitMessage(finding.message);
  const location = `${finding.line}:${finding.column}`.padEnd(columns.location);
  const rule = plain(finding.ruleId).padEnd(columns.rule);
  const lines = [`  ${c.dim(location)}  ${levelLabel(c, finding.level, finding.blocking)}  ${c.dim(rule)}  ${plain(clip(headline, MAX_MESSAGE))}`];
  const indent = ' '.repeat(2 + columns.location + 2 + LABEL_WIDTH + 2 + columns.rule + 2);
  if (also.length > 0) {
    lines.push(c.dim(`${indent}also ${plain(clip(also.join(', '), MAX_MESSAGE))}`));
  }
  if (detail && !detailsShown.has(detail)) {
    detailsShown.add(detail);
    lines.push(c.dim(`${indent}${plainLineStart(clip(detail, MAX_MESSAGE))}`));
  }
  return lines;
}

/**
 * A message's first sentence (rule messages are written so that it stands alone) and the rest: the
 * first `.`, `!` or `?` followed by a space and a capital or a quote, outside parentheses and double
 * quotes, ends it. A message of one sentence is all headline.
 */
export function splitMessage(message: string): { headline: string; detail: string } {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < message.length - 2; i++) {
    const char = message[i]!;
    if (char === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (char === '(') depth++;
    else if (char === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && (char === '.' || char === '!' || char === '?') && message[i + 1] === ' ' && /["'`\p{Lu}]/u.test(message[i + 2]!)) {
      return { headline: message.slice(0, i + 1), detail: message.slice(i + 2).trim() };
    }
  }
  return { headline: message, detail: '' };
}

const LABEL_WIDTH = 'blocking'.length;

/** The level column; a blocking finding says so instead, since it fails the run whatever its level. */
function levelLabel(c: ChalkInstance, level: Level, blocking: boolean | undefined): string {
  if (blocking) return c.red.bold('blocking');
  if (level === 'error') return c.red('error'.padEnd(LABEL_WIDTH));
  if (level === 'warning') return c.yellow('warning'.padEnd(LABEL_WIDTH));
  return c.blue('note'.padEnd(LABEL_WIDTH));
}

/** Line starts of a source text, for excerpts that never copy more than a window of a line. */
class SourceLines {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === 10) this.starts.push(i + 1);
      else if (code === 13 && text.charCodeAt(i + 1) !== 10) this.starts.push(i + 1);
    }
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** Columns `from` to `to` (1-based, inclusive) of a line, without its terminator, and the line's whole length. */
  slice(line: number, from: number, to: number): { text: string; length: number } {
    const start = this.starts[line - 1]!;
    const next = this.starts[line];
    let end = next === undefined ? this.text.length : next - 1;
    if (next !== undefined && this.text.charCodeAt(end) === 10 && this.text.charCodeAt(end - 1) === 13) end--;
    return { text: this.text.slice(Math.min(start + from - 1, end), Math.min(start + to, end)), length: end - start };
  }
}

/** The finding's line between its neighbours, each cut to a window of EXCERPT_WIDTH columns around the finding's column. */
function codeFrame(c: ChalkInstance, source: SourceLines, finding: Finding): string[] {
  const frame: string[] = [];
  const width = String(finding.line + 1).length;
  const from = Math.max(1, finding.column - Math.floor(EXCERPT_WIDTH / 3));
  const to = from + EXCERPT_WIDTH - 1;
  for (let line = Math.max(1, finding.line - 1); line <= Math.min(source.lineCount, finding.line + 1); line++) {
    const { text, length } = source.slice(line, from, to);
    const before = from > 1 && length >= from ? '…' : '';
    const after = length > to ? '…' : '';
    const shown = (raw: string) => plain(raw.replace(/\t/g, ' '));
    const marker = line === finding.line ? c.red('>') : ' ';
    frame.push(`    ${marker} ${c.dim(String(line).padStart(width) + ' |')} ${before}${shown(text)}${after}`);
    if (line === finding.line) {
      const offset = before.length + shown(text.slice(0, Math.max(0, finding.column - from))).length;
      const span = finding.endLine === finding.line && finding.endColumn ? Math.max(1, finding.endColumn - finding.column) : 1;
      const caret = Math.max(1, Math.min(span, 80, to - finding.column + 1));
      frame.push(`      ${' '.repeat(width)} ${c.dim('|')} ${' '.repeat(offset)}${c.red('^'.repeat(caret))}`);
    }
  }
  return frame;
}

/** What suppression comments and the baseline kept out of the listing, and what the baseline no longer needs. */
function keptApartLines(input: TextReportInput): string[] {
  const apart = input.keptApart;
  if (!apart) return [];
  const lines: string[] = [];
  const hidden = [
    apart.baselined > 0 ? `${apart.baselined} recorded in the baseline ${plain(apart.baselineFile ?? '')}` : '',
    apart.suppressed > 0 ? `${apart.suppressed} suppressed by comments` : '',
  ].filter(Boolean);
  if (hidden.length) lines.push(`Not shown: ${hidden.join(', ')}.`);
  const absent = apart.absent ?? [];
  if (absent.length > 0) {
    lines.push('No longer found, though recorded in the baseline (run schema-guard baseline to shrink it):');
    // One by one: spreading 150,000 entries into push() overflows the stack.
    for (const entry of absent) lines.push(`  ${plainLineStart(clip(describeEntry(entry), MAX_MESSAGE))}`);
  }
  return lines;
}

/** Why the run exits 1, and what to do next: a rule's page, the baseline, what --level left out. */
function hintLines(input: TextReportInput): string[] {
  const { summary } = input;
  const hints: string[] = [];
  const blockingRules = [...new Set(input.findings.filter((finding) => finding.blocking).map((finding) => plain(finding.ruleId)))].sort();
  if (blockingRules.length === 1) hints.push(`Exit code 1: ${blockingRules[0]} is a blocking rule; its findings fail the run whatever --fail-on says.`);
  if (blockingRules.length > 1) hints.push(`Exit code 1: ${blockingRules.join(', ')} are blocking rules; their findings fail the run whatever --fail-on says.`);
  const failOn = input.failOn ?? 'none';
  if (failOn !== 'none') {
    const reaching = (Object.keys(summary.byLevel) as Level[])
      .filter((level) => LEVEL_RANK[level] >= LEVEL_RANK[failOn])
      .reduce((sum, level) => sum + summary.byLevel[level], 0);
    if (reaching > 0) hints.push(`Exit code 1: ${reaching} finding${reaching === 1 ? '' : 's'} at --fail-on ${failOn} or above.`);
  }
  if (input.belowLevel && input.belowLevel.count > 0) {
    const { level, count } = input.belowLevel;
    hints.push(`${count} finding${count === 1 ? '' : 's'} below --level ${level} not listed; the counts and the exit code include ${count === 1 ? 'it' : 'them'}.`);
  }
  const first = foldByUrgency(input.findings)[0]?.finding;
  if (first) hints.push(`What a rule checks and how to fix it: schema-guard explain ${plain(first.ruleId)}`);
  if (summary.findings > 0 && !input.keptApart?.baselineFile) {
    hints.push('To accept today\'s findings and report only new ones: schema-guard baseline');
  }
  return hints;
}

/** The last line: counts, in the colour of the worst level (red for blocking and errors). */
function summaryLine(c: ChalkInstance, summary: Summary): string {
  if (summary.findings === 0) return c.green(`✔ No findings in ${summary.filesScanned} files.`);
  const { error, warning, note } = summary.byLevel;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const line =
    `✖ ${plural(summary.findings, 'finding')} (${plural(error, 'error')}, ${plural(warning, 'warning')}, ${plural(note, 'note')}) in ${summary.filesScanned} files scanned` +
    (summary.blocking ? `; ${summary.blocking} from blocking rules` : '');
  const colour = summary.blocking > 0 || error > 0 ? c.red : warning > 0 ? c.yellow : c.blue;
  return colour.bold(line);
}

/** How many paths discovery left out, by reason; `--format json` lists them. */
function skippedLine(c: ChalkInstance, summary: Summary): string | undefined {
  const entries = Object.entries(summary.skipped ?? {});
  if (entries.length === 0) return undefined;
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  return c.dim(`Not scanned: ${total} path${total === 1 ? '' : 's'} (${entries.map(([reason, count]) => `${count} ${reason}`).join(', ')}); --format json lists them.`);
}

/** Shown once a query builder or ORM is in use: how many table accesses each framework resolved, and how many it could not. */
function frameworkLines(c: ChalkInstance, summary: Summary): string[] {
  const entries = Object.entries(summary.frameworks);
  if (entries.every(([framework]) => framework === 'sql')) return [];
  const width = Math.max(...entries.map(([framework]) => framework.length));
  return [
    c.bold('Table accesses by framework (resolved, unresolved)'),
    ...entries.map(([framework, count]) => `  ${framework.padEnd(width)}  ${String(count!.resolved).padStart(4)}  ${String(count!.unresolved).padStart(4)}`),
  ];
}

/** Counts by rule or domain; the map names both, so they are shown as untrusted text. */
function table(counts: Record<string, number>): string[] {
  const keys = Object.fromEntries(Object.keys(counts).map((key) => [key, plainLineStart(clip(key, 60))]));
  const width = Math.max(...Object.values(keys).map((key) => key.length));
  return Object.entries(counts).map(([key, count]) => `  ${keys[key]!.padEnd(width)}  ${String(count).padStart(4)}`);
}
