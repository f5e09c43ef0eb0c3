/**
 * Commands for architects keeping the map: `map validate`, `map schema`, `map coverage`, `who-owns`
 * and `graph`. Modules that load the TypeScript compiler are imported on demand, as in `check`.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { UsageError } from '../errors.js';
import type { FileFacts } from '../facts/types.js';
import type { WhoOwnsAnswer } from '../report/who-owns.js';
import { locate, MAP_FILE_NAME } from './locate.js';
import type { CliIO } from './main.js';

interface RepoFlags {
  root?: string;
  map?: string;
}

/** Exit codes as `check` uses them: 0 done, 1 the answer is "nothing owns it", 2 usage, map or I/O error. */
export type SetExitCode = (code: number) => void;

export function registerMapCommands(program: Command, io: CliIO, setExitCode: SetExitCode): void {
  const map = program.command('map').description('inspect and check the ownership map');

  withRepo(map.command('validate'))
    .description('check the map: schema, cross-references, overlapping folders, unknown rules, globs that match no file')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (flags: RepoFlags & { format: 'text' | 'json' }) => {
      const { validateMap, renderValidationJson, renderValidationText } = await import('../map/validate.js');
      const { root, mapFile } = locate(flags, 'map validate');
      const validation = validateMap(mapFile, root);
      const label = displayPath(mapFile);
      io.stdout.write(flags.format === 'json' ? renderValidationJson(validation, label) : renderValidationText(validation, label));
      setExitCode(validation.errors > 0 ? 2 : 0);
    });

  map
    .command('schema')
    .description('print the JSON Schema of ownership-map.yaml, for editors')
    .action(async () => {
      const { renderOwnershipMapJsonSchema } = await import('../map/json-schema.js');
      io.stdout.write(renderOwnershipMapJsonSchema());
    });

  withRepo(map.command('coverage'))
    .description('query sites read and unread, imports that lead to no file, tables used but not owned, tables owned but unused, folders in no domain')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--sites', 'list every query site whose table accesses could not be read, and why')
    .option('--imports', "list every import of the repository's own code that leads to no file, and why")
    .action(async (flags: RepoFlags & { format: 'text' | 'json'; sites?: boolean; imports?: boolean }) => {
      const { computeCoverage, renderCoverageJson, renderCoverageText } = await import('../report/coverage.js');
      const { runCheck } = await import('../check.js');
      const { root, mapFile } = locate(flags, 'map coverage');
      const report = computeCoverage(await runCheck({ root, mapFile }), root);
      io.stdout.write(flags.format === 'json' ? renderCoverageJson(report) : renderCoverageText(report, { sites: flags.sites, imports: flags.imports }));
    });

  withRepo(program.command('who-owns'))
    .description('what the map says about a table, or about a file or folder')
    .argument('<table-or-path>', 'a table name (schema.name allowed) or a path; a path contains "/" or exists')
    .addOption(new Option('--as <kind>', 'read the argument as a table or as a path').choices(['table', 'path']))
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (subject: string, flags: RepoFlags & { as?: 'table' | 'path'; format: 'text' | 'json' }) => {
      const whoOwns = await import('../report/who-owns.js');
      const { loadOwnershipMap } = await import('../map/load.js');
      const { OwnershipIndex } = await import('../map/resolve.js');
      const { root, mapFile } = locate(flags, 'who-owns');
      if (subject.trim() === '') throw new UsageError('who-owns needs a table name or a path.');
      const index = new OwnershipIndex(loadOwnershipMap(mapFile, root).map);
      const today = new Date().toISOString().slice(0, 10);
      const kind = flags.as ?? (subject.includes('/') || pathType(path.resolve(subject)) !== 'missing' ? 'path' : 'table');
      let answer: WhoOwnsAnswer;
      if (kind === 'table') {
        answer = whoOwns.answerTable(index, subject, today);
      } else {
        const relative = repoRelative(root, subject);
        const type = pathType(path.join(root, relative));
        // Scanning gives `// @owner` headers and a folder's files; a missing path is judged by the globs alone.
        let facts: FileFacts[] = [];
        if (type !== 'missing') {
          const { runCheck } = await import('../check.js');
          facts = (await runCheck({ root, mapFile, paths: [relative] })).facts;
        }
        answer = whoOwns.answerPath(index, relative, type, facts, today);
      }
      io.stdout.write(flags.format === 'json' ? whoOwns.renderWhoOwnsJson(answer) : whoOwns.renderWhoOwnsText(answer));
      setExitCode((answer.kind === 'table' ? answer.owner : answer.domain) ? 0 : 1);
    });

  withRepo(program.command('graph'))
    .description('which domain reads and writes which table family, violations marked')
    .addOption(new Option('--format <format>', 'output format').choices(['mermaid', 'dot', 'json']).default('mermaid'))
    .action(async (flags: RepoFlags & { format: 'mermaid' | 'dot' | 'json' }) => {
      const { buildGraph, renderDot, renderGraphJson, renderMermaid } = await import('../report/graph.js');
      const { runCheck } = await import('../check.js');
      const { root, mapFile } = locate(flags, 'graph');
      const graph = buildGraph(await runCheck({ root, mapFile }));
      const render = { mermaid: renderMermaid, dot: renderDot, json: renderGraphJson }[flags.format];
      io.stdout.write(render(graph));
    });
}

function withRepo(command: Command): Command {
  return command
    .option('--root <dir>', `repository root; paths are relative to it (default: the folder of the ${MAP_FILE_NAME} found from the current folder upward)`)
    .option('--map <file>', `ownership map, relative to the current directory (default: <root>/${MAP_FILE_NAME})`);
}

function pathType(absolute: string): 'file' | 'folder' | 'missing' {
  try {
    return statSync(absolute).isDirectory() ? 'folder' : 'file';
  } catch {
    return 'missing';
  }
}

/** A path given on the command line (relative to the current directory, as `check` reads paths) inside the root. */
function repoRelative(root: string, given: string): string {
  const relative = path.relative(root, path.resolve(given));
  if (relative.startsWith('..') || path.isAbsolute(relative)) throw new UsageError(`Path ${given} is outside the root ${root}.`);
  return relative.split(path.sep).join('/') || '.';
}

/** The map as the user would type it: relative to the current directory when inside it. */
function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative.split(path.sep).join('/') : file;
}
