/**
 * The pipeline, in order: discover files → extract facts → evaluate rules and filter, file by file
 * (verdicts.ts) → assemble the run's outcome → (report, by the caller). runCheckOrReuse lets the
 * result cache spare the files whose verdicts still hold.
 */
import path from 'node:path';
import { listRepository, type RepositoryListing } from './discover/listing.js';
import { filesOfShard, type Shard } from './discover/shard.js';
import { CacheFolder } from './cache/folder.js';
import { statKey } from './cache/freshness.js';
import { ImportResolver } from './extract/resolve-imports.js';
import type { BaselineEntry } from './filter/baseline.js';
import type { LoadedMap } from './map/map-file.js';
import { loadMapThroughSnapshot } from './map/snapshot.js';
import type { OwnershipIndex } from './map/resolve.js';
import type { domainEntries as DomainEntries } from './map/entries.js';
import type { SqlParserName } from './sql/index.js';
import { ResultCache, type RecordedRun, type RunInputs } from './cache/results.js';
import { assembleOutcome, inScanOrder, sameEvidence, type CheckOutcome, type CheckResult, type FileVerdict, type Notification } from './outcome.js';
import type { Judge } from './verdicts.js';

/** What runCheck and runCheckOrReuse return: the run's outcome (outcome.ts). */
export type { CheckOutcome, CheckResult };

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
  /** Where facts (and for runCheckOrReuse the outcome) are cached between runs (none when undefined); cache/folder.ts decides whether the folder may serve. */
  cache?: { dir: string };
  /** Worker threads for extraction; undefined decides by the number of files and cores. */
  threads?: number;
}

export async function runCheck(options: CheckOptions): Promise<CheckResult> {
  const { verdicts: _verdicts, symbols: _symbols, ...result } = await analyse(await prepareRun(options), options);
  return result;
}

/**
 * runCheck for the reports, with the result cache (cache/results.ts): when every file has the stats
 * it had in the last run with the same inputs, that run's outcome without analysing anything; when
 * some files changed content, those files analysed again and the others' verdicts taken over, as
 * long as the edit leaves what the repository rules and the ORM readers learn from it alone; else a
 * full run. Each outcome is recorded for the next.
 */
export async function runCheckOrReuse(options: CheckOptions): Promise<CheckOutcome> {
  const run = await prepareRun(options);
  const results = run.cacheFolder && options.changedSince === undefined ? ResultCache.of(run.cacheFolder, runInputs(run, options)) : undefined;
  const recorded = results?.load((answers) => run.resolver.answersStill(answers));
  let analysed: Analysed | undefined;
  let changed: string[] | undefined;
  if (recorded) {
    changed = run.repositoryFiles.filter((file) => run.statOf(file) === undefined || recorded.stats.get(file) !== run.statOf(file));
    // Nothing changed: the record stands as it is.
    if (changed.length === 0) return outcomeOf(reassemble(run, options, recorded.verdicts, recorded.symbols, []));
    // Only a run over the whole repository knows every file's evidence for the repository rules.
    if (run.wholeRepository && !options.shard) analysed = await analyseChanged(run, options, recorded, changed);
  }
  const reused = analysed !== undefined;
  analysed ??= await analyse(run, options);
  const { verdicts, symbols } = analysed;
  const outcome = outcomeOf(analysed);
  // What resolution found on disk: for the files whose verdicts were taken over too.
  const disk = [...(reused ? recorded!.disk : []), ...run.resolver.diskAnswers()];
  const problem = results?.save({ verdicts, symbols, statOf: run.statOf, disk }, outcome.notifications, reused ? changed : undefined);
  if (problem) outcome.notifications.push({ level: 'note', message: `The result was not cached: ${problem}.` });
  return outcome;
}

type PreparedRun = Awaited<ReturnType<typeof prepareRun>>;

