/**
 * The command line: parses flags, runs the pipeline, renders the requested format, sets the exit code.
 * Exit codes: 0 nothing reached --fail-on and no blocking rule fired; 1 something did; 2 usage, map or I/O error.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import type { CheckResult } from '../check.js';
import { UsageError } from '../errors.js';
import { MapError } from '../map/load.js';
import { LEVEL_RANK, type Level } from '../rules/finding.js';
import { fallbackRuleMeta, getRuleCatalog, getRuleMeta } from '../rules/catalog.js';
import { renderJson } from '../report/json.js';
import { renderSarif } from '../report/sarif.js';
import { summarise } from '../report/summary.js';
import { renderText, shouldUseColor } from '../report/text.js';
import { TOOL_VERSION } from '../version.js';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

type Format = 'text' | 'json' | 'sarif';
type FailOn = 'none' | Level;

interface CheckFlags {
  root: string;
  map?: string;
  format: Format;
  output?: string;
  failOn: FailOn;
  rule?: string[];
  sqlParser: 'libpg-query' | 'pgsql-ast-parser';
  debug?: boolean;
}

/** Where the CLI writes; the real process streams unless a test passes its own. */
export interface CliIO {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
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
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'))
    .option('--output <file>', 'write the report to a file instead of standard output')
    .addOption(new Option('--fail-on <level>', 'exit 1 when a finding reaches this level').choices(['none', 'note', 'warning', 'error']).default('none'))
    .option('--rule <id...>', 'run only these rules')
    .addOption(new Option('--sql-parser <parser>', 'SQL parser').choices(['libpg-query', 'pgsql-ast-parser']).default('libpg-query'))
    .option('--debug', 'print stack traces of internal errors')
    .action(async (paths: string[], flags: CheckFlags) => {
      exitCode = await check(paths, flags, io);
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

async function check(paths: string[], flags: CheckFlags, io: CliIO): Promise<number> {
  const root = path.resolve(flags.root);
  const mapFile = flags.map ? path.resolve(flags.map) : path.join(root, 'ownership-map.yaml');
  const ruleIds = flags.rule?.flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean);
  const relativePaths = paths.map((p) => path.relative(root, path.resolve(p)).split(path.sep).join('/') || '.');
  let result: CheckResult;
  try {
    // Loaded on demand: the TypeScript compiler and the SQL parser cost a second that --help should not pay.
    const { runCheck } = await import('../check.js');
    result = await runCheck({ root, mapFile, paths: relativePaths, sqlParser: flags.sqlParser, rules: ruleIds });
  } catch (error) {
    if (flags.format !== 'text' && (error instanceof UsageError || error instanceof MapError)) {
      // A stopped run still produces valid output in the requested format.
      emit(flags, renderFailure(flags.format, error.message), io);
    }
    throw error;
  }
  if (ruleIds) {
    const known = new Set([...getRuleCatalog().map((rule) => rule.id), ...result.loadedMap.map.restrictedTables.map((rule) => rule.rule)]);
    const unknown = ruleIds.filter((id) => !known.has(id));
    if (unknown.length) throw new UsageError(`Unknown rule id${unknown.length > 1 ? 's' : ''} for --rule: ${unknown.join(', ')}.`);
  }

  const summary = summarise(result.findings, result.filesScanned);
  const readFile = (file: string): string | undefined => {
    try {
      return readFileSync(path.join(root, file), 'utf8');
    } catch {
      return undefined;
    }
  };
  let report: string;
  if (flags.format === 'json') {
    report = renderJson({ findings: result.findings, summary, notifications: result.notifications, toolVersion: TOOL_VERSION });
  } else if (flags.format === 'sarif') {
    report = renderSarif({
      findings: result.findings,
      rules: sarifRules(result),
      toolVersion: TOOL_VERSION,
      readFile,
      notifications: result.notifications,
      executionSuccessful: true,
    });
  } else {
    const color = !flags.output && shouldUseColor(io.stdout);
    report = renderText({ findings: result.findings, summary, notifications: result.notifications, readFile, color });
  }
  emit(flags, report, io);

  const threshold = flags.failOn === 'none' ? Infinity : LEVEL_RANK[flags.failOn];
  const failing = result.findings.some((finding) => finding.blocking || LEVEL_RANK[finding.level] >= threshold);
  return failing ? EXIT_FINDINGS : EXIT_OK;
}

/** Rules for SARIF: the documented ones plus any restricted-table rule a team added in its map. */
function sarifRules(result: CheckResult) {
  const catalog = getRuleCatalog();
  const known = new Set(catalog.map((rule) => rule.id));
  const extra = result.loadedMap.map.restrictedTables
    .filter((rule) => !known.has(rule.rule))
    .map((rule) => fallbackRuleMeta(rule.rule, rule.level, rule.description));
  return [...catalog, ...extra].sort((a, b) => a.id.localeCompare(b.id));
}

function renderFailure(format: Exclude<Format, 'text'>, message: string): string {
  if (format === 'json') {
    return renderJson({ findings: [], summary: summarise([], 0), notifications: [], toolVersion: TOOL_VERSION, errors: [message] });
  }
  return renderSarif({
    findings: [],
    rules: getRuleCatalog(),
    toolVersion: TOOL_VERSION,
    readFile: () => undefined,
    notifications: [{ level: 'error', message }],
    executionSuccessful: false,
  });
}

function emit(flags: CheckFlags, report: string, io: CliIO): void {
  if (!flags.output) {
    io.stdout.write(report);
    return;
  }
  try {
    mkdirSync(path.dirname(path.resolve(flags.output)), { recursive: true });
    writeFileSync(flags.output, report);
  } catch (error) {
    throw new UsageError(`Cannot write --output ${flags.output}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
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
