/**
 * GitHub Actions workflow commands (`::error file=…,line=…::message`): in a workflow step, each
 * reported finding becomes an annotation on the pull request's diff. Works on every plan, unlike
 * code scanning. Suppressed and baselined findings are not annotated. GitHub shows only the first
 * annotations of each kind per step, so the most urgent come first, and the rules at one site are
 * one annotation that names the others. Untrusted text is escaped as GitHub's toolkit escapes it,
 * and its control characters are made visible (inert.ts).
 */
import path from 'node:path';
import { describeEntry, type BaselineEntry } from '../filter/baseline.js';
import type { Finding, Level } from '../rules/finding.js';
import { foldByUrgency } from './fold.js';
import { clip, plain } from './inert.js';
import type { Notification } from '../outcome.js';

export interface GithubReportInput {
  /** Reported findings only. */
  findings: Finding[];
  notifications: Notification[];
  /** Prepended to every path so that it is relative to the repository checkout (see workspacePrefix). */
  pathPrefix: string;
  /** Baseline entries that no longer occur, announced in one notice. */
  absent?: BaselineEntry[];
}

const COMMANDS: Record<Level, string> = { error: 'error', warning: 'warning', note: 'notice' };

export function renderGithub(input: GithubReportInput): string {
  const lines = foldByUrgency(input.findings).map(({ finding, also }) =>
    command(COMMANDS[finding.level], {
      file: input.pathPrefix + finding.file,
      line: finding.line,
      col: finding.column,
      endLine: finding.endLine,
      endColumn: finding.endColumn,
      title: finding.ruleId,
    }, finding.message + (also.length > 0 ? ` Also reported here: ${clip(also.join(', '), MAX_MESSAGE)}.` : '')),
  );
  for (const notification of input.notifications) {
    lines.push(
      command(COMMANDS[notification.level], {
        file: notification.file === undefined ? undefined : input.pathPrefix + notification.file,
        line: notification.line,
        col: notification.column,
        title: 'schema-guard',
      }, notification.message),
    );
  }
  if (input.absent?.length) {
    const entries = input.absent.map(describeEntry).join('; ');
    lines.push(command('notice', { title: 'schema-guard baseline' }, `No longer found, so the baseline can shrink (run schema-guard baseline): ${entries}`));
  }
  return lines.map((line) => line + '\n').join('');
}

/**
 * Annotations need paths relative to the repository checkout; findings are relative to --root.
 * The prefix is the root's path inside the workspace (`GITHUB_WORKSPACE`, else the current directory).
 */
export function workspacePrefix(root: string, workspace: string): string {
  const relative = path.relative(workspace, root);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return '';
  return relative.split(path.sep).join('/') + '/';
}

function command(name: string, properties: Record<string, string | number | undefined>, message: string): string {
  const props = Object.entries(properties)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${plain(escapeProperty(String(value)))}`)
    .join(',');
  return `::${name}${props ? ' ' + props : ''}::${escapeData(plain(clip(message, MAX_MESSAGE)))}`;
}

/** Longest annotation message; the JSON report has the whole text. */
const MAX_MESSAGE = 2000;

/** GitHub's escaping of a command's message (actions/toolkit, command.ts escapeData). */
function escapeData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/** GitHub's escaping of a command's property values (actions/toolkit, command.ts escapeProperty). */
function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}
