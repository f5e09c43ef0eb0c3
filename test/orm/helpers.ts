import { readFileSync } from 'node:fs';
import path from 'node:path';
import { discoverFiles, discoverManifests, discoverPrismaSchemas } from '../../src/discover/files.js';
import { extractFile } from '../../src/extract/file.js';
import { collectRepoSymbols } from '../../src/extract/orm/collect.js';
import { SourceTexts } from '../../src/extract/read-source.js';
import type { RepoSymbols } from '../../src/extract/orm/symbols.js';
import { ImportResolver } from '../../src/extract/resolve-imports.js';
import type { FileFacts, TableAccessFact } from '../../src/facts/types.js';
import { createSqlAnalyzer } from '../../src/sql/index.js';
import { writeRepo } from '../helpers.js';

/** The repository pre-pass over a repository on disk, as check runs it. */
export function symbolsOf(root: string): Promise<RepoSymbols> {
  const files = discoverFiles({ root });
  return collectRepoSymbols({
    files: files.filter((file) => !file.endsWith('.sql')),
    prismaSchemas: discoverPrismaSchemas({ root }),
    resolver: new ImportResolver(root, files, discoverManifests(root)),
    readText: (file) => new SourceTexts(root).read(file),
  });
}

/** The facts of `file` in a small repository written from `files`, with the repository's symbol table. */
export async function factsOf(files: Record<string, string>, file: string): Promise<FileFacts> {
  const root = writeRepo(files);
  const analyzer = await createSqlAnalyzer();
  return extractFile(file, readFileSync(path.join(root, file), 'utf8'), { analyzer, symbols: await symbolsOf(root) });
}

/** "framework operation table line:column"; an unresolved access shows `?` and the expression as written. */
export function describeAccess(access: TableAccessFact): string {
  const table = access.table.schema ? `${access.table.schema}.${access.table.name}` : access.table.name;
  return `${access.framework} ${access.operation} ${access.synthetic ? '?' : ''}${table} ${access.line}:${access.column}`;
}

/** The accesses of `file`, described. */
export async function accessesOf(files: Record<string, string>, file: string): Promise<string[]> {
  return (await factsOf(files, file)).accesses.map(describeAccess);
}

/** The accesses of `file` grouped by statement, each as "operation table". */
export async function statementsOf(files: Record<string, string>, file: string): Promise<string[][]> {
  const groups = new Map<number, string[]>();
  for (const access of (await factsOf(files, file)).accesses) {
    const group = groups.get(access.statement) ?? [];
    group.push(`${access.operation} ${access.table.schema ? `${access.table.schema}.` : ''}${access.table.name}`);
    groups.set(access.statement, group);
  }
  return [...groups.values()];
}
