/**
 * The command line: parses flags, runs the pipeline, renders the requested format, sets the exit code.
 * Exit codes: 0 nothing reached --fail-on and no blocking rule fired; 1 something did; 2 usage, map or I/O error.
 */
import { existsSync } from 'node:fs';
import { isInside, lstatIfAny, readRegularFile, writeFileReplacing } from '../io/safe-files.js';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { CheckOptions } from '../check.js';
import type { CheckOutcome } from '../outcome.js';
import { parseShard, type Shard } from '../discover/shard.js';
import { UsageError } from '../errors.js';
import { ArgumentError, locate, MAP_FILE_NAME } from './locate.js';
import { defaultCacheDir } from '../cache/folder.js';
import { baselineEntries, DEFAULT_BASELINE_FILE, type BaselineEntry } from '../filter/baseline.js';
import { MapError } from '../map/map-file.js';
import { isReported, LEVEL_RANK, type Finding, type Level } from '../rules/finding.js';
import { fallbackRuleMeta, getRuleCatalog, getRuleMeta } from '../rules/catalog.js';
import { atLevel } from '../report/fold.js';
import { plain, plainLineStart } from '../report/inert.js';
import { summarise, type RuntimeCoverage, type Summary } from '../report/summary.js';
import { TOOL_VERSION } from '../version.js';
import { registerDbCommands } from './db-commands.js';
import { registerMapCommands } from './map-commands.js';
import { createProgress } from './progress.js';
import { compareText } from '../order.js';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

const FORMATS = ['text', 'compact', 'json', 'sarif', 'github', 'markdown'] as const;
/** A source file the reports quote lines of: the scan reads none larger (discover's limit), with room to spare. */
const MAX_QUOTED_FILE_BYTES = 4 * 1024 * 1024;
type Format = (typeof FORMATS)[number];
type FailOn = 'none' | Level;

interface ScanFlags {
  root?: string;
  map?: string;
  sqlParser: 'libpg-query' | 'pgsql-ast-parser';
  quiet?: boolean;
  debug?: boolean;
  /** False with --no-cache. */
  cache?: boolean;
  cacheDir?: string;
  threads?: number;
}

interface CheckFlags extends ScanFlags {
  format: Format;
  output?: string;
  failOn: FailOn;
  /** Exit 1 when a smaller share (in percent) of the query sites was read. */
  minCoverage?: number;
  rule?: string[];
  /** A file with --baseline, false with --no-baseline. */
  baseline?: string | false;
  changedSince?: string;
  maxFindings: number;
  /** List only findings at this level or above (blocking ones always); counts and the exit code still take every finding. */
  level?: Level;
  sarifIncludeSuppressed?: boolean;
  shard?: Shard;
  /** The runtime guard's record folder, to merge into the report. */
  runtime?: string;
}

interface BaselineFlags extends ScanFlags {
  baseline?: string;
}

