/**
 * The starter map `schema-guard init` writes: domains from the repository's package or service
 * folders, and every table its migrations create in a family, owned by the domain that uses it.
 * Pure functions of the file list and the facts; the CLI (cli/init.ts) runs the extraction and writes.
 */
import type { FileFacts, Operation, TableName } from '../facts/types.js';
import { formatTableName, tableKey } from './names.js';

/** Folders whose sub-folders are packages or services, as workspaces lay them out. */
export const WORKSPACE_FOLDERS = ['packages', 'apps', 'services'];
/** Top-level folders that hold no domain's code. */
const NOT_DOMAINS = new Set(['test', 'tests', '__tests__', 'spec', 'e2e', 'scripts', 'tools', 'docs', 'migrations', 'migration', 'db', 'sql', 'database', 'dist', 'build', 'fixtures', 'examples', 'bench', 'node_modules', 'vendor', 'public', 'static']);

export interface StarterDomain {
  id: string;
  /** The folder, repository-relative, without `/**`; '' for the whole repository. */
  folder: string;
}

/**
 * One domain per package or service folder (`packages/*`, `apps/*`, `services/*`, and the folders
 * of `workspaceFolders`); without any, one per folder of `src/`; else one per top-level folder.
 * A folder counts only when it holds code other than SQL: a folder of migrations is nobody's domain.
 */
export function starterDomains(files: readonly string[], workspaceFolders: readonly string[] = []): StarterDomain[] {
  const code = files.filter((file) => !file.endsWith('.sql'));
  const containers = new Set([...WORKSPACE_FOLDERS, ...workspaceFolders]);
  const folderAt = (file: string, depth: number) => file.split('/').slice(0, depth).join('/');
  const inWorkspace = code.filter((file) => file.split('/').length > 2 && containers.has(folderAt(file, 1)));
  let folders: string[];
  if (inWorkspace.length > 0) folders = inWorkspace.map((file) => folderAt(file, 2));
  else if (code.some((file) => file.startsWith('src/') && file.split('/').length > 2)) {
    folders = code.filter((file) => file.startsWith('src/') && file.split('/').length > 2).map((file) => folderAt(file, 2));
  } else {
    folders = code.filter((file) => file.includes('/') && !NOT_DOMAINS.has(folderAt(file, 1).toLowerCase())).map((file) => folderAt(file, 1));
  }
  const unique = [...new Set(folders)].sort();
  // Code, but in no folder that looks like a domain: one domain for the whole repository, to split later.
  if (unique.length === 0 && code.length > 0) return [{ id: 'app', folder: '' }];
  const ids = new Set<string>();
  return unique.map((folder) => {
    const parts = folder.split('/');
    let id = domainId(parts.at(-1)!);
    if (ids.has(id)) id = domainId(parts.join('-'));
    for (let n = 2; ids.has(id); n++) id = `${domainId(parts.join('-'))}-${n}`;
    ids.add(id);
    return { id, folder };
  });
}

/** A folder name as a domain id: lower-case letters, digits and dashes, starting with a letter. */
function domainId(name: string): string {
  const id = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return /^[a-z]/.test(id) ? id : `d-${id || 'code'}`;
}

export interface StarterTable {
  table: TableName;
  /** The files whose statements create it, in path order. */
  createdIn: string[];
  /** Sites by domain that uses it, split into writes and reads. */
  writes: Map<string, number>;
  reads: Map<string, number>;
}

export interface StarterFamily {
  id: string;
  owner: string;
  /** Why the owner was chosen, for the comment above the family. */
  reason: 'writes' | 'creates' | 'reads' | 'unused';
  /** The folder of the migrations that create its tables. */
  createdIn: string;
  tables: StarterTable[];
  /** Other domains whose code reads or writes its tables, with their sites. */
  others: Array<{ domain: string; sites: number }>;
}

export interface StarterPlan {
  domains: StarterDomain[];
  families: StarterFamily[];
  migrations: number;
  /** SQL files with statements that could not be parsed. */
  unparsed: string[];
}

const WRITES: ReadonlySet<Operation> = new Set(['insert', 'update', 'delete', 'truncate', 'merge', 'copy', 'alter']);

