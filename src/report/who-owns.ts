/**
 * `who-owns`: what the map says about one table (family, owner, guard rule, readers, restricted-table
 * rules, exceptions) or one file or folder (domain, owners, exceptions, special folders).
 */
import { compileGlob } from '../glob/match.js';
import { domainOf } from '../verdicts.js';
import type { FileFacts, TableName } from '../facts/types.js';
import { isNegatedGlob } from '../map/globs.js';
import { formatTableName, parseTableName } from '../map/names.js';
import { matches, type OwnershipIndex } from '../map/resolve.js';
import type { MapException, MapOperation } from '../map/schema.js';
import type { OwnerContacts } from '../rules/finding.js';
import { compareText } from '../order.js';

export interface DomainSummary {
  id: string;
  name: string;
  kind: 'platform' | 'product';
  owners?: OwnerContacts;
}

export interface ExceptionSummary {
  id: string;
  rules: string[];
  reason: string;
  link: string;
  /** Folder globs and domains it covers; both empty means every file. */
  folders: string[];
  domains: string[];
  /** Table names or globs; empty means every table. */
  tables: string[];
  operations: MapOperation[];
  expires?: string;
  expired: boolean;
}

export interface TableAnswer {
  kind: 'table';
  table: string;
  owner: (DomainSummary & { via: 'family' | 'prefix' | 'schema' }) | null;
  family: { id: string; name: string; currentOwner: string; targetOwnerText?: string; guardRule: string } | null;
  /** Domains besides the owner that may read the family. */
  readers: string[];
  restrictedRules: Array<{
    rule: string;
    description: string;
    operations: MapOperation[];
    allow: { domains: string[]; folders: string[] };
    level: string;
    blocking: boolean;
  }>;
  exceptions: ExceptionSummary[];
}

export interface PathAnswer {
  kind: 'path';
  path: string;
  type: 'file' | 'folder' | 'missing';
  /** A file's domain; for a folder, the domain a new file directly in it would get. */
  domain: (DomainSummary & { via: 'folder' | 'owner-header'; glob?: string }) | null;
  /** For a folder: its scanned files per domain (`(no domain)` for the rest). */
  files?: Record<string, number>;
  readModel: boolean;
  ownerHeaderRequired: boolean;
  retired: { folder: string; reason: string } | null;
  exceptions: ExceptionSummary[];
}

export type WhoOwnsAnswer = TableAnswer | PathAnswer;

/**
 * The table a name typed on the command line means: as the map reads names (`webServerSettings` is that
 * exact identifier), unless only the lower-case name SQL would fold it to has an owner.
 */
function tableAsked(index: OwnershipIndex, text: string): TableName {
  const exact = parseTableName(text);
  if (index.ownerOfTable(exact)) return exact;
  const folded = parseTableName(text.replace(/"(?:[^"]|"")*"|[^"]+/g, (part) => (part.startsWith('"') ? part : part.toLowerCase())));
  return index.ownerOfTable(folded) ? folded : exact;
}

/** `today` (YYYY-MM-DD) decides which exceptions have expired. */
export function answerTable(index: OwnershipIndex, text: string, today: string): TableAnswer {
  const table = tableAsked(index, text);
  const ownership = index.ownerOfTable(table);
  const family = ownership?.family;
  return {
    kind: 'table',
    table: formatTableName(table),
    owner: ownership ? { ...domainSummary(index, ownership.domain), via: ownership.via } : null,
    family: family
      ? { id: family.id, name: family.name, currentOwner: family.currentOwner, targetOwnerText: family.targetOwnerText, guardRule: family.guardRule }
      : null,
    readers: family?.readers ?? [],
    restrictedRules: index.restrictedRulesFor(table).map((rule) => ({
      rule: rule.rule,
      description: rule.description,
      operations: rule.operations,
      allow: rule.allow,
      level: rule.level,
      blocking: rule.blocking,
    })),
    exceptions: index.map.exceptions.filter((e) => index.exceptionCoversTable(e, table)).map((e) => exceptionSummary(e, today)),
  };
}

/**
 * `path` is repository-relative (`.` for the root); `facts` are the scanned files under it, which give
 * `// @owner` headers and, for a folder, the per-domain count.
 */
export function answerPath(index: OwnershipIndex, path: string, type: PathAnswer['type'], facts: FileFacts[], today: string): PathAnswer {
  // A folder is judged by a file directly in it: folder globs cover files, not folders.
  const probe = type === 'folder' ? (path === '.' ? 'index.ts' : `${path}/index.ts`) : path;
  const own = type === 'file' ? facts.find((f) => f.file === path) : undefined;
  const byFolder = index.domainOfFile(probe);
  const domainId = byFolder ?? (own ? domainOf(own, index) : undefined);
  let domain: PathAnswer['domain'] = null;
  if (byFolder !== undefined) {
    const glob = index.map.domains[byFolder]!.folders.find((g) => !isNegatedGlob(g) && compileGlob(g)(probe));
    domain = { ...domainSummary(index, byFolder), via: 'folder', glob };
  } else if (domainId !== undefined) {
    domain = { ...domainSummary(index, domainId), via: 'owner-header' };
  }
  const retired = index.retiredFolderOf(path) ?? index.retiredFolderOf(probe);
  return {
    kind: 'path',
    path,
    type,
    domain,
    ...(type === 'folder' ? { files: filesPerDomain(index, facts) } : {}),
    readModel: index.isReadModel(probe),
    ownerHeaderRequired: index.requiresOwnerHeader(probe),
    retired: retired ? { folder: retired.folder, reason: retired.reason } : null,
    exceptions: index.map.exceptions
      .filter((e) => (e.folders.length === 0 && e.domains.length === 0) || matches(e.folders, probe) || (domainId !== undefined && e.domains.includes(domainId)))
      .map((e) => exceptionSummary(e, today)),
  };
}