/** Where the CLI writes; the real process streams unless a test passes its own. */
export interface CliIO {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

export async function main(argv: string[], io: CliIO = process): Promise<number> {
  let exitCode = EXIT_OK;
  const program = new Command()
    .name('schema-guard')
    .description('Enforce a PostgreSQL table-family ownership map across a TypeScript/SQL monorepo.')
    .version(TOOL_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) });

  const checkCommand = program
    .command('check', { isDefault: true })
    .description('scan the repository and report where code crosses ownership boundaries')
    .argument('[paths...]', 'files or folders to scan inside the root (default: all of it)');
  withScanOptions(checkCommand, 'repository to scan; every path in the output is relative to it')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('text'))
    .option('--output <file>', 'write the report in --format to this file; the text report still goes to standard output')
    .addOption(new Option('--fail-on <level>', 'exit 1 when a new finding reaches this level').choices(['none', 'note', 'warning', 'error']).default('none'))
    .addOption(new Option('--min-coverage <percent>', 'exit 1 when fewer than this share of the query sites could be read').argParser(percentArgument))
    .addOption(new Option('--rule <id>', 'run only this rule (repeat it, or separate ids with commas)').argParser(ruleIds))
    .option('--baseline <file>', `report only findings not recorded in this baseline file (default: <root>/${DEFAULT_BASELINE_FILE} when it exists)`)
    .option('--no-baseline', 'ignore the baseline file: report every finding')
    .option('--changed-since <ref>', 'analyse only files changed since this git ref, plus uncommitted and untracked ones (a changed map means a full run)')
    .addOption(new Option('--max-findings <n>', 'findings listed in --format markdown').argParser(positiveInteger).default(50))
    .addOption(new Option('--level <level>', 'list only findings at this level or above, and every blocking one (not in --format json); the exit code still counts them all').choices(['note', 'warning', 'error']))
    .option('--sarif-include-suppressed', 'put suppressed and baselined findings in SARIF too, marked (GitHub code scanning shows them as open alerts)')
    .option('--quiet', 'no progress line, and no text report on standard output when --output is given')
    .option('--shard <i/n>', 'scan only part i of n of the files, for a CI matrix (combine the reports with `merge`)', shardArgument)
    .option('--runtime <folder>', "merge the runtime guard's record of a test run (its reportDir) into the report, and measure what static analysis missed")
    .action(async (paths: string[], flags: CheckFlags) => {
      // Without the word `check`, a first argument that is no file is a mistyped command, not a path.
      if (argv[0] !== 'check' && paths[0] !== undefined) refuseUnknownCommand(program, paths[0]);
      exitCode = await check(paths, flags, io);
    });

  program
    .command('merge')
    .description('combine the JSON or SARIF reports of `check --shard i/n` runs into one report')
    .argument('<reports...>', 'report files, all JSON or all SARIF')
    .addOption(new Option('--format <format>', 'format of the reports (default: told by the first one)').choices(['json', 'sarif']))
    .option('--output <file>', 'write the merged report to this file instead of standard output')
    .action(async (reports: string[], flags: { format?: 'json' | 'sarif'; output?: string }) => {
      const { mergeReportFiles } = await import('../report/merge.js');
      const merged = mergeReportFiles(reports, flags.format);
      for (const warning of merged.warnings) io.stderr.write(`schema-guard: warning: ${plain(warning)}\n`);
      emit(flags, merged.report, io);
    });

  withScanOptions(
    program.command('baseline').description('record the current findings in a baseline file, so that check reports only new ones'),
    'repository to scan; every path in the baseline is relative to it',
  )
    .option('--baseline <file>', `where to write it (default: <root>/${DEFAULT_BASELINE_FILE})`)
    .option('--quiet', 'no progress line and no confirmation')
    .action(async (flags: BaselineFlags) => {
      exitCode = await recordBaseline(flags, io);
    });

  program
    .command('explain')
    .description("print a rule's documentation; without a rule id, list the rules")
    .argument('[rule-id]', 'the rule id, e.g. ledger-write')
    .action((id: string | undefined) => {
      if (id === undefined) {
        io.stdout.write(ruleList());
        return;
      }
      const meta = getRuleMeta(id);
      if (!meta) {
        const near = suggestion(id, getRuleCatalog().map((rule) => rule.id));
        throw new ArgumentError(`unknown rule '${id}': ${near ? `did you mean ${near}? ` : ''}\`schema-guard explain\` lists the rules`, 'explain');
      }
      io.stdout.write(meta.markdown.endsWith('\n') ? meta.markdown : meta.markdown + '\n');
    });

  program
    .command('init')
    .description('write a starter ownership-map.yaml from the migrations and folders it finds')
    .option('--root <dir>', 'repository to describe (default: the folder holding .git above the current one, else the current one)')
    .option('--map <file>', `where to write the map (default: <root>/${MAP_FILE_NAME})`)
    .option('--quiet', 'no summary of what was written')
    .action(async (flags: { root?: string; map?: string; quiet?: boolean }) => {
      const { runInit } = await import('./init.js');
      exitCode = await runInit(flags, io);
    });

  registerMapCommands(program, io, (code) => (exitCode = code));
  registerDbCommands(program, io, (code) => (exitCode = code));
  oneLineUsageErrors(program, io);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return error.exitCode === 0 ? EXIT_OK : EXIT_ERROR;
    }
    return reportError(error, argv.includes('--debug'), io);
  }
}

