/**
 * `map coverage`: where the map and the code disagree about what exists. Tables the code or the
 * migrations use that the map does not own, tables the map owns that nothing uses, and folders
 * whose files belong to no domain.
 */
import path from 'node:path';
import { globSync } from 'tinyglobby';
import type { CheckResult } from '../outcome.js';
import { domainOf } from '../verdicts.js';
import type { Operation } from '../facts/types.js';
import { formatTableName, parseTableName, tableKey } from '../map/names.js';
import { OwnershipIndex } from '../map/resolve.js';
import { compareText } from '../order.js';

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

export interface CoverageReport {
  filesScanned: number;
  unownedTables: UnownedTable[];
  unusedTables: UnusedTable[];
  foldersWithoutDomain: UnassignedFolder[];
}

export function computeCoverage(result: CheckResult, root: string): CoverageReport {
  const index = new OwnershipIndex(result.loadedMap.map);
  return {
    filesScanned: result.filesScanned,
    unownedTables: unownedTables(result, index),
    unusedTables: unusedTables(result, index),
    foldersWithoutDomain: foldersWithoutDomain(result, index, root),
  };
}

function unownedTables(result: CheckResult, index: OwnershipIndex): UnownedTable[] {
  const byTable = new Map<string, UnownedTable & { fileSet: Set<string> }>();
  for (const facts of result.facts) {
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

function unusedTables(result: CheckResult, index: OwnershipIndex): UnusedTable[] {
  const used = new Set(result.facts.flatMap((facts) => facts.accesses.map((access) => tableKey(access.table))));
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

export function renderCoverageText(report: CoverageReport): string {
  const sections = [
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