function filesPerDomain(index: OwnershipIndex, facts: FileFacts[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const f of facts) {
    const key = domainOf(f, index) ?? '(no domain)';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return Object.fromEntries([...counts].sort(([a], [b]) => compareText(a, b)));
}

function domainSummary(index: OwnershipIndex, id: string): DomainSummary {
  const domain = index.domain(id)!;
  return { id, name: domain.name, kind: domain.kind, ...(domain.owners ? { owners: domain.owners } : {}) };
}

function exceptionSummary(e: MapException, today: string): ExceptionSummary {
  return {
    id: e.id,
    rules: e.rules,
    reason: e.reason,
    link: e.link,
    folders: e.folders,
    domains: e.domains,
    tables: e.tables,
    operations: e.operations,
    ...(e.expires ? { expires: e.expires } : {}),
    expired: e.expires !== undefined && today > e.expires,
  };
}

export function renderWhoOwnsText(answer: WhoOwnsAnswer): string {
  const rows = answer.kind === 'table' ? tableRows(answer) : pathRows(answer);
  const title = answer.kind === 'table' ? `table ${answer.table}` : `${answer.type === 'missing' ? 'path (not on disk)' : answer.type} ${answer.path}`;
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = rows.flatMap(([label, values]) =>
    (values.length ? values : ['none']).map((value, i) => `  ${(i === 0 ? label : '').padEnd(width)}  ${value}`),
  );
  return `${[title, ...lines].join('\n')}\n`;
}

export function renderWhoOwnsJson(answer: WhoOwnsAnswer): string {
  return `${JSON.stringify(answer, null, 2)}\n`;
}

type Row = [label: string, values: string[]];

function tableRows(answer: TableAnswer): Row[] {
  const owner = answer.owner;
  return [
    ['owner', [owner ? `${named(owner)}, by ${owner.via}` : "none: no family lists it, and no domain's schema or prefix covers it"]],
    ...(owner ? [['contacts', contacts(owner.owners)] as Row] : []),
    ...(answer.family
      ? ([
          ['family', [answer.family.name === answer.family.id ? answer.family.id : `${answer.family.id}: ${answer.family.name}`]],
          ['current owner', [answer.family.currentOwner]],
          ['guard rule', [answer.family.guardRule]],
          ['readers', answer.readers.length ? answer.readers : ['none besides the owner']],
        ] as Row[])
      : []),
    [
      'restricted',
      answer.restrictedRules.map((rule) => {
        const who = [...rule.allow.domains, ...rule.allow.folders];
        return `${rule.rule}: ${rule.operations.join(', ')} ${who.length ? `only by ${who.join(', ')}` : 'by nobody'} (${rule.level}${rule.blocking ? ', blocking' : ''})`;
      }),
    ],
    ['exceptions', answer.exceptions.map(exceptionLine)],
  ];
}

/** A domain's id, and its name when the map gives it one (it defaults to the id). */
function named(domain: { id: string; name: string }): string {
  return domain.name === domain.id ? domain.id : `${domain.id} (${domain.name})`;
}

function pathRows(answer: PathAnswer): Row[] {
  const domain = answer.domain;
  const via = domain?.via === 'owner-header' ? 'its // @owner header' : `folder ${domain?.glob}`;
  return [
    ['domain', [domain ? `${named(domain)}, by ${via}` : 'none: no domain folder covers it']],
    ...(domain ? [['contacts', contacts(domain.owners)] as Row] : []),
    ...(answer.files ? [['files', Object.entries(answer.files).map(([d, n]) => `${d}: ${n}`)] as Row] : []),
    ['read model', [answer.readModel ? 'yes: joins across families are allowed here' : 'no']],
    ['owner header', [answer.ownerHeaderRequired ? 'required: each file names its domain in // @owner <domain-id>' : 'not required']],
    ['retired', [answer.retired ? `yes (${answer.retired.folder}): ${answer.retired.reason}` : 'no']],
    ['exceptions', answer.exceptions.map(exceptionLine)],
  ];
}

function contacts(owners: OwnerContacts | undefined): string[] {
  if (!owners) return [];
  const parts = [
    owners.primary ? `primary ${owners.primary}` : '',
    owners.secondary ? `secondary ${owners.secondary}` : '',
    owners.severity ? `on-call ${owners.severity}` : '',
  ].filter(Boolean);
  return parts.length ? [parts.join(', ')] : [];
}

function exceptionLine(e: ExceptionSummary): string {
  const where = [...e.folders, ...e.domains.map((d) => `domain ${d}`)];
  const scope = [
    `waives ${e.rules.join(', ')}`,
    where.length ? `in ${where.join(', ')}` : 'in every file',
    e.tables.length ? `on ${e.tables.join(', ')}` : 'on every table',
    e.operations.length ? `for ${e.operations.join(', ')}` : '',
    e.expires ? `${e.expired ? 'expired' : 'until'} ${e.expires}` : '',
  ].filter(Boolean);
  return `${e.id}: ${scope.join(' ')} (${e.link})`;
}