/** A run stopped by any error still leaves a valid report in the requested format; the error is then reported as usual. */
async function check(paths: string[], flags: CheckFlags, io: CliIO): Promise<number> {
  try {
    return await checkAndReport(paths, flags, io);
  } catch (error) {
    if (!(error instanceof OutputError)) await emitFailure(flags, error, io);
    throw error;
  }
}

async function checkAndReport(paths: string[], flags: CheckFlags, io: CliIO): Promise<number> {
  const { root, mapFile } = locate(flags, 'check');
  const ruleIds = flags.rule;
  const relativePaths = paths.map((p) => path.relative(root, path.resolve(p)).split(path.sep).join('/') || '.');
  const baselineFile = baselineFileFor(flags.baseline, root);
  // Loaded only for a baseline file: its schema validator is a tenth of a re-run.
  const baseline = baselineFile === undefined ? undefined : (await import('../filter/baseline-file.js')).readBaseline(baselineFile, root);
  const result = await scan(flags, io, { root, mapFile, paths: relativePaths, rules: ruleIds, changedSince: flags.changedSince, baseline, shard: flags.shard }, flags.runtime);
  if (ruleIds) {
    const known = new Set([...getRuleCatalog().map((rule) => rule.id), ...result.loadedMap.map.restrictedTables.map((rule) => rule.rule)]);
    const unknown = ruleIds.filter((id) => !known.has(id));
    if (unknown.length) throw new ArgumentError(`unknown rule id${unknown.length > 1 ? 's' : ''} for --rule: ${unknown.join(', ')}`, 'check');
  }

  const reported = result.findings.filter(isReported);
  const run: RunReport = {
    result,
    reported,
    listed: flags.level ? atLevel(reported, flags.level) : reported,
    summary: { ...summarise(reported, result.filesScanned, result.frameworks, result.skipped, result.unresolvedImports.length), ...(result.runtime ? { runtime: result.runtime } : {}) },
    baseline: baselineFile && result.absent ? { file: displayPath(root, baselineFile), absent: result.absent } : undefined,
    readFile: (file) => {
      try {
        // The report quotes source lines: never from a file that has become a link or a FIFO since the scan.
        return readRegularFile(path.join(root, file), { maxBytes: MAX_QUOTED_FILE_BYTES, root }).toString('utf8');
      } catch {
        return undefined;
      }
    },
    root,
  };
  // Each format's renderer is loaded when asked for: a run renders one or two of them.
  // `toStdout`: the text goes to standard output, in colour when that is a terminal that takes it.
  const text = async (toStdout: boolean) => {
    const { renderText, shouldUseColor } = await import('../report/text.js');
    const color = toStdout && shouldUseColor(io.stdout);
    return renderText({
      findings: run.listed,
      summary: run.summary,
      notifications: result.notifications,
      readFile: run.readFile,
      color,
      failOn: flags.failOn,
      belowLevel: flags.level && { level: flags.level, count: reported.length - run.listed.length },
      runtime: run.summary.runtime && runtimeLines(run.summary.runtime, result.findings),
      keptApart: {
        suppressed: result.findings.filter((finding) => finding.suppressed).length,
        baselined: result.findings.filter((finding) => finding.baselineState === 'unchanged').length,
        baselineFile: run.baseline?.file,
        absent: run.baseline?.absent,
      },
    });
  };
  const report = (toStdout: boolean) => (flags.format === 'text' ? text(toStdout) : renderReport(flags, run));
  if (flags.output) {
    emit(flags, await report(false), io, root);
    if (!flags.quiet) io.stdout.write(await text(true));
  } else {
    io.stdout.write(await report(true));
  }

  const threshold = flags.failOn === 'none' ? Infinity : LEVEL_RANK[flags.failOn];
  const failing = reported.some((finding) => finding.blocking || LEVEL_RANK[finding.level] >= threshold);
  const { sites, read } = run.summary.coverage;
  const underCovered = flags.minCoverage !== undefined && sites > 0 && (100 * read) / sites < flags.minCoverage;
  if (underCovered) {
    io.stderr.write(`schema-guard: only ${read} of ${sites} query sites (${((100 * read) / sites).toFixed(1)} %) could be read, below --min-coverage ${flags.minCoverage} %.\n`);
  }
  return failing || underCovered ? EXIT_FINDINGS : EXIT_OK;
}

