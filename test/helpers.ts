import { createHmac } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { userCacheHome } from '../src/cache/folder.js';
import { runCheck } from '../src/check.js';
import { loadOwnershipMap } from '../src/map/load.js';
import { MapError, type LoadedMap } from '../src/map/map-file.js';
import { main } from '../src/cli/main.js';
import type { Finding } from '../src/rules/finding.js';
import { temporaryFolder } from './temporary.js';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const ROOT_MAP = path.join(REPO_ROOT, 'ownership-map.yaml');

/** Writes files into a fresh temporary repository and returns its root. */
export function writeRepo(files: Record<string, string>): string {
  const root = temporaryFolder('schema-guard-test-');
  for (const [file, content] of Object.entries(files)) {
    const absolute = path.join(root, file);
    mkdirSync(path.dirname(absolute), { recursive: true });
    writeFileSync(absolute, content);
  }
  return root;
}

/** Runs the whole pipeline on a small repository written from `files`, with the root map unless given. */
export async function guard(files: Record<string, string>, options: { map?: string; rules?: string[]; today?: string } = {}): Promise<Finding[]> {
  const root = writeRepo(files);
  const result = await runCheck({ root, mapFile: options.map ?? ROOT_MAP, rules: options.rules, today: options.today });
  return result.findings;
}

/** The essentials of findings, for compact assertions: "rule file:line:column table". */
export function brief(findings: Finding[]): string[] {
  return findings.map((f) => `${f.ruleId} ${f.file}:${f.line}:${f.column}${f.table ? ' ' + f.table : ''}`);
}

/** The CLI's own entry point, in-process with captured output (a child process costs a second of compiler loading). */
export async function runCli(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const exitCode = await main(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { exitCode, stdout, stderr };
}

/** Loads a map written from `text` into a fresh temporary file. */
export function loadMapText(text: string): LoadedMap {
  const file = path.join(temporaryFolder('schema-guard-map-'), 'ownership-map.yaml');
  writeFileSync(file, text);
  return loadOwnershipMap(file);
}

/** The loader's messages for a map it must reject, as `line:column: path: message`. */
export function mapProblems(text: string): string[] {
  try {
    loadMapText(text);
  } catch (error) {
    if (!(error instanceof MapError)) throw error;
    return error.message.split('\n').map((line) => line.slice(error.file.length + 1));
  }
  throw new Error('expected the map to be rejected');
}

/** A cache file's JSON, without the line that authenticates it. */
export function readCacheJson<T = Record<string, unknown>>(file: string): T {
  const bytes = readFileSync(file);
  return JSON.parse(bytes.subarray(bytes.indexOf(10) + 1).toString('utf8')) as T;
}

/** Writes a cache file as schema-guard would (a string as it is), authenticated with this user's key (a run must have made it). */
export function writeCacheJson(file: string, value: unknown): void {
  const key = readFileSync(path.join(userCacheHome(), 'schema-guard', 'key'));
  const body = Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
  const mac = createHmac('sha256', key).update(path.basename(file)).update('\0').update(body).digest('hex');
  writeFileSync(file, Buffer.concat([Buffer.from(mac + '\n'), body]));
}
