/**
 * The command line: parses flags, runs the pipeline, renders the requested format, sets the exit code.
 * Exit codes: 0 nothing reached --fail-on and no blocking rule fired; 1 something did; 2 usage, map or I/O error.
 */
import { isInside, lstatIfAny, readRegularFile, writeFileReplacing } from '../io/safe-files.js';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { CheckOptions, CheckOutcome } from '../check.js';
import { parseShard, type Shard } from '../discover/shard.js';
import { UsageError } from '../errors.js';
import { defaultCacheDir } from '../cache/folder.js';
import { baselineEntries, DEFAULT_BASELINE_FILE, describeEntry, type BaselineEntry } from '../filter/baseline.js';
import { MapError } from '../map/map-file.js';
import { isReported, LEVEL_RANK, type Finding, type Level } from '../rules/finding.js';
import { fallbackRuleMeta, getRuleCatalog, getRuleMeta } from '../rules/catalog.js';
import { summarise, type Summary } from '../report/summary.js';
import { TOOL_VERSION } from '../version.js';
import { registerMapCommands } from './map-commands.js';
import { createProgress } from './progress.js';
import { compareText } from '../order.js';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

const FORMATS = ['text', 'json', 'sarif', 'github', 'markdown'] as const;
/** A source file the reports quote lines of: the scan reads none larger (discover's limit), with room to spare. */
const MAX_QUOTED_FILE_BYTES = 4 * 1024 * 1024;
type Format = (typeof FORMATS)[number];
type FailOn = 'none' | Level;

interface ScanFlags {
  root: string;
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
  rule?: string[];
  /** A file with --baseline, false with --no-baseline. */
  baseline?: string | false;
  changedSince?: string;
  maxFindings: number;
  sarifIncludeSuppressed?: boolean;
  shard?: Shard;
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
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .showHelpAfterError('(run schema-guard --help for usage)');