async function recordBaseline(flags: BaselineFlags, io: CliIO): Promise<number> {
  const { root, mapFile } = locate(flags, 'baseline');
  const file = flags.baseline ? path.resolve(flags.baseline) : path.join(root, DEFAULT_BASELINE_FILE);
  const result = await scan(flags, io, { root, mapFile });
  const entries = baselineEntries(result.findings);
  (await import('../filter/baseline-file.js')).writeBaseline(file, entries, root);
  if (!flags.quiet) {
    const recorded = entries.reduce((sum, entry) => sum + entry.count, 0);
    io.stdout.write(`Recorded ${recorded} finding${recorded === 1 ? '' : 's'} (${entries.length} entries) in ${displayPath(root, file)}: check now reports only new ones.\n`);
  }
  return EXIT_OK;
}

/** A completed run, ready for any format. */
export interface RunReport {
  result: CheckOutcome;
  /** Findings that are neither suppressed nor baselined. */
  reported: Finding[];
  /** The reported findings at --level or above: what the listings show. */
  listed: Finding[];
  summary: Summary;
  baseline?: { file: string; absent: BaselineEntry[] };
  readFile(file: string): string | undefined;
  root: string;
}

export async function renderReport(flags: Pick<CheckFlags, 'format' | 'maxFindings' | 'sarifIncludeSuppressed'> & Partial<Pick<CheckFlags, 'shard' | 'level'>>, run: RunReport): Promise<string> {
  const { result } = run;
  const pathPrefix = async () => (await import('../report/github.js')).workspacePrefix(run.root, process.env.GITHUB_WORKSPACE ?? process.cwd());
  switch (flags.format) {
    case 'json': {
      const { renderJson } = await import('../report/json.js');
      return renderJson({
        findings: result.findings,
        summary: run.summary,
        notifications: result.notifications,
        toolVersion: TOOL_VERSION,
        baseline: run.baseline,
        unreadSites: result.unreadSites,
        unresolvedImports: result.unresolvedImports,
        skipped: result.skipped,
        shard: flags.shard,
      });
    }
    case 'sarif': {
      const { renderSarif } = await import('../report/sarif.js');
      return renderSarif({
        findings: flags.level ? atLevel(result.findings, flags.level) : result.findings,
        rules: sarifRules(result),
        toolVersion: TOOL_VERSION,
        readFile: run.readFile,
        notifications: result.notifications,
        executionSuccessful: true,
        includeSuppressed: flags.sarifIncludeSuppressed,
        baseline: run.baseline,
        shard: flags.shard,
        coverage: run.summary.coverage,
      });
    }
    case 'github': {
      const { renderGithub } = await import('../report/github.js');
      return renderGithub({ findings: run.listed, notifications: result.notifications, pathPrefix: await pathPrefix(), absent: run.baseline?.absent });
    }
    case 'compact': {
      const { renderCompact } = await import('../report/compact.js');
      return renderCompact({ findings: run.listed, notifications: result.notifications });
    }
    default: {
      const { fileLinks, renderMarkdown } = await import('../report/markdown.js');
      return renderMarkdown({
        findings: run.listed,
        summary: run.summary,
        belowLevel: flags.level && { level: flags.level, count: run.reported.length - run.listed.length },
        suppressed: result.findings.filter((finding) => finding.suppressed).length,
        baselined: result.findings.filter((finding) => finding.baselineState === 'unchanged').length,
        absent: run.baseline?.absent,
        notifications: result.notifications,
        maxFindings: flags.maxFindings,
        link: fileLinks(process.env, await pathPrefix()),
      });
    }
  }
}

