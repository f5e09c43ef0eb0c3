/**
 * The pipeline, in order: discover files → extract facts → evaluate rules → filter → (report, by the caller).
 */
import path from 'node:path';
import { discoverFiles, discoverPrismaSchemas } from './discover/files.js';
import { filesOfShard, type Shard } from './discover/shard.js';
import { CacheFolder, statKey } from './extract/cache.js';
import { collectRepoSymbols } from './extract/orm/collect.js';
import { SourceTexts } from './extract/read-source.js';
import { extractAll } from './extract/run.js';
import { ImportResolver } from './extract/resolve-imports.js';
import type { FileFacts } from './facts/types.js';
import { applyBaseline, type BaselineEntry } from './filter/baseline.js';
import { auditExceptions } from './filter/exception-audit.js';
import { applyExceptions } from './filter/exceptions.js';
import { applySuppressions } from './filter/suppressions.js';
import { loadOwnershipMap, type LoadedMap } from './map/load.js';
import { OwnershipIndex } from './map/resolve.js';
import { completeFindings, evaluateFile, evaluateRepo } from './rules/engine.js';
import type { Finding } from './rules/finding.js';
import { getRuleCatalog, getRuleMeta } from './rules/catalog.js';
import type { RuleContext } from './rules/rule.js';
import type { SqlParserName } from './sql/index.js';
import { frameworkCounts, type Notification, type Summary } from './report/summary.js';
import { ResultCache, type RunInputs } from './result-cache.js';

export interface CheckOptions {
  root: string;
  mapFile: string;
  paths?: string[];
  sqlParser?: SqlParserName;
  /** Run only these rule ids. */
  rules?: string[];
  /** YYYY-MM-DD, for exception expiry. */
  today?: string;
  /** Analyse only the files changed since this git ref; a change to the map means a full run. */
  changedSince?: string;
  /** Entries of the baseline file: findings get a `baselineState`, and recorded ones that no longer occur come back as `absent`. */
  baseline?: BaselineEntry[];
  /** Called as files are analysed, for a progress indicator. */
  onProgress?: (done: number, total: number) => void;
  /** Scan only this part of the files (`--shard i/n`). */
  shard?: Shard;
  /** Where facts (and for runCheckOrReuse the outcome) are cached between runs (none when undefined); `confineTo`: write it only if it really lies inside that folder. */
  cache?: { dir: string; confineTo?: string };
  /** Worker threads for extraction; undefined decides by the number of files and cores. */
  threads?: number;
}

/** What a check finds, without the facts it found it in and the findings exceptions waived: what the reports need (see runCheckOrReuse). */
export interface CheckOutcome {
  findings: Finding[];
  filesScanned: number;
  notifications: Notification[];
  loadedMap: LoadedMap;
  /** True when every file and rule ran: no paths, --rule or --changed-since narrowed the run. */
  fullRun: boolean;
  /** With a baseline: its recorded findings this run could have seen and did not, with how many are missing. */
  absent?: BaselineEntry[];
  /** Table accesses by framework, for the summary. */
  frameworks: Summary['frameworks'];
}

export interface CheckResult extends CheckOutcome {
  facts: FileFacts[];
  /** The findings a map exception waived, with its id. */
  waived: Array<{ finding: Finding; exception: string }>;
}

export async function runCheck(options: CheckOptions): Promise<CheckResult> {
  return analyse(await prepareRun(options), options);
}

/**
 * runCheck for the reports: when the cache holds the outcome of a run whose inputs all equal this
 * one's, that outcome, without analysing anything (result-cache.ts); else runCheck, recorded.
 */
export async function runCheckOrReuse(options: CheckOptions): Promise<CheckOutcome> {
  const run = await prepareRun(options);
  const results = run.cacheFolder && options.changedSince === undefined ? ResultCache.of(run.cacheFolder, runInputs(run, options)) : undefined;
  const reused = results?.load((answers) => run.resolver.answersStill(answers));
  if (reused) return { ...reused, loadedMap: run.loadedMap };
  const { facts: _facts, waived: _waived, loadedMap, ...outcome } = await analyse(run, options);
  const problem = results?.save(outcome, run.resolver.diskAnswers());
  if (problem) outcome.notifications.push({ level: 'note', message: `The result was not cached: ${problem}.` });
  return { ...outcome, loadedMap };
}

type PreparedRun = Awaited<ReturnType<typeof prepareRun>>;

