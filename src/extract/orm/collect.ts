/**
 * The repository pre-pass: builds the symbol table the per-file ORM pass reads. A text test picks
 * the candidate files (those that import a framework, name a client conventionally or re-export
 * something) and only they are parsed, by classify-candidates.ts. Prisma models come from .prisma files.
 *
 * With a cache folder, each file's text test is kept under the file's stats, and the symbol table
 * under a key of everything it is made from: the candidates' content, the bare specifiers in use,
 * the resolver's view of the repository and the Prisma schemas. A re-run in which none of that
 * changed reads no source file and loads no parser.
 */
import { createHash } from 'node:crypto';
import { type CacheFolder, isRecord } from '../../cache/folder.js';
import { contentHash } from '../../cache/freshness.js';
import { codeSalt } from '../../cache/tool-digest.js';
import type { ImportResolver } from '../resolve-imports.js';
import { frameworkOfPackage } from './packages.js';
import { readPrismaModels } from './prisma-schema.js';
import { RepoSymbols, type RepoSymbolData } from './symbols.js';

export interface SymbolSources {
  /** Every TypeScript/JavaScript file of the repository: symbols come from the whole root even when a scan is narrowed. */
  files: string[];
  /** The repository's .prisma files. */
  prismaSchemas: string[];
  resolver: ImportResolver;
  /** A repository file's text, or undefined when it cannot be read (the scan reports that itself): SourceTexts.read. */
  readText(file: string): string | undefined;
  /** Where the pre-pass of the last run is kept, and each file's statKey() (taken once per run: the facts cache asks too); none when undefined. */
  cache?: { folder: CacheFolder; statOf(file: string): string | undefined };
}