/** With --runtime: how much of what the tests ran static analysis saw, and what was left unjudged. */
function runtimeLines(runtime: RuntimeCoverage, findings: Finding[]): string[] {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : word.endsWith('s') ? 'es' : 's'}`;
  const origin = (which: Finding['origin']) => findings.filter((finding) => finding.origin === which && finding.ruleId !== 'runtime-only-access').length;
  const lines = [
    `Runtime: static analysis saw ${runtime.seenStatically} of ${plural(runtime.accesses, 'table access')} your tests ran` +
      (runtime.accesses > runtime.seenStatically ? ` (the other ${runtime.accesses - runtime.seenStatically} are runtime-only-access notes).` : '.'),
    `Findings by origin: ${origin('both')} both, ${origin('static')} static only, ${origin('runtime')} runtime only (${plural(runtime.statementsJudged, 'statement')} judged from ${plural(runtime.recordFiles, 'record file')}).`,
  ];
  if (runtime.unscannedFiles > 0) lines.push(`${plural(runtime.unscannedFiles, 'table access')} came from files this check does not scan.`);
  if (runtime.unattributedStatements > 0) lines.push(`${plural(runtime.unattributedStatements, 'statement')} came from no file of the repository and ${runtime.unattributedStatements === 1 ? 'was' : 'were'} not judged.`);
  return lines;
}

/**
 * Runs the pipeline with a progress line on a terminal. With a runtime record folder, the run keeps
 * its facts (the result cache holds none) and the record is merged in (runtime/merge.ts).
 */
async function scan(
  flags: ScanFlags,
  io: CliIO,
  options: Omit<CheckOptions, 'sqlParser' | 'onProgress' | 'cache' | 'threads'>,
  runtimeFolder?: string,
): Promise<CheckOutcome & { runtime?: RuntimeCoverage }> {
  // Loaded on demand: the TypeScript compiler and the SQL parser cost a second that --help should not pay.
  const { runCheck, runCheckOrReuse } = await import('../check.js');
  // Read first: a wrong folder fails before the scan.
  const runtime = runtimeFolder === undefined ? undefined : await import('../runtime/merge.js').then((merge) => ({ merge, record: merge.readRuntimeRecord(runtimeFolder) }));
  const progress = createProgress(io.stderr, { quiet: flags.quiet });
  try {
    const checkOptions: CheckOptions = {
      ...options,
      sqlParser: flags.sqlParser,
      onProgress: (done, total) => progress.update(done, total),
      cache: flags.cache === false ? undefined : { dir: flags.cacheDir ? path.resolve(flags.cacheDir) : defaultCacheDir(options.root) },
      threads: threadsFor(flags.threads),
    };
    if (!runtime) return await runCheckOrReuse(checkOptions);
    const result = await runCheck(checkOptions);
    const today = options.today ?? new Date().toISOString().slice(0, 10);
    const merged = runtime.merge.mergeRuntime(result, runtime.record, { root: options.root, mapFile: options.mapFile, today, baseline: options.baseline, rules: options.rules });
    return { ...result, findings: merged.findings, notifications: merged.notifications, absent: merged.absent, runtime: merged.coverage };
  } finally {
    progress.finish();
  }
}

/** --threads, capped at the number of cores: more threads than cores only add memory (--threads 200 on 2 cores took 6.6 GB). */
export function threadsFor(requested: number | undefined, cores = availableParallelism()): number | undefined {
  return requested === undefined ? undefined : Math.min(requested, cores);
}

function shardArgument(value: string): Shard {
  try {
    return parseShard(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of 1 or more.');
  return n;
}

function percentArgument(value: string): number {
  const n = Number(value.replace(/%$/, ''));
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError('expected a percentage from 0 to 100.');
  return n;
}

/** The options every scanning command takes (check, baseline): where, how to parse, cache and threads. */
function withScanOptions(command: Command, rootHelp: string): Command {
  return command
    .option('--root <dir>', `${rootHelp} (default: the folder of the ${MAP_FILE_NAME} found from the current folder upward)`)
    .option('--map <file>', `ownership map, relative to the current directory (default: <root>/${MAP_FILE_NAME})`)
    .addOption(new Option('--sql-parser <parser>', 'SQL parser').choices(['libpg-query', 'pgsql-ast-parser']).default('libpg-query'))
    .option('--debug', 'print stack traces of internal errors')
    .option('--cache-dir <dir>', 'where facts are cached between runs (default: a folder for this repository in $XDG_CACHE_HOME/schema-guard or ~/.cache/schema-guard)')
    .option('--no-cache', 'neither read nor write the cache of facts')
    .option('--threads <n>', 'threads that extract, this one included, at most the number of cores (default: by the number of files and cores; 1: no workers)', positiveInteger);
}

/** --rule's parser: one id per use, or several separated by commas; uses add up. */
function ruleIds(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((id) => id.trim()).filter(Boolean)];
}

/** The rules, one line each: id, level, summary. */
function ruleList(): string {
  const catalog = getRuleCatalog();
  const idWidth = Math.max(...catalog.map((rule) => rule.id.length));
  const levels = catalog.map((rule) => `${rule.level}${rule.blocking ? ', blocking' : ''}`);
  const levelWidth = Math.max(...levels.map((level) => level.length));
  const lines = catalog.map((rule, i) => `${rule.id.padEnd(idWidth)}  ${levels[i]!.padEnd(levelWidth)}  ${rule.summary}`);
  return `${lines.join('\n')}\n\nschema-guard explain <rule-id> prints a rule's page.\n`;
}

