/**
 * `db check`: the ownership map against a database's catalog, built from the migrations in an
 * embedded PostgreSQL (the default) or read from a live one. Same report formats, --fail-on and
 * exit codes as `check`: 0 nothing reached --fail-on, 1 something did, 2 usage, map, I/O or
 * connection error. The database modules load only when the command runs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { locate, MAP_FILE_NAME } from './locate.js';
import type { CliIO } from './main.js';
import type { SetExitCode } from './map-commands.js';

const FORMATS = ['text', 'json', 'sarif', 'github', 'markdown'] as const;

interface DbCheckFlags {
  root?: string;
  map?: string;
  migrations?: string[];
  databaseUrl?: string;
  timeout?: number;
  format: (typeof FORMATS)[number];
  output?: string;
  failOn: 'none' | 'note' | 'warning' | 'error';
  maxFindings: number;
  sarifIncludeSuppressed?: boolean;
  quiet?: boolean;
  debug?: boolean;
}

export function registerDbCommands(program: Command, io: CliIO, setExitCode: SetExitCode): void {
  const db = program.command('db').description("check the ownership map against a database's catalog");
  db.command('check')
    .description('apply the migrations to an embedded PostgreSQL (or read a live one) and check its tables against the map')
    .option('--root <dir>', `repository root; migration globs and every path in the output are relative to it (default: the folder of the ${MAP_FILE_NAME} found from the current folder upward)`)
    .option('--map <file>', `ownership map, relative to the current directory (default: <root>/${MAP_FILE_NAME})`)
    .addOption(
      new Option('--migrations <glob>', 'plain SQL migration files, relative to the root, applied in natural order of their paths; repeat it for several globs, applied in the order given (default: **/migrations/**/*.sql)').argParser(
        (glob: string, previous: string[] | undefined) => [...(previous ?? []), glob],
      ),
    )
    .option('--database-url <url>', 'read the catalog of this live PostgreSQL instead, in a read-only transaction (postgres://user:password@host:port/database)')
    .addOption(new Option('--timeout <seconds>', 'time limit of each migration statement, or of connecting and of each catalog query').argParser(positiveNumber).default(10))
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('text'))
    .option('--output <file>', 'write the report in --format to this file; the text report still goes to standard output')
    .addOption(new Option('--fail-on <level>', 'exit 1 when a finding reaches this level').choices(['none', 'note', 'warning', 'error']).default('none'))
    .addOption(new Option('--max-findings <n>', 'findings listed in --format markdown').argParser(positiveInteger).default(50))
    .option('--sarif-include-suppressed', 'put suppressed findings in SARIF too, marked')
    .option('--quiet', 'no text report on standard output when --output is given')
    .option('--debug', 'print stack traces of internal errors')
    .action(async (flags: DbCheckFlags) => {
      const { emitFailure, OutputError } = await import('./main.js');
      try {
        setExitCode(await dbCheck(flags, io));
      } catch (error) {
        if (!(error instanceof OutputError)) await emitFailure(flags, error, io);
        throw error;
      }
    });
}

async function dbCheck(flags: DbCheckFlags, io: CliIO): Promise<number> {
  const [{ runDbCheck }, { renderReport, emit, EXIT_FINDINGS, EXIT_OK }, { summarise }, { isReported, LEVEL_RANK }] = await Promise.all([
    import('../db/check.js'),
    import('./main.js'),
    import('../report/summary.js'),
    import('../rules/finding.js'),
  ]);
  const { root, mapFile } = locate(flags, 'db check');
  const outcome = await runDbCheck({ root, mapFile, migrations: flags.migrations, databaseUrl: flags.databaseUrl, timeoutMs: (flags.timeout ?? 10) * 1000 });
  const reported = outcome.findings.filter(isReported);
  const notifications = [
    {
      level: 'note' as const,
      message:
        outcome.source === 'migrations'
          ? `Applied ${outcome.filesApplied} migration file${outcome.filesApplied === 1 ? '' : 's'} to an embedded PostgreSQL (PGlite); its catalog holds ${outcome.relations} relations.`
          : `Read the catalog of the database: ${outcome.relations} relations.`,
    },
    ...outcome.notifications,
  ];
  const run = {
    result: { findings: outcome.findings, filesScanned: outcome.filesApplied, notifications, loadedMap: outcome.loadedMap, fullRun: true, frameworks: {}, unreadSites: [], unresolvedImports: [], skipped: [] },
    reported,
    listed: reported,
    summary: summarise(reported, outcome.filesApplied),
    readFile: (file: string) => {
      try {
        return readFileSync(path.join(root, file), 'utf8');
      } catch {
        return undefined;
      }
    },
    root,
  };
  const text = async (toStdout: boolean) => {
    const { renderText, shouldUseColor } = await import('../report/text.js');
    return renderText({
      findings: reported,
      summary: run.summary,
      notifications,
      readFile: run.readFile,
      color: toStdout && shouldUseColor(io.stdout),
      failOn: flags.failOn,
      keptApart: {
        suppressed: outcome.findings.filter((finding) => finding.suppressed).length,
        baselined: 0,
      },
    });
  };
  const report = (toStdout: boolean) => (flags.format === 'text' ? text(toStdout) : renderReport(flags, run));
  if (flags.output) {
    emit(flags, await report(false), io);
    if (!flags.quiet) io.stdout.write(await text(true));
  } else {
    io.stdout.write(await report(true));
  }
  const threshold = flags.failOn === 'none' ? Infinity : LEVEL_RANK[flags.failOn];
  return reported.some((finding) => finding.blocking || LEVEL_RANK[finding.level] >= threshold) ? EXIT_FINDINGS : EXIT_OK;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of 1 or more.');
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number of seconds above 0.');
  return n;
}