/** The map, the files and their stats, the import resolver and the cache folder: what a run needs before it reads a source file. */
async function prepareRun(options: CheckOptions) {
  const root = path.resolve(options.root);
  const cacheFolder = options.cache && new CacheFolder(options.cache.dir, root);
  const loadedMap = await loadMapThroughSnapshot(options.mapFile, cacheFolder, root);
  const listing = await listRepository(root, loadedMap.map.ignore, cacheFolder);
  const selection = await selectFiles(root, listing, loadedMap, options);
  const resolver = new ImportResolver(root, selection.repositoryFiles, listing.manifests);
  // Both caches ask for a file's stats; taken once, before either reads the file.
  const stats = new Map<string, string | undefined>();
  // The listing's paths are normalized already: path.join's normalizing took ~8 ms of 5,000 stats.
  const statOf = (file: string) => {
    if (!stats.has(file)) stats.set(file, statKey(`${root}/${file}`));
    return stats.get(file);
  };
  // The map's lookups: built by loadJudging, for a run that judges files.
  const index: { map?: Promise<OwnershipIndex> } = {};
  return { root, loadedMap, index, ...selection, resolver, cacheFolder, statOf, prismaSchemas: listing.prismaSchemas, discoveryNotes: listing.notes };
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
    files: run.repositoryFiles,
    scanned: run.files,
    prismaSchemas: run.prismaSchemas.map((file) => [file, run.statOf(file)] as const),
    resolver: run.resolver.fingerprint,
  };
}

/** A check's result with the verdicts of its files, in scan order, and the ORM symbols' fingerprint it ran with. */
type Analysed = CheckResult & { verdicts: FileVerdict[]; symbols: string };

async function analyse(run: PreparedRun, options: CheckOptions): Promise<Analysed> {
  const { files, repositoryFiles, wholeRepository } = run;
  const notifications: Notification[] = [];
  const { facts, symbols, extractMore } = await extractFacts(run, options, files, wholeRepository && !options.shard, notifications);
  // The repository rules judge a table by every migration: a partial run also reads the SQL files it
  // skipped, for them only, and keeps the findings in the files it scanned.
  const scanned = new Set(files);
  const skippedSql = repositoryFiles.filter((file) => file.endsWith('.sql') && !scanned.has(file));
  const evidence = skippedSql.length === 0 ? [] : await extractMore(skippedSql);
  const { judgeFiles, judge } = await loadJudging(run);
  const judged = judgeFiles(facts, [...facts, ...evidence], judge(options), notifications);
  const verdicts = inScanOrder(files, judged.verdicts, notifications);
  return { ...assemble(run, options, verdicts, notifications), facts, waived: judged.waived, verdicts, symbols: symbols.fingerprint };
}

/**
 * The outcome after some files changed content, from their new verdicts and the others' recorded
 * ones; undefined when the change reaches beyond the changed files: the ORM declarations differ (the
 * facts of other files depend on them) or the repository rules' evidence does.
 */
async function analyseChanged(run: PreparedRun, options: CheckOptions, recorded: RecordedRun, changed: string[]): Promise<Analysed | undefined> {
  const notifications: Notification[] = [];
  const { facts, symbols } = await extractFacts(run, options, changed, false, notifications);
  if (symbols.fingerprint !== recorded.symbols) return undefined;
  const { judgeFiles, evidenceFacts, repoEvidence, map, judge } = await loadJudging(run);
  const fresh = new Map(facts.map((fileFacts) => [fileFacts.file, fileFacts]));
  if (changed.some((file) => !sameEvidence(fresh.has(file) ? repoEvidence(fresh.get(file)!, map) : undefined, recorded.verdicts.get(file)?.evidence))) return undefined;
  // Files without evidence tell the repository rules nothing about other files.
  const repository = run.files.flatMap((file) => {
    const evidence = fresh.has(file) ? undefined : recorded.verdicts.get(file)?.evidence;
    return fresh.get(file) ?? (evidence?.length ? evidenceFacts(file, evidence) : []);
  });
  const judged = judgeFiles(facts, repository, judge(options), notifications);
  const changedVerdicts = new Map(inScanOrder(changed, judged.verdicts, notifications).map((verdict) => [verdict.file, verdict]));
  return reassemble(run, options, new Map([...recorded.verdicts, ...changedVerdicts]), symbols.fingerprint, notifications);
}

