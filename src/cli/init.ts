/**
 * `schema-guard init`: writes a starter ownership-map.yaml (map/starter.ts) from the repository's
 * folders and the tables its migrations create, found by the same extraction `check` runs. It never
 * overwrites a map.
 */
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { domainGlob, planStarterMap, renderStarterMap, starterDomains, type StarterDomain } from '../map/starter.js';
import { locate, MAP_FILE_NAME, repositoryRoot } from './locate.js';
import type { CliIO } from './main.js';

interface InitFlags {
  root?: string;
  map?: string;
  quiet?: boolean;
}

export async function runInit(flags: InitFlags, io: CliIO): Promise<number> {
  const cwd = process.cwd();
  const { root, mapFile } =
    flags.root !== undefined
      ? locate(flags, 'init', cwd)
      : { root: repositoryRoot(cwd) ?? cwd, mapFile: path.resolve(cwd, flags.map ?? path.join(repositoryRoot(cwd) ?? cwd, MAP_FILE_NAME)) };
  const shown = displayPath(mapFile, cwd);
  if (exists(mapFile)) throw refuseOverwrite(shown);

  const { discoverFiles } = await import('../discover/files.js');
  const domains = starterDomains(discoverFiles({ root }), workspaceFolders(root));
  const { runCheck } = await import('../check.js');
  const { OwnershipIndex } = await import('../map/resolve.js');
  // The same extraction as check's, with a map of the domains alone: every table access, no cache written.
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'schema-guard-init-'));
  let text: string;
  let plan: ReturnType<typeof planStarterMap>;
  try {
    const provisional = path.join(scratch, MAP_FILE_NAME);
    writeFileSync(provisional, provisionalMap(domains));
    const result = await runCheck({ root, mapFile: provisional, rules: ['sql-parse-error'] });
    const index = new OwnershipIndex(result.loadedMap.map);
    plan = planStarterMap(domains, result.facts, (file) => index.domainOfFile(file));
    text = renderStarterMap(plan);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  // What init writes must load: a map it cannot read back would be a poor start.
  const { parseOwnershipMap } = await import('../map/load.js');
  parseOwnershipMap(mapFile, text);
  try {
    // 'wx': never over a file, or a link, that appeared meanwhile.
    writeFileSync(mapFile, text, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw refuseOverwrite(shown);
    throw new UsageError(`Cannot write ${shown}: ${(error as Error).message}.`);
  }
  if (!flags.quiet) {
    const tables = plan.families.reduce((sum, family) => sum + family.tables.length, 0);
    io.stdout.write(
      `Wrote ${shown}: ${count(plan.domains.length, 'domain')} (${plan.domains.map((d) => d.id).join(', ') || 'none'}), ` +
        `${count(plan.families.length, 'family', 'families')} holding ${count(tables, 'table')} from ${count(plan.migrations, 'file')} that create them.\n` +
        `Review the comments in it, then run: schema-guard check\n`,
    );
  }
  return 0;
}

function refuseOverwrite(shown: string): UsageError {
  return new UsageError(`${shown} already exists: init never overwrites a map. Check it with \`schema-guard map validate\`, or write a new one elsewhere with --map.`);
}

function exists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return existsSync(file);
  }
}

/** A map of the domains alone, for the extraction. */
function provisionalMap(domains: StarterDomain[]): string {
  const entries = domains.map((domain) => `  ${domain.id}: { folders: [${JSON.stringify(domainGlob(domain))}] }`);
  return `version: 1\ndomains:\n${entries.length ? entries.join('\n') : '  {}'}\nfamilies: []\n`;
}

/** The folders whose sub-folders the root package.json's workspaces (`dir/*`) name. */
function workspaceFolders(root: string): string[] {
  try {
    const file = path.join(root, 'package.json');
    // The repository is untrusted: a regular file of sane size, not a link out of it.
    const stats = lstatSync(file);
    if (!stats.isFile() || stats.size > 1_000_000) return [];
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { workspaces?: unknown };
    const patterns = Array.isArray(manifest.workspaces) ? manifest.workspaces : (manifest.workspaces as { packages?: unknown } | undefined)?.packages;
    if (!Array.isArray(patterns)) return [];
    return patterns.flatMap((pattern) => (typeof pattern === 'string' && /^[^*!]+\/\*$/.test(pattern) && !pattern.slice(0, -2).includes('/') ? [pattern.slice(0, -2)] : []));
  } catch {
    return [];
  }
}

function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative.split(path.sep).join('/') : file;
}

function count(n: number, word: string, plural = `${word}s`): string {
  return `${n} ${n === 1 ? word : plural}`;
}