  program
    .command('check', { isDefault: true })
    .description('scan the repository and report where code crosses ownership boundaries')
    .argument('[paths...]', 'files or folders to scan inside the root (default: all of it)')
    .option('--root <dir>', 'repository to scan; every path in the output is relative to it', '.')
    .option('--map <file>', 'ownership map, relative to the current directory (default: <root>/ownership-map.yaml)')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('text'))
    .option('--output <file>', 'write the report in --format to this file; the text report still goes to standard output')
    .addOption(new Option('--fail-on <level>', 'exit 1 when a new finding reaches this level').choices(['none', 'note', 'warning', 'error']).default('none'))
    .option('--rule <id...>', 'run only these rules')
    .option('--baseline <file>', `report only findings not recorded in this baseline file (default: <root>/${DEFAULT_BASELINE_FILE} when it exists)`)
    .option('--no-baseline', 'ignore the baseline file: report every finding')
    .option('--changed-since <ref>', 'analyse only files changed since this git ref, plus uncommitted and untracked ones (a changed map means a full run)')
    .addOption(new Option('--max-findings <n>', 'findings listed in --format markdown').argParser(positiveInteger).default(50))
    .option('--sarif-include-suppressed', 'put suppressed and baselined findings in SARIF too, marked (GitHub code scanning shows them as open alerts)')
    .addOption(new Option('--sql-parser <parser>', 'SQL parser').choices(['libpg-query', 'pgsql-ast-parser']).default('libpg-query'))
    .option('--quiet', 'no progress line, and no text report on standard output when --output is given')
    .option('--debug', 'print stack traces of internal errors')
    .option('--shard <i/n>', 'scan only part i of n of the files, for a CI matrix (combine the reports with `merge`)', shardArgument)
    .option('--cache-dir <dir>', 'where facts are cached between runs (default: a folder for this repository in $XDG_CACHE_HOME/schema-guard or ~/.cache/schema-guard)')
    .option('--no-cache', 'neither read nor write the cache of facts')
    .option('--threads <n>', 'threads that extract, this one included, at most the number of cores (default: by the number of files and cores; 1: no workers)', positiveInteger)
    .action(async (paths: string[], flags: CheckFlags) => {
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
      emit(flags, mergeReportFiles(reports, flags.format), io);
    });

  program
    .command('baseline')
    .description('record the current findings in a baseline file, so that check reports only new ones')
    .option('--root <dir>', 'repository to scan; every path in the baseline is relative to it', '.')
    .option('--map <file>', 'ownership map, relative to the current directory (default: <root>/ownership-map.yaml)')
    .option('--baseline <file>', `where to write it (default: <root>/${DEFAULT_BASELINE_FILE})`)
    .addOption(new Option('--sql-parser <parser>', 'SQL parser').choices(['libpg-query', 'pgsql-ast-parser']).default('libpg-query'))
    .option('--quiet', 'no progress line and no confirmation')
    .option('--debug', 'print stack traces of internal errors')
    .action(async (flags: BaselineFlags) => {
      exitCode = await recordBaseline(flags, io);
    });

  program
    .command('explain')
    .description("print a rule's documentation")
    .argument('<rule-id>', 'the rule id, e.g. ledger-write')
    .action((id: string) => {
      const meta = getRuleMeta(id);
      if (!meta) throw new UsageError(`Unknown rule '${id}'. Known rules: ${getRuleCatalog().map((rule) => rule.id).join(', ')}.`);
      io.stdout.write(meta.markdown.endsWith('\n') ? meta.markdown : meta.markdown + '\n');
    });

  registerMapCommands(program, io, (code) => (exitCode = code));

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
  const { root, mapFile } = scanLocations(flags);
  const ruleIds = flags.rule?.flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean);
  const relativePaths = paths.map((p) => path.relative(root, path.resolve(p)).split(path.sep).join('/') || '.');
  const baselineFile = baselineFileFor(flags.baseline, root);
  // Loaded only for a baseline file: its schema validator is a tenth of a re-run.
  const baseline = baselineFile === undefined ? undefined : (await import('../filter/baseline-file.js')).readBaseline(baselineFile, root);
  const result = await scan(flags, io, { root, mapFile, paths: relativePaths, rules: ruleIds, changedSince: flags.changedSince, baseline, shard: flags.shard });
  if (ruleIds) {
    const known = new Set([...getRuleCatalog().map((rule) => rule.id), ...result.loadedMap.map.restrictedTables.map((rule) => rule.rule)]);
    const unknown = ruleIds.filter((id) => !known.has(id));
    if (unknown.length) throw new UsageError(`Unknown rule id${unknown.length > 1 ? 's' : ''} for --rule: ${unknown.join(', ')}.`);
  }

  const reported = result.findings.filter(isReported);
  const run: RunReport = {
    result,
    reported,
    summary: summarise(reported, result.filesScanned, result.frameworks),
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
    return renderText({ findings: reported, summary: run.summary, notifications: result.notifications, readFile: run.readFile, color }) + keptApart(run);
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
  return failing ? EXIT_FINDINGS : EXIT_OK;
}