/**
 * The families of the starter map: the tables that the repository's statements create (and do not
 * drop again later, in path order), each owned by the domain whose code writes it most, else the
 * domain whose folder creates it, else the one that reads it most; tables no code uses go to the
 * first domain, marked for review. Tables with one owner and one creating folder form one family.
 */
export function planStarterMap(domains: StarterDomain[], facts: readonly FileFacts[], domainOf: (file: string) => string | undefined): StarterPlan {
  const tables = new Map<string, StarterTable>();
  const ordered = [...facts].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const migrations = new Set<string>();
  for (const file of ordered) {
    for (const access of file.accesses) {
      const key = tableKey(access.table);
      if (access.operation === 'create') {
        migrations.add(file.file);
        const entry: StarterTable = tables.get(key) ?? { table: access.table, createdIn: [], writes: new Map(), reads: new Map() };
        if (!entry.createdIn.includes(file.file)) entry.createdIn.push(file.file);
        tables.set(key, entry);
      } else if (access.operation === 'drop' && file.language === 'sql') {
        tables.delete(key);
      }
    }
  }
  for (const file of facts) {
    const domain = domainOf(file.file);
    if (!domain) continue;
    for (const access of file.accesses) {
      const entry = tables.get(tableKey(access.table));
      if (!entry || access.operation === 'create' || access.operation === 'drop') continue;
      const counts = WRITES.has(access.operation) ? entry.writes : access.operation === 'read' || access.operation === 'reference' ? entry.reads : undefined;
      counts?.set(domain, (counts.get(domain) ?? 0) + 1);
    }
  }

  const families = new Map<string, StarterFamily>();
  for (const entry of [...tables.values()].sort((a, b) => compare(formatTableName(a.table), formatTableName(b.table)))) {
    const creator = entry.createdIn.map(domainOf).find((domain) => domain !== undefined);
    const [owner, reason]: [string | undefined, StarterFamily['reason']] =
      top(entry.writes) !== undefined ? [top(entry.writes), 'writes'] : creator ? [creator, 'creates'] : top(entry.reads) !== undefined ? [top(entry.reads), 'reads'] : [domains[0]?.id, 'unused'];
    if (owner === undefined) continue;
    const createdIn = folderOf(entry.createdIn[0]!);
    const key = `${owner}\0${createdIn}\0${reason === 'unused' ? 'unused' : ''}`;
    const family = families.get(key) ?? { id: '', owner, reason, createdIn, tables: [], others: [] };
    family.tables.push(entry);
    families.set(key, family);
  }

  // Ids: <owner>-tables, told apart by the creating folder when an owner has several families.
  // Unassigned tables last: they are what the reviewer must decide.
  const unassigned = (family: StarterFamily) => (family.reason === 'unused' ? 1 : 0);
  const list = [...families.values()].sort((a, b) => unassigned(a) - unassigned(b) || compare(a.owner, b.owner) || compare(a.createdIn, b.createdIn));
  const used = new Set<string>();
  for (const family of list) {
    const several = list.filter((other) => other.owner === family.owner && other.reason !== 'unused').length > 1;
    const base =
      family.reason === 'unused' ? 'unassigned-tables' : several ? `${family.owner}-${domainId(family.createdIn.split('/').at(-1) || 'root')}` : `${family.owner}-tables`;
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
    used.add(id);
    family.id = id;
    const sites = new Map<string, number>();
    for (const table of family.tables) {
      for (const [domain, n] of [...table.writes, ...table.reads]) if (domain !== family.owner) sites.set(domain, (sites.get(domain) ?? 0) + n);
    }
    family.others = [...sites].map(([domain, n]) => ({ domain, sites: n })).sort((a, b) => compare(a.domain, b.domain));
  }
  const unparsed = facts.filter((file) => file.language === 'sql' && file.sqlErrors.length > 0).map((file) => file.file);
  return { domains, families: list, migrations: migrations.size, unparsed };
}

/** The domain with the most sites (ties: the first by id). */
function top(counts: Map<string, number>): string | undefined {
  return [...counts].sort(([a, x], [b, y]) => y - x || compare(a, b))[0]?.[0];
}

