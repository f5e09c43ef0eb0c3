/**
 * How schema-guard runs git on a repository it does not trust. A repository's `.git/config` (and
 * the files it includes) can name programs git runs while it only reads: `core.fsmonitor` on every
 * index refresh, filter drivers (`filter.<name>.clean`, chosen by the committed `.gitattributes`)
 * when a file's stats no longer match the index, external diff and textconv drivers, a pager, hooks.
 * Each is switched off on the command line, which overrides every configuration file; the system
 * configuration is not read and git never prompts or takes optional locks.
 */
import { spawnSync } from 'node:child_process';

/** Options that go before the subcommand, whatever the repository's configuration says. */
const HARDENING = [
  '--no-pager',
  '-c', 'core.fsmonitor=false',
  '-c', 'core.hooksPath=/dev/null',
  '-c', 'core.pager=cat',
  '-c', 'core.askPass=',
  '-c', 'core.sshCommand=',
  '-c', 'diff.external=',
  '-c', 'gc.auto=0',
  '-c', 'maintenance.auto=false',
  '-c', 'protocol.allow=never',
  '-c', 'credential.helper=',
];

/**
 * The environment git runs in: the caller's without its GIT_* variables (a GIT_DIR or GIT_WORK_TREE
 * meant for another repository), and without system configuration, prompts or optional locks.
 */
export function gitEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('GIT_')) env[key] = value;
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_OPTIONAL_LOCKS: '0',
    GIT_PAGER: 'cat',
    GIT_EXTERNAL_DIFF: '',
    GIT_ASKPASS: '',
    SSH_ASKPASS: '',
  };
}

/**
 * The arguments for `git <args>` in `cwd`: the hardening, the repository's filter drivers emptied
 * (an empty command is no filter), then `args`. Diff commands get --no-ext-diff and --no-textconv too.
 */
export function hardenedArguments(cwd: string, args: readonly string[]): string[] {
  const filters = filterDrivers(cwd).flatMap((driver) => ['clean', 'smudge', 'process'].flatMap((kind) => ['-c', `filter.${driver}.${kind}=`]));
  const [command, ...rest] = args;
  const diffOptions = command === 'diff' ? ['--no-ext-diff', '--no-textconv'] : [];
  return [...HARDENING, ...filters, command!, ...diffOptions, ...rest];
}

const driversByFolder = new Map<string, string[]>();

/** The names of the filter drivers the repository's configuration defines (reading configuration runs nothing). */
function filterDrivers(cwd: string): string[] {
  let drivers = driversByFolder.get(cwd);
  if (!drivers) driversByFolder.set(cwd, (drivers = listFilterDrivers(cwd)));
  return drivers;
}

function listFilterDrivers(cwd: string): string[] {
  const listed = spawnSync('git', [...HARDENING, 'config', '-z', '--name-only', '--get-regexp', '^filter\\.'], {
    cwd,
    env: gitEnvironment(),
    encoding: 'utf8',
    maxBuffer: 1024 * 1024,
  });
  if (listed.status !== 0 || typeof listed.stdout !== 'string') return [];
  const drivers = new Set<string>();
  for (const key of listed.stdout.split('\0')) {
    const match = /^filter\.(.+)\.[^.]+$/s.exec(key);
    if (match) drivers.add(match[1]!);
  }
  return [...drivers];
}

/** Runs git synchronously with the hardening; undefined when git is missing or fails. */
export function gitSync(cwd: string, args: readonly string[]): string | undefined {
  const result = spawnSync('git', hardenedArguments(cwd, args), { cwd, env: gitEnvironment(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return result.status === 0 && typeof result.stdout === 'string' ? result.stdout : undefined;
}