/** The map, the files and their stats, the import resolver and the cache folder: what a run needs before it reads a source file. */
async function prepareRun(options: CheckOptions) {
  const root = path.resolve(options.root);
  const loadedMap = loadOwnershipMap(options.mapFile);
  const selection = await selectFiles(root, loadedMap, options);
  const resolver = new ImportResolver(root, selection.repositoryFiles);
  const cacheFolder = options.cache && new CacheFolder(options.cache.dir, options.cache.confineTo);
  // Both caches ask for a file's stats; taken once, before either reads the file.
  const stats = new Map<string, string | undefined>();
  const statOf = (file: string) => {
    if (!stats.has(file)) stats.set(file, statKey(path.join(root, file)));
    return stats.get(file);
  };
  const prismaSchemas = discoverPrismaSchemas({ root, ignore: loadedMap.map.ignore });
  return { root, loadedMap, ...selection, resolver, cacheFolder, statOf, prismaSchemas };
}

/** Everything the outcome of a run depends on, for the result cache. */
function runInputs(run: PreparedRun, options: CheckOptions): RunInputs {
  return {
    options: {
      root: run.root,
      mapFile: path.resolve(options.mapFile),
      paths: options.paths ?? [],
      rules: options.rules ?? [],
      sqlParser: options.sqlParser ?? 'libpg-query',
      shard: options.shard ?? null,
      today: today(options),
      baseline: options.baseline ?? null,
    },
    mapText: run.loadedMap.text,
    files: [...run.repositoryFiles, ...run.prismaSchemas].map((file) => [file, run.statOf(file)] as const),
    resolver: run.resolver.fingerprint,
  };
}

async function analyse(run: PreparedRun, options: CheckOptions): Promise<CheckResult> {
  const { root, loadedMap, files, repositoryFiles, changedOnly, wholeRepository, resolver, cacheFolder, statOf } = run;
  const map = new OwnershipIndex(loadedMap.map);
  const fullRun = wholeRepository && !options.shard && !options.rules?.length;
  // What the pre-pass reads of the files this run extracts is kept for the extraction: read once.
  const texts = new SourceTexts(root, new Set(files));
  const symbols = await collectRepoSymbols({
    files: repositoryFiles.filter((file) => !file.endsWith('.sql')),
    prismaSchemas: run.prismaSchemas,
    resolver,
    readText: (file) => texts.read(file),
    cache: cacheFolder && { folder: cacheFolder, statOf },
  });
  const notifications: Notification[] = [];
  const extractOptions = { sqlParser: options.sqlParser ?? 'libpg-query', symbols, resolver, threads: options.threads } as const;
  const facts = await extractAll(root, files, {
    ...extractOptions,
    cache: cacheFolder && { folder: cacheFolder, statOf, wholeRepository: wholeRepository && !options.shard },
    preread: (file) => texts.take(file),
    onProgress: options.onProgress,
  }, notifications);
  texts.clear();

  const relatedFor = relatedLocations(loadedMap, options.mapFile, root);
  let findings: Finding[] = [];
  for (const fileFacts of facts) {
    const ruleContext: RuleContext = {
      facts: fileFacts,
      domain: domainOf(fileFacts, map),
      map,
      packageEntriesOf: (target) => resolver.packageOf(target)?.entries,
      mapLocation: relatedFor,
    };
    findings.push(...evaluateFile(ruleContext, DEFAULT_LEVELS));
  }
  // The repository rules judge a table by every migration: a partial run also reads the SQL files it
  // skipped, for them only, and keeps the findings in the files it scanned.
  const scanned = new Set(files);
  const skippedSql = repositoryFiles.filter((file) => file.endsWith('.sql') && !scanned.has(file));
  const evidence = skippedSql.length === 0 ? [] : await extractAll(root, skippedSql, extractOptions, []);
  const repoFindings = evaluateRepo(
    { files: [...facts, ...evidence], domainOf: (f) => domainOf(f, map), map },
    DEFAULT_LEVELS,
  );
  findings.push(...repoFindings.filter((finding) => scanned.has(finding.file)));
  if (options.rules?.length) findings = findings.filter((finding) => options.rules!.includes(finding.ruleId));
  for (const finding of findings) attachOwnerContacts(finding, map);
  const day = today(options);
  const { kept, waived } = applyExceptions(findings, map, day);

  const ran = (ruleId: string) => !options.rules?.length || options.rules.includes(ruleId);
  const suppressions = applySuppressions(kept, facts, { knownRules: knownRuleIds(loadedMap), ran, domainOf: (f) => domainOf(f, map) });
  const mapPath = repositoryPath(root, options.mapFile);
  // The map's own findings sit in the map: reported when it is under the root, and not when --changed-since left it out;
  // of the --shard runs only the first reports them, so that merged reports hold them once.
  const audit =
    mapPath === undefined || changedOnly || (options.shard && options.shard.index !== 1)
      ? []
      : auditExceptions(loadedMap, { mapFile: mapPath, today: day, used: new Set(waived.map((w) => w.exception)), fullRun });
  let reported = [...suppressions.findings, ...completeFindings([...suppressions.problems, ...audit], DEFAULT_LEVELS).filter((f) => ran(f.ruleId))];
  let absent: BaselineEntry[] | undefined;
  if (options.baseline) {
    ({ findings: reported, absent } = applyBaseline(reported, options.baseline, (entry) => fullRun || (scanned.has(entry.file) && ran(entry.ruleId))));
  }
  reported.sort(compareFindings);
  return {
    findings: reported,
    filesScanned: facts.length,
    notifications,
    loadedMap,
    facts,
    waived,
    fullRun,
    ...(absent ? { absent } : {}),
    frameworks: frameworkCounts(facts),
  };
}