function folderOf(file: string): string {
  const slash = file.lastIndexOf('/');
  return slash < 0 ? '.' : file.slice(0, slash);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The map's YAML text, with comments saying what to review. */
export function renderStarterMap(plan: StarterPlan): string {
  const tableCount = plan.families.reduce((sum, family) => sum + family.tables.length, 0);
  const lines = [
    `# Starter ownership map, written by \`schema-guard init\` from ${count(plan.migrations, 'file')} that create ${count(tableCount, 'table')}.`,
    '# Review it before you rely on it:',
    '#   - domains: one per package or service folder. Merge or split them as teams own the code;',
    '#     `!glob` in folders takes files out, `entry:` lists the files other domains may import.',
    '#   - families: each table went to the domain whose code writes it most, else the one whose folder',
    '#     creates it, else the one that reads it. The note above each family says which; move tables',
    '#     between families where that guess is wrong.',
    '#   - readers: no domain may read another\'s tables yet. Where a read is an agreed contract, list',
    '#     the reading domain in the family\'s `readers`.',
    '# Only ids, folders and tables are required; names, guard rules and the rest have defaults.',
    '# Then run `schema-guard map validate` and `schema-guard check`.',
    'version: 1',
    '',
    'domains:',
  ];
  if (plan.domains.length === 0) lines.push('  {}  # no package, service or src folder with code was found: add domains here');
  for (const domain of plan.domains) lines.push(`  ${domain.id}:`, `    folders: [${yamlString(domainGlob(domain))}]`);
  lines.push('', 'families:');
  if (plan.families.length === 0) lines.push('  []  # no CREATE TABLE was found in the migrations: add families here');
  for (const family of plan.families) {
    lines.push(...familyNote(family).map((note) => `  # ${commentText(note)}`));
    lines.push(`  - id: ${family.id}`, `    targetOwner: ${family.owner}`, '    tables:');
    for (const table of family.tables) lines.push(`      - ${yamlString(mapTableName(table.table))}`);
  }
  if (plan.unparsed.length > 0) {
    lines.push('', `# Statements in ${count(plan.unparsed.length, 'SQL file')} could not be parsed, so tables they create may be missing:`);
    lines.push(...plan.unparsed.slice(0, 20).map((file) => `#   ${commentText(file)}`));
    if (plan.unparsed.length > 20) lines.push(`#   … and ${plan.unparsed.length - 20} more`);
  }
  return `${lines.join('\n')}\n`;
}

/** The folder glob of a starter domain. */
export function domainGlob(domain: StarterDomain): string {
  // A folder name is matched literally, even `(group)` or `[id]`.
  return domain.folder === '' ? '**' : `${domain.folder.replace(/[*?[\]{}()!+@\\]/g, '\\$&')}/**`;
}

function familyNote(family: StarterFamily): string[] {
  const where = family.createdIn === '.' ? 'the root folder' : family.createdIn;
  const why = {
    writes: `owned by ${family.owner}: its code writes these tables most`,
    creates: `owned by ${family.owner}: its folder creates these tables, and no code writes them`,
    reads: `owned by ${family.owner}: no code writes these tables, and ${family.owner} reads them most`,
    unused: `REVIEW: no code uses these tables yet; ${family.owner} is only a placeholder owner`,
  }[family.reason];
  const notes = [`Created in ${where}; ${why}.`];
  if (family.others.length > 0) {
    notes.push(`Also used by ${family.others.map((other) => `${other.domain} (${count(other.sites, 'site')})`).join(', ')}: check reports these; add readers where a read is agreed.`);
  }
  return notes;
}

/** A table name as the map reads it: each part as stored, quoted only around a dot or a quote. */
function mapTableName(table: TableName): string {
  const part = (name: string) => (/[."]/.test(name) || name.trim() !== name || name === '' ? `"${name.replaceAll('"', '""')}"` : name);
  return table.schema === undefined ? part(table.name) : `${part(table.schema)}.${part(table.name)}`;
}

/** A YAML scalar for `text`: plain when YAML cannot read it as anything else, else quoted (double quotes keep control characters). */
function yamlString(text: string): string {
  const plain = /^[A-Za-z_][A-Za-z0-9_.$/*-]*$/.test(text) && !/^(?:true|false|null|yes|no|on|off|y|n)$/i.test(text);
  if (plain) return text;
  return CONTROL.test(text) ? JSON.stringify(text) : `'${text.replaceAll("'", "''")}'`;
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Text for a comment: a name from the repository must not end the comment line. */
function commentText(text: string): string {
  return text.replace(new RegExp(CONTROL.source, 'g'), '?');
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
