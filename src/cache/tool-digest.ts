/**
 * What cached results were made by: the tool's version, its own code and rule pages, and the
 * versions of its dependencies. A rebuilt or upgraded tool never takes what an older one cached.
 *
 * Hashing every file of the tool's code took ~20 ms of each run, a tenth of a warm re-run. With a
 * cache folder the hashes are kept there (code.json) with the stats of the files and of the folders
 * they sit in, and taken from there while none of those stats moved: a rewritten file moves its
 * own, an added or removed one its folder's. Dependency versions are read on every run (a file
 * each); so is the memo: it is checked against the files, never trusted alone.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqlParserName } from '../sql/index.js';
import { TOOL_VERSION } from '../version.js';
import { type CacheFolder, FORMAT } from './folder.js';
import { directoryStatKey, statKey } from './freshness.js';

const codeRoot = fileURLToPath(new URL('..', import.meta.url));
const packageRoot = path.dirname(codeRoot);
const rulesRoot = path.join(packageRoot, 'rules');
/** The folders of the code that makes facts, and of the facts cache. */
const EXTRACTION_FOLDERS = ['extract', 'sql', 'facts', 'cache'];
const MEMO = 'code.json';

/**
 * What every entry of the facts cache was made by: codeSalt() and the SQL parser chosen.
 * `folder` (here and below): where the hashes of the code may be kept (see above); the digests are
 * computed once per process.
 */
export function cacheSalt(sqlParser: SqlParserName, folder?: CacheFolder): string {
  return createHash('sha256').update(`${codeSalt(folder)}\0${sqlParser}`).digest('base64url');
}

let codeSaltValue: string | undefined;

/** The tool version, the parsers' versions and the extraction code: what any cached fact was made by. */
export function codeSalt(folder?: CacheFolder): string {
  if (codeSaltValue) return codeSaltValue;
  const hash = createHash('sha256').update(`${FORMAT}\0${TOOL_VERSION}\0`);
  for (const dependency of ['ts-morph', 'libpg-query', 'pgsql-ast-parser']) hash.update(`${dependency}@${dependencyVersion(dependency)}\0`);
  return (codeSaltValue = hash.update(codeHashes(folder).extraction).digest('base64url'));
}

let toolDigestValue: string | undefined;

/**
 * What a whole run's outcome was made by, beyond codeSalt(): all of the tool's code, the rule pages
 * (they give the levels) and the versions of every dependency (the map's YAML parser among them).
 */
export function toolDigest(folder?: CacheFolder): string {
  if (toolDigestValue) return toolDigestValue;
  const hash = createHash('sha256').update(codeSalt(folder)).update(codeHashes(folder).rest);
  const manifest = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  for (const dependency of Object.keys(manifest.dependencies ?? {}).sort()) hash.update(`${dependency}@${dependencyVersion(dependency)}\0`);
  return (toolDigestValue = hash.digest('base64url'));
}

/** The content hashes of the extraction code and of the rest (the other code and the rule pages). */
interface CodeHashes {
  extraction: string;
  rest: string;
}

/** code.json: the hashes, and the stats they were taken under (absolute paths and statKey / directoryStatKey). */
interface Memo extends CodeHashes {
  files: Array<[string, string]>;
  folders: Array<[string, string]>;
}

let hashesValue: CodeHashes | undefined;

function codeHashes(folder: CacheFolder | undefined): CodeHashes {
  if (hashesValue) return hashesValue;
  // The memo's salt names this copy of the tool; its stats say whether the copy changed.
  const salt = `${FORMAT}\0${TOOL_VERSION}\0${codeRoot}`;
  const kept = folder?.read(MEMO, salt);
  if (kept && isMemo(kept) && kept.folders.every(([dir, stat]) => directoryStatKey(dir) === stat) && kept.files.every(([file, stat]) => statKey(file) === stat)) {
    return (hashesValue = { extraction: kept.extraction, rest: kept.rest });
  }
  const memo = hashCode();
  // Stats too recent to trust (a build that just ended) are not kept: the next run hashes again.
  if (folder && memo.files.every(([, stat]) => stat !== '') && memo.folders.every(([, stat]) => stat !== '')) {
    folder.write([{ name: MEMO, salt, content: { ...memo } }]);
  }
  return (hashesValue = { extraction: memo.extraction, rest: memo.rest });
}

/** Reads and hashes the tool's code (.js, or .ts when run from its sources) and rule pages, noting their stats. */
function hashCode(): Memo {
  const files: Array<[string, string]> = [];
  const folders: Array<[string, string]> = [];
  const extraction = createHash('sha256');
  const rest = createHash('sha256');
  const visit = (dir: string, relative: string, hash: (relative: string) => ReturnType<typeof createHash>, take: (name: string) => boolean) => {
    folders.push([dir, directoryStatKey(dir) ?? '']);
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      const absolute = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(absolute, name, hash, take);
      else if (entry.isFile() && take(entry.name)) {
        // The stats before the read: a change while reading shows next time.
        files.push([absolute, statKey(absolute) ?? '']);
        hash(name).update(name).update(readFileSync(absolute));
      }
    }
  };
  const isCode = (name: string) => /\.(js|ts)$/.test(name);
  visit(codeRoot, '', (name) => (EXTRACTION_FOLDERS.includes(name.split('/')[0]!) ? extraction : rest), isCode);
  visit(rulesRoot, 'rules', () => rest, () => true);
  return { extraction: extraction.digest('base64url'), rest: rest.digest('base64url'), files, folders };
}

function isMemo(value: Record<string, unknown>): value is Record<string, unknown> & Memo {
  const pairs = (list: unknown) => Array.isArray(list) && list.every((pair) => Array.isArray(pair) && pair.length === 2 && pair.every((part) => typeof part === 'string'));
  return typeof value.extraction === 'string' && typeof value.rest === 'string' && pairs(value.files) && pairs(value.folders);
}

/**
 * The installed version of a dependency: from the package's own node_modules when it is there (a
 * file read, where resolving it as a module costs ~1 ms each), else as Node resolves it; `?` when
 * neither finds it.
 */
function dependencyVersion(name: string): string {
  const read = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version;
  try {
    const version = read(path.join(packageRoot, 'node_modules', name, 'package.json'));
    if (typeof version === 'string') return version;
  } catch {
    // not installed beside the package: hoisted, as when the tool is itself a dependency
  }
  try {
    const version = read(createRequire(import.meta.url).resolve(`${name}/package.json`));
    return typeof version === 'string' ? version : '?';
  } catch {
    return '?'; // or a package that does not export its manifest
  }
}