/**
 * The default command got a first argument that is not on disk: a mistyped command (`chek`) is
 * refused with a suggestion; anything else is left to the scan, which says the path does not exist.
 */
function refuseUnknownCommand(program: Command, word: string): void {
  if (existsSync(word) || !/^[a-z][a-z-]*$/i.test(word)) return;
  const commands = program.commands.map((command) => command.name());
  const near = suggestion(word, commands);
  throw new ArgumentError(`unknown command '${word}': ${near ? `did you mean ${near}?` : `expected one of ${commands.join(', ')}`}`, '');
}

/** The candidate closest to `word` (by edit distance, at most 2, or by prefix), if any. */
function suggestion(word: string, candidates: readonly string[]): string | undefined {
  const ranked = candidates.map((candidate) => ({ candidate, distance: editDistance(word.toLowerCase(), candidate) })).sort((a, b) => a.distance - b.distance);
  const best = ranked[0];
  if (best && best.distance <= 2) return best.candidate;
  return word.length >= 3 ? candidates.find((candidate) => candidate.startsWith(word.toLowerCase())) : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (const [i, ca] of [...a].entries()) {
    const current = [i + 1];
    for (const [j, cb] of [...b].entries()) current.push(Math.min(previous[j + 1]! + 1, current[j]! + 1, previous[j]! + (ca === cb ? 0 : 1)));
    previous = current;
  }
  return previous[b.length]!;
}

/** Commander's argument errors as one `schema-guard: …` line naming the command's --help, like every other usage error. */
function oneLineUsageErrors(program: Command, io: CliIO): void {
  const visit = (command: Command, names: string[]) => {
    const name = names.join(' ');
    command.configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text) => {
        const message = text.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim();
        io.stderr.write(`schema-guard: ${message} (see schema-guard ${name ? `${name} ` : ''}--help)\n`);
      },
    });
    for (const sub of command.commands) visit(sub, [...names, sub.name()]);
  };
  visit(program, []);
}

