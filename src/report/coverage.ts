/**
 * `map coverage`: where the map and the code disagree about what exists. Tables the code or the
 * migrations use that the map does not own, tables the map owns that nothing uses, and folders
 * whose files belong to no domain.
 */
import path from 'node:path';
import { globSync } from 'tinyglobby';
import type { CheckResult } from '../outcome.js';
import { domainOf } from '../verdicts.js';
import type { Operation, UnreadReason } from '../facts/types.js';
import { formatTableName, parseTableName, tableKey } from '../map/names.js';
import { OwnershipIndex, resolveSchemaHoles } from '../map/resolve.js';
import { compareText } from '../order.js';
import { clip, plain } from './inert.js';

export interface UnownedTable {
  table: string;
  operations: Operation[];
  /** Number of statements' references to the table. */
  uses: number;
  files: number;
  firstUse: { file: string; line: number; column: number };
}

export interface UnusedTable {
  table: string;
  family: string;
  owner: string;
}

export interface UnassignedFolder {
  /** A package folder (it holds a package.json), else a top-level folder; `.` for files at the root. */
  folder: string;
  files: number;
  filesWithoutDomain: number;
  example: string;
}

/** What the query sites were: how many, how many read, and each one that could not be read. */
export interface SiteCoverage {
  sites: number;
  read: number;
  byFramework: Record<string, { sites: number; read: number }>;
  unread: Array<{ file: string; line: number; column: number; framework: string; reason: UnreadReason }>;
}

/** Imports of the repository's own code that lead to no file: the code behind them was not analysed. */
export interface ImportCoverage {
  unresolved: number;
  imports: Array<{ file: string; line: number; column: number; specifier: string; reason: string }>;
}

export interface CoverageReport {
  filesScanned: number;
  querySites: SiteCoverage;
  unresolvedImports: ImportCoverage;
  unownedTables: UnownedTable[];
  unusedTables: UnusedTable[];
  foldersWithoutDomain: UnassignedFolder[];
}

export function computeCoverage(result: CheckResult, root: string): CoverageReport {
  const index = new OwnershipIndex(result.loadedMap.map);
  return {
    filesScanned: result.filesScanned,
    querySites: siteCoverage(result),
    unresolvedImports: { unresolved: result.unresolvedImports.length, imports: result.unresolvedImports },
    unownedTables: unownedTables(result, index),
    unusedTables: unusedTables(result, index),
    foldersWithoutDomain: foldersWithoutDomain(result, index, root),
  };
}

function siteCoverage(result: CheckResult): SiteCoverage {
  const byFramework: SiteCoverage['byFramework'] = {};
  let sites = 0;
  let read = 0;
  for (const [framework, count] of Object.entries(result.frameworks)) {
    if (!count?.sites) continue;
    byFramework[framework] = { sites: count.sites, read: count.read };
    sites += count.sites;
    read += count.read;
  }
  return { sites, read, byFramework, unread: result.unreadSites };
}

/** Why a site could not be read, in words. */
const UNREAD_REASONS: Record<UnreadReason, string> = {
  'not-static': 'its SQL is not in the code (a variable, a parameter)',
  unparsed: 'its SQL does not parse',
  assembled: 'its SQL begins with a piece chosen at run time',
  'table-unknown': 'a table or schema it names is chosen at run time',
};

function unownedTables(result: CheckResult, index: OwnershipIndex): UnownedTable[] {
  const byTable = new Map<string, UnownedTable & { fileSet: Set<string> }>();
  for (const facts of result.facts.map((file) => resolveSchemaHoles(file, index))) {
    for (const access of facts.accesses) {
      if (access.synthetic || index.ownerOfTable(access.table)) continue;
      const key = tableKey(access.table);
      let entry = byTable.get(key);
      if (!entry) {
        entry = {
          table: formatTableName(access.table),
          operations: [],
          uses: 0,
          files: 0,
          firstUse: { file: facts.file, line: access.line, column: access.column },
          fileSet: new Set(),
        };
        byTable.set(key, entry);
      }
      if (!entry.operations.includes(access.operation)) entry.operations.push(access.operation);
      entry.uses++;
      entry.fileSet.add(facts.file);
    }
  }
  return [...byTable.values()]
    .map(({ fileSet, ...entry }) => ({ ...entry, operations: entry.operations.sort(), files: fileSet.size }))
    .sort((a, b) => compareText(a.table, b.table));
}

/** Operations that shape a table without using its rows. */
const SCHEMA_ONLY: ReadonlySet<Operation> = new Set(['create', 'alter', 'drop', 'reference']);