/**
 * The rules and what judging needs, with the map's lookups, loaded only for a run that judges files:
 * a re-run the result cache answers whole loads none of the rules, nor the glob matcher.
 */
async function loadJudging(run: PreparedRun) {
  run.index.map ??= import('./map/resolve.js').then(({ OwnershipIndex }) => new OwnershipIndex(run.loadedMap.map));
  const [{ judgeFiles }, { evidenceFacts, repoEvidence }, map, { domainEntries }] = await Promise.all([
    import('./verdicts.js'),
    import('./rules/engine.js'),
    run.index.map,
    import('./map/entries.js'),
  ]);
  const judge = (options: CheckOptions) => judgeOf(run, map, options, domainEntries);
  return { judgeFiles, evidenceFacts, repoEvidence, map, judge };
}

/** What the reports need of an analysis. */
function outcomeOf({ verdicts: _verdicts, symbols: _symbols, facts: _facts, waived: _waived, ...outcome }: Analysed): CheckOutcome {
  return outcome;
}

/** The outcome from verdicts of every file of the run; no facts, no waived findings (the reports need neither). */
function reassemble(run: PreparedRun, options: CheckOptions, verdicts: ReadonlyMap<string, FileVerdict>, symbols: string, notifications: Notification[]): Analysed {
  const inOrder = run.files.map((file) => verdicts.get(file)!);
  return { ...assemble(run, options, inOrder, notifications), facts: [], waived: [], verdicts: inOrder, symbols };
}

/** The ORM pre-pass over the repository, then the facts of `files` (from the cache where they are unchanged). */
async function extractFacts(run: PreparedRun, options: CheckOptions, files: string[], wholeRepository: boolean, notifications: Notification[]) {
  const { root, repositoryFiles, resolver, cacheFolder, statOf } = run;
  // Loaded here, not at the top: a run the result cache answers extracts nothing and spares their loading.
  const [{ collectRepoSymbols }, { SourceTexts }, { extractAll, startThreads }] = await Promise.all([
    import('./extract/orm/collect.js'),
    import('./extract/read-source.js'),
    import('./extract/run.js'),
  ]);
  // What the pre-pass reads of the files this run extracts is kept for the extraction: read once.
  const texts = new SourceTexts(root, new Set(files));
  const sqlParser = options.sqlParser ?? 'libpg-query';
  // Extraction threads load their parsers while the pre-pass reads the repository.
  const early = startThreads(files.length, options.threads, sqlParser);
  try {
    const symbols = await collectRepoSymbols({
      files: repositoryFiles.filter((file) => !file.endsWith('.sql')),
      prismaSchemas: run.prismaSchemas,
      resolver,
      readText: (file) => texts.read(file),
      cache: cacheFolder && { folder: cacheFolder, statOf },
    });
    const extractOptions = { sqlParser, symbols, resolver, threads: options.threads, unreadable: run.unreadable } as const;
    const facts = await extractAll(root, files, {
      ...extractOptions,
      cache: cacheFolder && { folder: cacheFolder, statOf, wholeRepository },
      early,
      preread: (file) => texts.take(file),
      onProgress: options.onProgress,
      unreadable: run.unreadable,
    }, notifications);
    texts.clear();
    /** Facts of more files, uncached and with their notes dropped: evidence for the repository rules. */
    const extractMore = (more: string[]) => extractAll(root, more, extractOptions, []);
    return { facts, symbols, extractMore };
  } finally {
    early.close();
  }
}