/** --baseline's file, else the default one when it exists; none with --no-baseline. */
function baselineFileFor(flag: string | false | undefined, root: string): string | undefined {
  if (flag === false) return undefined;
  if (flag !== undefined) return path.resolve(flag);
  const fallback = path.join(root, DEFAULT_BASELINE_FILE);
  // lstat: a link there is not a missing baseline, but one that readBaseline refuses.
  return lstatIfAny(fallback) ? fallback : undefined;
}

/** A path as reports show it: relative to the root when inside it. */
function displayPath(root: string, file: string): string {
  const relative = path.relative(root, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative.split(path.sep).join('/');
}

/** Rules for SARIF: the documented ones plus any restricted-table rule a team added in its map. */
function sarifRules(result: CheckOutcome) {
  const catalog = getRuleCatalog();
  const known = new Set(catalog.map((rule) => rule.id));
  const extra = result.loadedMap.map.restrictedTables
    .filter((rule) => !known.has(rule.rule))
    .map((rule) => fallbackRuleMeta(rule.rule, rule.level, rule.description));
  return [...catalog, ...extra].sort((a, b) => compareText(a.id, b.id));
}

/** The failure as a report in --format; the text and compact formats have none, the error on standard error says it all. */
export async function emitFailure(flags: Pick<CheckFlags, 'format' | 'output'>, error: unknown, io: CliIO): Promise<void> {
  const format = flags.format;
  if (format === 'text' || format === 'compact') return;
  const message = error instanceof MapError || error instanceof UsageError ? error.message : `internal error: ${(error as Error)?.message ?? String(error)}`;
  try {
    emit(flags, await renderFailure(format, message), io);
  } catch (writeError) {
    // The run's own error is reported after this, by the caller.
    io.stderr.write(`schema-guard: ${(writeError as Error).message}\n`);
  }
}

async function renderFailure(format: Exclude<Format, 'text' | 'compact'>, message: string): Promise<string> {
  if (format === 'json') {
    const { renderJson } = await import('../report/json.js');
    return renderJson({ findings: [], summary: summarise([], 0), notifications: [], toolVersion: TOOL_VERSION, errors: [message] });
  }
  if (format === 'github') return (await import('../report/github.js')).renderGithub({ findings: [], notifications: [{ level: 'error', message }], pathPrefix: '' });
  if (format === 'markdown') return (await import('../report/markdown.js')).renderMarkdownFailure(message);
  const { renderSarif } = await import('../report/sarif.js');
  return renderSarif({
    findings: [],
    rules: getRuleCatalog(),
    toolVersion: TOOL_VERSION,
    readFile: () => undefined,
    notifications: [{ level: 'error', message }],
    executionSuccessful: false,
  });
}

/** --output could not be written: there is nowhere to put a report of that failure either. */
export class OutputError extends UsageError {}

/** The report goes to --output when given, else to standard output. */
export function emit(flags: { output?: string }, report: string, io: CliIO, root?: string): void {
  if (!flags.output) {
    io.stdout.write(report);
    return;
  }
  try {
    // Inside the scanned root or the current folder (the checkout, in CI) never through a link;
    // renamed into place, never half written.
    const confineTo = [root, process.cwd()].find((dir) => dir !== undefined && isInside(flags.output!, dir));
    writeFileReplacing(flags.output, report, { root: confineTo });
  } catch (error) {
    throw new OutputError(`Cannot write --output ${flags.output}: ${(error as Error).message}.`);
  }
}

function reportError(error: unknown, debug: boolean, io: CliIO): number {
  // Messages quote paths and map text from the scanned repository: each line is made inert.
  const inert = (message: string) => message.split('\n').map(plainLineStart).join('\n');
  if (error instanceof MapError || error instanceof UsageError) {
    io.stderr.write(`schema-guard: ${inert(error.message)}\n`);
  } else {
    io.stderr.write(`schema-guard: internal error: ${inert((error as Error)?.message ?? String(error))}\n`);
    if (debug) io.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    else io.stderr.write('Run again with --debug for a stack trace, and please report it.\n');
  }
  return EXIT_ERROR;
}
