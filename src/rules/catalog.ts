/**
 * The rule catalog: one Markdown file per rule in rules/, with a small front matter block.
 * The same text feeds `explain`, SARIF rule help and the README's rule table.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Level } from './finding.js';

export type Precision = 'very-high' | 'high' | 'medium' | 'low';

export interface RuleMeta {
  id: string;
  /** Default level. */
  level: Level;
  /** A blocking rule fails the run whatever --fail-on says. */
  blocking: boolean;
  /** One sentence. */
  summary: string;
  tags: string[];
  precision: Precision;
  /** GitHub's `security-severity` ("8.0"); set only for rules that are security alerts. */
  securitySeverity?: string;
  /** The Markdown body after the front matter, starting with `# <id>`. */
  markdown: string;
}

// src/rules/catalog.ts and dist/rules/catalog.js are both two levels below the package root.
const RULES_DIR = fileURLToPath(new URL('../../rules/', import.meta.url));

const LEVELS: readonly Level[] = ['note', 'warning', 'error'];
const PRECISIONS: readonly Precision[] = ['very-high', 'high', 'medium', 'low'];

let cache: RuleMeta[] | undefined;

/** Every rule documented in rules/, sorted by id. Read once per process. */
export function getRuleCatalog(): RuleMeta[] {
  cache ??= readdirSync(RULES_DIR)
    .filter((name) => name.endsWith('.md'))
    .map((name) => parseRuleFile(name, readFileSync(join(RULES_DIR, name), 'utf8')))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return cache;
}

export function getRuleMeta(id: string): RuleMeta | undefined {
  return getRuleCatalog().find((rule) => rule.id === id);
}

/** Metadata for a restricted-table rule that a map declares and rules/ does not document. */
export function fallbackRuleMeta(id: string, level: Level, description: string, blocking = false): RuleMeta {
  return {
    id,
    level,
    blocking,
    summary: description,
    tags: ['data-ownership', 'restricted-table'],
    precision: 'very-high',
    markdown: `# ${id}\n\n${description}\n\nThis rule is declared in the ownership map's \`restrictedTables\`.\n`,
  };
}

/** Parses `---`-delimited `key: value` front matter by hand; throws naming the file on any problem. */
export function parseRuleFile(fileName: string, text: string): RuleMeta {
  const fail = (what: string): never => {
    throw new Error(`rules/${fileName}: ${what}`);
  };
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(text);
  if (!match) return fail('expected a front matter block between `---` lines at the top');
  const fields = new Map<string, string>();
  for (const line of match[1].split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const kv = /^([a-z-]+):\s*(.*)$/.exec(line);
    if (!kv) return fail(`expected \`key: value\` in front matter, found "${line}"`);
    fields.set(kv[1], kv[2].trim().replace(/^"(.*)"$/, '$1'));
  }
  const required = (key: string): string => fields.get(key) || fail(`front matter needs \`${key}:\``);

  const id = required('id');
  if (`${id}.md` !== fileName) fail(`id "${id}" does not match the file name`);
  const level = required('level') as Level;
  if (!LEVELS.includes(level)) fail(`level must be one of ${LEVELS.join(', ')}`);
  const blocking = required('blocking');
  if (blocking !== 'true' && blocking !== 'false') fail('blocking must be true or false');
  const precision = required('precision') as Precision;
  if (!PRECISIONS.includes(precision)) fail(`precision must be one of ${PRECISIONS.join(', ')}`);
  const tags = [...new Set(required('tags').split(',').map((t) => t.trim()).filter(Boolean))];
  const securitySeverity = fields.get('security-severity');

  return {
    id,
    level,
    blocking: blocking === 'true',
    summary: required('summary'),
    tags,
    precision,
    ...(securitySeverity ? { securitySeverity } : {}),
    markdown: text.slice(match[0].length).trim() + '\n',
  };
}

/** The README's rule table, rendered from rules/*.md so the two cannot drift (`npm run docs:sync` writes it). */
export function renderRuleTable(rules: RuleMeta[]): string {
  const rows = rules.map(
    (rule) => `| [\`${rule.id}\`](rules/${rule.id}.md) | ${rule.level}${rule.blocking ? ', blocking' : ''} | ${rule.summary.replaceAll('|', '\\|')} |`,
  );
  return ['| rule | default level | reports |', '|---|---|---|', ...rows].join('\n');
}