/** YYYY-MM-DD: the day exceptions expire by. */
function today(options: CheckOptions): string {
  return options.today ?? new Date().toISOString().slice(0, 10);
}

/** A rule's level as its page in rules/ gives it; restricted-table rules bring their own from the map. */
const DEFAULT_LEVELS = { levelOf: (id: string) => getRuleMeta(id)?.level ?? 'warning' } as const;

/**
 * The files this run analyses (narrowed by paths, --changed-since and --shard), and the whole
 * repository's files, which query-builder declarations and the repository rules need.
 */
async function selectFiles(root: string, loadedMap: LoadedMap, options: CheckOptions) {
  let files = discoverFiles({ root, paths: options.paths, ignore: loadedMap.map.ignore });
  const repositoryFiles = options.paths?.length ? discoverFiles({ root, ignore: loadedMap.map.ignore }) : files;
  // Loaded only for --changed-since: running git needs execa, which every other run can do without.
  const changed = options.changedSince === undefined ? undefined : await (await import('./git/changed-files.js')).changedFiles(root, options.changedSince);
  // A change to the map changes every verdict: then the run is a full one.
  const changedOnly = changed !== undefined && !changed.includes(path.resolve(options.mapFile));
  if (changedOnly) files = files.filter((file) => changed.underRoot.has(file));
  const wholeRepository = !changedOnly && !options.paths?.some((p) => p !== '.');
  if (options.shard) files = filesOfShard(files, options.shard);
  return { files, repositoryFiles, changedOnly, wholeRepository };
}

/** Every rule id a run can report: the documented rules and the map's own restricted-table rules. */
function knownRuleIds(loadedMap: LoadedMap): Set<string> {
  return new Set([...getRuleCatalog().map((rule) => rule.id), ...loadedMap.map.restrictedTables.map((rule) => rule.rule)]);
}

/** A path as a repository-relative POSIX path, or undefined when it lies outside the root. */
function repositoryPath(root: string, file: string): string | undefined {
  const relative = path.relative(root, path.resolve(file));
  return relative.startsWith('..') || path.isAbsolute(relative) ? undefined : relative.split(path.sep).join('/');
}

/** The file's domain: its folder's, or in an owner-header folder (cmd/api) the domain its `// @owner` header names. */
export function domainOf(facts: FileFacts, map: OwnershipIndex): string | undefined {
  const byFolder = map.domainOfFile(facts.file);
  if (byFolder) return byFolder;
  if (facts.ownerHeader && map.requiresOwnerHeader(facts.file) && map.domain(facts.ownerHeader.domain)) {
    return facts.ownerHeader.domain;
  }
  return undefined;
}

/** Carries the owning domain's seed 002 metadata (primary, secondary, severity) on the finding. */
function attachOwnerContacts(finding: Finding, map: OwnershipIndex): void {
  const owners = finding.owner === undefined ? undefined : map.domain(finding.owner)?.owners;
  if (owners && Object.keys(owners).length > 0) finding.ownerContacts = { ...owners };
}

export function compareFindings(a: Finding, b: Finding): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId);
}

function relatedLocations(loadedMap: LoadedMap, mapFile: string, root: string): RuleContext['mapLocation'] {
  const relative = path.relative(root, path.resolve(mapFile)).split(path.sep).join('/');
  // A map outside the root cannot be linked with a repository-relative URI.
  if (relative.startsWith('..')) return () => undefined;
  return (kind, id) => {
    const position =
      kind === 'family' ? loadedMap.locateFamily(id) : kind === 'restricted' ? loadedMap.locateRestrictedRule(id) : loadedMap.locate(['domains', id]);
    const message = kind === 'family' ? `table family ${id} in the ownership map` : kind === 'restricted' ? `restricted-table rule ${id} in the ownership map` : `domain ${id}`;
    return { file: relative, line: position.line, column: position.column, message };
  };
}