async function recordBaseline(flags: BaselineFlags, io: CliIO): Promise<number> {
  const { root, mapFile } = scanLocations(flags);
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
interface RunReport {
  result: CheckOutcome;
  /** Findings that are neither suppressed nor baselined. */
  reported: Finding[];
  summary: Summary;
  baseline?: { file: string; absent: BaselineEntry[] };
  readFile(file: string): string | undefined;
  root: string;
}

async function renderReport(flags: CheckFlags, run: RunReport): Promise<string> {
  const { result } = run;
  const pathPrefix = async () => (await import('../report/github.js')).workspacePrefix(run.root, process.env.GITHUB_WORKSPACE ?? process.cwd());
  switch (flags.format) {
    case 'json': {
      const { renderJson } = await import('../report/json.js');
      return renderJson({ findings: result.findings, summary: run.summary, notifications: result.notifications, toolVersion: TOOL_VERSION, baseline: run.baseline });
    }
    case 'sarif': {
      const { renderSarif } = await import('../report/sarif.js');
      return renderSarif({
        findings: result.findings,
        rules: sarifRules(result),
        toolVersion: TOOL_VERSION,
        readFile: run.readFile,
        notifications: result.notifications,
        executionSuccessful: true,
        includeSuppressed: flags.sarifIncludeSuppressed,
        baseline: run.baseline,
      });
    }
    case 'github': {
      const { renderGithub } = await import('../report/github.js');
      return renderGithub({ findings: run.reported, notifications: result.notifications, pathPrefix: await pathPrefix(), absent: run.baseline?.absent });
    }
    default: {
      const { fileLinks, renderMarkdown } = await import('../report/markdown.js');
      return renderMarkdown({
        findings: run.reported,
        summary: run.summary,
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

/** The text report's last lines: what suppression comments and the baseline kept out of it, and what the baseline no longer needs. */
function keptApart(run: RunReport): string {
  const suppressed = run.result.findings.filter((finding) => finding.suppressed).length;
  const baselined = run.result.findings.filter((finding) => finding.baselineState === 'unchanged').length;
  const lines: string[] = [];
  const hidden = [baselined > 0 ? `${baselined} recorded in the baseline ${run.baseline?.file}` : '', suppressed > 0 ? `${suppressed} suppressed by comments` : ''];
  if (baselined + suppressed > 0) lines.push(`Not shown: ${hidden.filter(Boolean).join(', ')}.`);
  const absent = run.baseline?.absent ?? [];
  if (absent.length > 0) {
    // One by one: spreading 200,000 entries into push() overflows the stack.
    lines.push(`No longer found, though recorded in the baseline (run schema-guard baseline to shrink it):`);
    for (const entry of absent) lines.push(`  ${describeEntry(entry)}`);
  }
  return lines.length > 0 ? `\n${lines.join('\n')}\n` : '';
}

/** Runs the pipeline with a progress line on a terminal. */
async function scan(flags: ScanFlags, io: CliIO, options: Omit<CheckOptions, 'sqlParser' | 'onProgress' | 'cache' | 'threads'>): Promise<CheckOutcome> {
  // Loaded on demand: the TypeScript compiler and the SQL parser cost a second that --help should not pay.
  const { runCheckOrReuse } = await import('../check.js');
  const progress = createProgress(io.stderr, { quiet: flags.quiet });
  try {
    return await runCheckOrReuse({
      ...options,
      sqlParser: flags.sqlParser,
      onProgress: (done, total) => progress.update(done, total),
      cache: flags.cache === false ? undefined : { dir: flags.cacheDir ? path.resolve(flags.cacheDir) : defaultCacheDir(options.root) },
      threads: threadsFor(flags.threads),
    });
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

function scanLocations(flags: ScanFlags): { root: string; mapFile: string } {
  const root = path.resolve(flags.root);
  return { root, mapFile: flags.map ? path.resolve(flags.map) : path.join(root, 'ownership-map.yaml') };
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

/** The failure as a report in --format; the text format has none, the error on standard error says it all. */
async function emitFailure(flags: CheckFlags, error: unknown, io: CliIO): Promise<void> {
  const format = flags.format;
  if (format === 'text') return;
  const message = error instanceof MapError || error instanceof UsageError ? error.message : `internal error: ${(error as Error)?.message ?? String(error)}`;
  try {
    emit(flags, await renderFailure(format, message), io);
  } catch (writeError) {
    // The run's own error is reported after this, by the caller.
    io.stderr.write(`schema-guard: ${(writeError as Error).message}\n`);
  }
}

async function renderFailure(format: Exclude<Format, 'text'>, message: string): Promise<string> {
  if (format === 'json') {
    const { renderJson } = await import('../report/json.js');
    return renderJson({ findings: [], summary: summarise([], 0), notifications: [], toolVersion: TOOL_VERSION, errors: [message] });
  }
  if (format === 'github') return (await import('../report/github.js')).renderGithub({ findings: [], notifications: [{ level: 'error', message }], pathPrefix: '' });
  if (format === 'markdown') return `## schema-guard\n\n❌ The run stopped:\n\n\`\`\`\n${message}\n\`\`\`\n`;
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
class OutputError extends UsageError {}

/** The report goes to --output when given, else to standard output. */
function emit(flags: { output?: string }, report: string, io: CliIO, root?: string): void {
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
  if (error instanceof MapError || error instanceof UsageError) {
    io.stderr.write(`schema-guard: ${error.message}\n`);
  } else {
    io.stderr.write(`schema-guard: internal error: ${(error as Error)?.message ?? String(error)}\n`);
    if (debug) io.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    else io.stderr.write('Run again with --debug for a stack trace, and please report it.\n');
  }
  return EXIT_ERROR;
}
