import { Chalk, type ChalkInstance } from 'chalk';
import { LineIndex } from '../facts/positions.js';
import type { Finding, Level } from '../rules/finding.js';
import { coverageLine, type Notification, type Summary } from './summary.js';

export interface TextReportInput {
  findings: Finding[];
  summary: Summary;
  notifications: Notification[];
  readFile: (file: string) => string | undefined;
  color: boolean;
}

/**
 * Colour only on a terminal, and never when NO_COLOR is set; FORCE_COLOR wins over both
 * (https://no-color.org, https://force-color.org).
 */
export function shouldUseColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return !!stream.isTTY && env.TERM !== 'dumb';
}

/** ESLint-style: grouped by file, each finding with location, level, message, rule and a code frame; a summary at the end. */
export function renderText(input: TextReportInput): string {
  const c = new Chalk({ level: input.color ? 1 : 0 });
  const out: string[] = [];
  const byFile = new Map<string, Finding[]>();
  for (const finding of input.findings) {
    const list = byFile.get(finding.file) ?? [];
    list.push(finding);
    byFile.set(finding.file, list);
  }
  for (const [file, findings] of byFile) {
    out.push(c.underline(file));
    const text = input.readFile(file);
    const lines = text === undefined ? undefined : new LineIndex(text);
    for (const finding of findings) {
      out.push(
        `  ${c.dim(`${finding.line}:${finding.column}`)}  ${levelLabel(c, finding.level)}${finding.blocking ? c.red(' (blocking)') : ''}  ${finding.message}  ${c.dim(finding.ruleId)}`,
      );
      if (lines) out.push(...codeFrame(c, lines, finding));
    }
    out.push('');
  }
  for (const notification of input.notifications) {
    const where = notification.file ? `${notification.file}${notification.line ? `:${notification.line}:${notification.column ?? 1}` : ''}: ` : '';
    out.push(`${levelLabel(c, notification.level)}  ${where}${notification.message}`);
  }
  if (input.notifications.length) out.push('');
  out.push(...summaryLines(c, input.summary));
  const coverage = coverageLine(input.summary);
  if (coverage) out.push('', input.summary.coverage.read < input.summary.coverage.sites ? c.yellow(coverage) : c.dim(coverage));
  return out.join('\n') + '\n';
}

function levelLabel(c: ChalkInstance, level: Level): string {
  if (level === 'error') return c.red('error  ');
  if (level === 'warning') return c.yellow('warning');
  return c.blue('note   ');
}

function codeFrame(c: ChalkInstance, lines: LineIndex, finding: Finding): string[] {
  const frame: string[] = [];
  const width = String(finding.line + 1).length;
  for (let line = Math.max(1, finding.line - 1); line <= Math.min(lines.lineCount, finding.line + 1); line++) {
    const source = lines.lineText(line).replace(/\t/g, ' ');
    const marker = line === finding.line ? c.red('>') : ' ';
    frame.push(`    ${marker} ${c.dim(String(line).padStart(width) + ' |')} ${source.length > 160 ? source.slice(0, 160) + '…' : source}`);
    if (line === finding.line) {
      const length = finding.endLine === finding.line && finding.endColumn ? Math.max(1, finding.endColumn - finding.column) : 1;
      frame.push(`      ${' '.repeat(width)} ${c.dim('|')} ${' '.repeat(finding.column - 1)}${c.red('^'.repeat(Math.min(length, 80)))}`);
    }
  }
  return frame;
}

function summaryLines(c: ChalkInstance, summary: Summary): string[] {
  if (summary.findings === 0) return [c.green(`✔ No findings in ${summary.filesScanned} files.`), ...frameworkLines(c, summary), ...skippedLines(c, summary)];
  const { error, warning, note } = summary.byLevel;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const lines = [
    c.bold(
      `✖ ${plural(summary.findings, 'finding')} (${plural(error, 'error')}, ${plural(warning, 'warning')}, ${plural(note, 'note')}) in ${summary.filesScanned} files scanned` +
        (summary.blocking ? `; ${summary.blocking} from blocking rules` : ''),
    ),
    '',
    c.bold('By rule'),
    ...table(summary.byRule),
    '',
    c.bold('By domain'),
    ...table(summary.byDomain),
    ...frameworkLines(c, summary),
    ...skippedLines(c, summary),
  ];
  return lines;
}

/** How many paths discovery left out, by reason; `--format json` lists them. */
function skippedLines(c: ChalkInstance, summary: Summary): string[] {
  const entries = Object.entries(summary.skipped ?? {});
  if (entries.length === 0) return [];
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  return ['', c.dim(`Not scanned: ${total} path${total === 1 ? '' : 's'} (${entries.map(([reason, count]) => `${count} ${reason}`).join(', ')}); --format json lists them.`)];
}

/** Shown once a query builder or ORM is in use: how many table accesses each framework resolved, and how many it could not. */
function frameworkLines(c: ChalkInstance, summary: Summary): string[] {
  const entries = Object.entries(summary.frameworks);
  if (entries.every(([framework]) => framework === 'sql')) return [];
  const width = Math.max(...entries.map(([framework]) => framework.length));
  return [
    '',
    c.bold('Table accesses by framework (resolved, unresolved)'),
    ...entries.map(([framework, count]) => `  ${framework.padEnd(width)}  ${String(count!.resolved).padStart(4)}  ${String(count!.unresolved).padStart(4)}`),
  ];
}

function table(counts: Record<string, number>): string[] {
  const width = Math.max(...Object.keys(counts).map((key) => key.length));
  return Object.entries(counts).map(([key, count]) => `  ${key.padEnd(width)}  ${String(count).padStart(4)}`);
}