function judgeOf(run: PreparedRun, map: OwnershipIndex, options: CheckOptions, domainEntries: typeof DomainEntries): Judge {
  return {
    map,
    loadedMap: run.loadedMap,
    mapFile: options.mapFile,
    root: run.root,
    packageEntriesOf: (target) => run.resolver.packageOf(target)?.entries,
    domainEntriesOf: domainEntries(map, run.repositoryFiles, (dir) => run.resolver.packageOf(`${dir}/-`)?.dir === dir),
    rules: options.rules,
    today: today(options),
  };
}

/** The outcome of a run from the verdicts of its files, in scan order, and the notes of its extraction. */
function assemble(run: PreparedRun, options: CheckOptions, verdicts: readonly FileVerdict[], notifications: readonly Notification[]): CheckOutcome {
  const fullRun = run.wholeRepository && !options.shard && !options.rules?.length;
  const scanned = new Set(run.files);
  const mapPath = repositoryPath(run.root, options.mapFile);
  const outcome = assembleOutcome(
    verdicts,
    [...run.discoveryNotes, ...notifications.filter((notification) => notification.file === undefined || !scanned.has(notification.file))],
    {
      loadedMap: run.loadedMap,
      mapPath,
      // The map's own findings: not when --changed-since left the map out; of the --shard runs only the
      // first reports them, so that merged reports hold them once.
      auditMap: !run.changedOnly && !(options.shard && options.shard.index !== 1),
      fullRun,
      rules: options.rules,
      today: today(options),
      baseline: options.baseline,
      scanned: (file) => scanned.has(file),
    },
  );
  // What discovery skipped is the same for every --shard run: the first reports it, so that merged reports count it once.
  const skipped = options.shard && options.shard.index !== 1 ? [] : run.skipped;
  return { ...outcome, filesScanned: verdicts.filter((verdict) => verdict.evidence).length, loadedMap: run.loadedMap, fullRun, skipped };
}

/** YYYY-MM-DD: the day exceptions expire by. */
function today(options: CheckOptions): string {
  return options.today ?? new Date().toISOString().slice(0, 10);
}

/**
 * The files this run analyses (narrowed by paths, --changed-since and --shard), and the whole
 * repository's files, which query-builder declarations and the repository rules need.
 */
async function selectFiles(root: string, listing: RepositoryListing, loadedMap: LoadedMap, options: CheckOptions) {
  const repositoryFiles = listing.files;
  const narrowed = options.paths?.length ? (await import('./discover/files.js')).discoverRepository({ root, paths: options.paths, ignore: loadedMap.map.ignore }) : undefined;
  let files = narrowed?.files ?? repositoryFiles;
  const unreadable = new Map(Object.entries({ ...listing.unreadable, ...narrowed?.unreadable }));
  const skipped = narrowed?.skipped ?? listing.skipped;
  // Loaded only for --changed-since: running git needs execa, which every other run can do without.
  const changed = options.changedSince === undefined ? undefined : await (await import('./git/changed-files.js')).changedFiles(root, options.changedSince);
  // A change to the map changes every verdict: then the run is a full one.
  const changedOnly = changed !== undefined && !changed.includes(path.resolve(options.mapFile));
  // What cannot be read by its name is not in git's list under that name: kept, so that it still fails the run.
  if (changedOnly) files = files.filter((file) => changed.underRoot.has(file) || unreadable.has(file));
  const wholeRepository = !changedOnly && !options.paths?.some((p) => p !== '.');
  if (options.shard) files = filesOfShard(files, options.shard);
  return { files, repositoryFiles, changedOnly, wholeRepository, unreadable, skipped };
}

/** A path as a repository-relative POSIX path, or undefined when it lies outside the root. */
function repositoryPath(root: string, file: string): string | undefined {
  const relative = path.relative(root, path.resolve(file));
  return relative.startsWith('..') || path.isAbsolute(relative) ? undefined : relative.split(path.sep).join('/');
}