function unusedTables(result: CheckResult, index: OwnershipIndex): UnusedTable[] {
  // Only code that reads or writes rows uses a table: a migration that creates or alters it does not.
  const used = new Set(
    result.facts.flatMap((facts) =>
      resolveSchemaHoles(facts, index).accesses.filter((access) => !access.synthetic && !SCHEMA_ONLY.has(access.operation)).map((access) => tableKey(access.table)),
    ),
  );
  return index.map.families
    .flatMap((family) => family.tables.map((table) => ({ table, family: family.id, owner: family.targetOwner })))
    .filter(({ table }) => !used.has(tableKey(parseTableName(table))))
    .sort((a, b) => compareText(a.table, b.table));
}

/** Groups scanned files by package folder and lists the folders holding files in no domain. */
function foldersWithoutDomain(result: CheckResult, index: OwnershipIndex, root: string): UnassignedFolder[] {
  const packages = globSync('**/package.json', { cwd: root, ignore: ['**/node_modules/**', '**/.git/**'], followSymbolicLinks: false })
    .map((file) => path.posix.dirname(file))
    .filter((folder) => folder !== '.')
    // Deepest first, so that a nested package wins over its parent.
    .sort((a, b) => b.length - a.length);
  const folderOf = (file: string) =>
    packages.find((folder) => file.startsWith(`${folder}/`)) ?? (file.includes('/') ? file.slice(0, file.indexOf('/')) : '.');

  const byFolder = new Map<string, UnassignedFolder>();
  for (const facts of result.facts) {
    const folder = folderOf(facts.file);
    let entry = byFolder.get(folder);
    if (!entry) {
      entry = { folder, files: 0, filesWithoutDomain: 0, example: '' };
      byFolder.set(folder, entry);
    }
    entry.files++;
    if (domainOf(facts, index) === undefined) {
      entry.filesWithoutDomain++;
      entry.example ||= facts.file;
    }
  }
  return [...byFolder.values()].filter((entry) => entry.filesWithoutDomain > 0).sort((a, b) => compareText(a.folder, b.folder));
}

export function renderCoverageText(report: CoverageReport, options: { sites?: boolean; imports?: boolean } = {}): string {
  const { querySites } = report;
  const unread = querySites.sites - querySites.read;
  const frameworks = Object.entries(querySites.byFramework).map(([framework, count]) => `${framework} ${count.read}/${count.sites}`).join(', ');
  const sitesTitle = `Query sites read: ${querySites.read} of ${querySites.sites}${frameworks ? ` (${frameworks})` : ''}; ${unread} unread`;
  const sections = [
    options.sites
      ? section(
          sitesTitle,
          ['SITE', 'FRAMEWORK', 'WHY UNREAD'],
          querySites.unread.map((site) => [`${site.file}:${site.line}:${site.column}`, site.framework, UNREAD_REASONS[site.reason]]),
        )
      : `${sitesTitle}${unread > 0 ? ' (--sites lists them)' : ''}\n`,
    importsSection(report.unresolvedImports, options.imports === true),
    section(
      `Tables the code or migrations use that the map does not own (${report.unownedTables.length})`,
      ['TABLE', 'OPERATIONS', 'USES', 'FILES', 'FIRST USE'],
      report.unownedTables.map((t) => [t.table, t.operations.join(', '), String(t.uses), String(t.files), `${t.firstUse.file}:${t.firstUse.line}:${t.firstUse.column}`]),
    ),
    section(
      `Tables the map owns that nothing uses (${report.unusedTables.length})`,
      ['TABLE', 'FAMILY', 'OWNER'],
      report.unusedTables.map((t) => [t.table, t.family, t.owner]),
    ),
    section(
      `Folders with files in no domain (${report.foldersWithoutDomain.length})`,
      ['FOLDER', 'FILES IN NO DOMAIN', 'FOR EXAMPLE'],
      report.foldersWithoutDomain.map((f) => [f.folder, `${f.filesWithoutDomain} of ${f.files}`, f.example]),
    ),
  ];
  return `${sections.join('\n')}\n${report.filesScanned} file${report.filesScanned === 1 ? '' : 's'} scanned.\n`;
}

/** The count of imports that lead to no file; with --imports, each one and why (the repository's text, made inert). */
function importsSection(coverage: ImportCoverage, list: boolean): string {
  const title = `Imports of the repository's own code that lead to no file: ${coverage.unresolved}`;
  if (!list) return `${title}${coverage.unresolved > 0 ? ' (--imports lists them)' : ''}\n`;
  return section(
    title,
    ['IMPORT', 'SPECIFIER', 'WHY UNRESOLVED'],
    coverage.imports.map((entry) => [plain(`${entry.file}:${entry.line}:${entry.column}`), plain(clip(entry.specifier, 120)), plain(clip(entry.reason, 300))]),
  );
}

export function renderCoverageJson(report: CoverageReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

function section(title: string, headers: string[], rows: string[][]): string {
  return rows.length === 0 ? `${title}\n  none\n` : `${title}\n${formatTable(headers, rows)}`;
}

/** Left-aligned columns, two spaces apart, indented by two. */
function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `  ${cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')}`;
  return `${[headers, ...rows].map(line).join('\n')}\n`;
}