/** Words without which a file declares no framework binding (package names, PrismaClient, the knex convention). */
const FRAMEWORK_WORDS = ['knex', 'kysely', 'drizzle-orm', 'prisma', 'Prisma', 'typeorm'];
/** `export * from`, `export { … }`, `export default name;`: a file that may pass on another's bindings. */
const REEXPORT = /\bexport\s*(?:type\s+)?[*{]|\bexport\s+default\s+[\w$]+\s*;?\s*$/m;
/** Bare import specifiers (`from '@acme/db'`, `require('@acme/db')`, `import('@acme/db')`). */
const BARE_SPECIFIER = /(?:\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"\s.][^'"\s]*)\1/g;
const CACHE_FILE = 'prepass.json';
/** A file that exports a declaration a wrapper could be: `export class`, `export interface`, `export type X =`, `export function`, `export const f = (`. */
const EXPORTED_DECLARATION = /\bexport\s+(?:default\s+)?(?:abstract\s+)?(?:class|interface|type\s+\w+\s*(?:<[^>]*>)?\s*=|(?:async\s+)?function|const\s+\w+\s*(?::[^=]+)?=\s*(?:async\s*)?\()/;
/** Relative import specifiers (`from './db'`, `import('../x')`). */
const RELATIVE_SPECIFIER = /(?:\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"\s]*)\1/g;
/** Kysely's plugin that maps the code's camelCase names to the database's snake_case ones. */
const CAMEL_CASE_PLUGIN = /\bnew\s+CamelCasePlugin\s*\(/;

/** What the pre-pass needs of one file, without its text. */
interface FileSummary {
  /** Parsed for its exports. */
  candidate: boolean;
  /**
   * Its imports of other repository files (relative specifiers), when it exports a class, interface, type
   * alias or function: such a file is parsed too when one of those imports leads to a parsed file, so that
   * `interface Ctx { db: DB }` or `getDb(): DB` written beside the client's file is known.
   */
  relative?: string[];
  /** A parsed file's content hash (the symbol table depends on a parsed file's whole text, on other files only through `bare`). */
  hash?: string;
  /** The bare specifiers it imports. */
  bare: string[];
  /** statKey() when the summary was made, if trustworthy. */
  stat?: string;
}

interface StoredPrepass {
  files: Record<string, FileSummary>;
  symbols?: { key: string; data: RepoSymbolData };
}

export async function collectRepoSymbols(sources: SymbolSources): Promise<RepoSymbols> {
  const stored = sources.cache && readStored(sources.cache.folder);
  const summaries: Record<string, FileSummary> = {};
  const texts = new Map<string, string>();
  let changed = stored === undefined;
  // Files whose summary is the same under new stats (touched, saved again): re-read next time unless
  // the pre-pass is written anyway, which rewriting its megabytes for one edited file is not worth.
  let restated = 0;
  for (const file of sources.files) {
    const stat = sources.cache?.statOf(file);
    const known = stored && Object.hasOwn(stored.files, file) ? stored.files[file] : undefined;
    if (stat !== undefined && known?.stat === stat) {
      summaries[file] = known;
      continue;
    }
    const text = sources.readText(file);
    if (text === undefined) continue;
    const summary = (summaries[file] = summarize(text, stat));
    // Only candidates are parsed: the text of every other file is let go at once.
    if (summary.candidate || summary.relative) texts.set(file, text);
    // A summary recorded without stats gets them as soon as they can be trusted.
    if (known?.stat !== undefined && sameContent(known, summary)) restated++;
    else changed = true;
  }
  if (restated > RESTATED_LIMIT) changed = true;
  if (stored && Object.keys(stored.files).length !== Object.keys(summaries).length) changed = true;

  const prismaFiles = sources.prismaSchemas.flatMap((file) => {
    const text = sources.readText(file);
    return text === undefined ? [] : [{ file, text }];
  });
  const key = symbolsKey(summaries, sources.resolver, prismaFiles);
  let data = stored?.symbols?.key === key ? stored.symbols.data : undefined;
  if (!data) {
    data = await buildSymbols(summaries, texts, sources, prismaFiles);
    changed = true;
  }
  // A cache folder that cannot be written is reported once, by the facts cache that shares it.
  if (sources.cache && changed) sources.cache.folder.write([{ name: CACHE_FILE, salt: codeSalt(sources.cache.folder), content: { files: summaries, symbols: { key, data } } }]);
  return new RepoSymbols(data);
}

/** How many files may be re-read each run, their summary unchanged under new stats, before the pre-pass records their stats. */
const RESTATED_LIMIT = 64;

/** The same summary, whatever the stats. */
function sameContent(a: FileSummary, b: FileSummary): boolean {
  return a.candidate === b.candidate && a.hash === b.hash && a.bare.join('\0') === b.bare.join('\0') && (a.relative ?? []).join('\0') === (b.relative ?? []).join('\0');
}

function summarize(text: string, stat: string | undefined): FileSummary {
  const bare = new Set<string>();
  for (const match of text.matchAll(BARE_SPECIFIER)) bare.add(match[2]!);
  const candidate = FRAMEWORK_WORDS.some((word) => text.includes(word)) || REEXPORT.test(text);
  const relative = !candidate && EXPORTED_DECLARATION.test(text) ? [...new Set([...text.matchAll(RELATIVE_SPECIFIER)].map((match) => match[2]!))].sort() : [];
  return {
    candidate,
    ...(relative.length > 0 ? { relative } : {}),
    ...(candidate || relative.length > 0 ? { hash: contentHash(text) } : {}),
    bare: [...bare].sort(),
    ...(stat === undefined ? {} : { stat }),
  };
}

/** How many imports away from a framework file a wrapper's file may be and still be parsed. */
const MAX_WRAPPER_DEPTH = 3;

/** The files to parse: the candidates, and the files that declare wrappers around what they export (up to MAX_WRAPPER_DEPTH imports away). */
function filesToParse(summaries: Record<string, FileSummary>, resolver: ImportResolver): Set<string> {
  const parsed = new Set(Object.entries(summaries).filter(([, summary]) => summary.candidate).map(([file]) => file));
  const wrappers = Object.entries(summaries).filter(([, summary]) => summary.relative !== undefined);
  for (let depth = 0; depth < MAX_WRAPPER_DEPTH; depth++) {
    const added = wrappers.filter(([file, summary]) => !parsed.has(file) && summary.relative!.some((specifier) => {
      const target = resolver.resolve(file, specifier);
      return target !== undefined && parsed.has(target);
    }));
    if (added.length === 0) break;
    for (const [file] of added) parsed.add(file);
  }
  return parsed;
}

/** The symbol table, parsing the candidates (read now when their summary came from the cache). */
async function buildSymbols(
  summaries: Record<string, FileSummary>,
  texts: Map<string, string>,
  sources: SymbolSources,
  prismaFiles: Array<{ file: string; text: string }>,
): Promise<RepoSymbolData> {
  const candidates = new Map<string, string>();
  const parsed = filesToParse(summaries, sources.resolver);
  for (const file of Object.keys(summaries)) {
    if (!parsed.has(file)) continue;
    const text = texts.get(file) ?? sources.readText(file);
    if (text !== undefined) candidates.set(file, text);
  }
  // The TypeScript parser is loaded only here: a run whose symbol table is cached never pays for it.
  const { classifyCandidates } = await import('./classify-candidates.js');
  const { exports, entities } = classifyCandidates(candidates, sources.resolver);
  const specifiers: Record<string, string> = {};
  for (const specifier of bareSpecifiers(summaries)) {
    if (frameworkOfPackage(specifier)) continue;
    const target = sources.resolver.resolve('', specifier);
    if (target !== undefined && Object.hasOwn(exports, target)) specifiers[specifier] = target;
  }
  const kyselyCamelCase = [...candidates.values()].some((text) => CAMEL_CASE_PLUGIN.test(text));
  return { exports, entities, prismaModels: readPrismaModels(prismaFiles), specifiers, ...(kyselyCamelCase ? { kyselyCamelCase } : {}) };
}

function bareSpecifiers(summaries: Record<string, FileSummary>): string[] {
  return [...new Set(Object.values(summaries).flatMap((summary) => summary.bare))].sort();
}

/** A digest of everything the symbol table is made from. */
function symbolsKey(summaries: Record<string, FileSummary>, resolver: ImportResolver, prismaFiles: Array<{ file: string; text: string }>): string {
  const hash = createHash('sha256').update(codeSalt()).update('\0').update(resolver.fingerprint);
  // Every file that may be parsed: a wrapper's file counts whether or not its imports reach a parsed file today.
  for (const [file, summary] of Object.entries(summaries)) if (summary.hash !== undefined) hash.update(`\0c\0${file}\0${summary.hash}`);
  for (const specifier of bareSpecifiers(summaries)) hash.update(`\0b\0${specifier}`);
  for (const { file, text } of prismaFiles) hash.update(`\0p\0${file}\0${contentHash(text)}`);
  return hash.digest('base64url');
}

/** The stored pre-pass, shape-checked (a damaged one is no pre-pass), or undefined. */
function readStored(cache: CacheFolder): StoredPrepass | undefined {
  const stored = cache.read(CACHE_FILE, codeSalt(cache));
  if (!stored || !isRecord(stored.files)) return undefined;
  const files: Record<string, FileSummary> = {};
  for (const [file, summary] of Object.entries(stored.files)) {
    if (isSummary(summary)) files[file] = summary;
  }
  const symbols = stored.symbols;
  const data = isRecord(symbols) && typeof symbols.key === 'string' && isSymbolData(symbols.data) ? { key: symbols.key, data: symbols.data } : undefined;
  return { files, ...(data ? { symbols: data } : {}) };
}

function isSummary(value: unknown): value is FileSummary {
  return (
    isRecord(value) &&
    typeof value.candidate === 'boolean' &&
    (value.relative === undefined || (Array.isArray(value.relative) && value.relative.every((specifier) => typeof specifier === 'string'))) &&
    (value.hash === undefined || typeof value.hash === 'string') &&
    Array.isArray(value.bare) &&
    value.bare.every((specifier) => typeof specifier === 'string') &&
    (value.stat === undefined || typeof value.stat === 'string')
  );
}

function isSymbolData(value: unknown): value is RepoSymbolData {
  return isRecord(value) && isRecord(value.exports) && isRecord(value.entities) && Array.isArray(value.prismaModels) && isRecord(value.specifiers);
}
