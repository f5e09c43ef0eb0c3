/**
 * The files changed since a git ref, for --changed-since: committed since the branch left the ref
 * (`ref...HEAD`), staged or modified in the working tree, and untracked but not ignored.
 * Only git is run, with fixed arguments and the repository's own commands switched off (hardened.ts);
 * every failure is a UsageError that says what to fix.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { UsageError } from '../errors.js';
import { gitEnvironment, hardenedArguments } from './hardened.js';

export interface ChangedFiles {
  /** Changed files under the scanned root, as root-relative POSIX paths. */
  underRoot: Set<string>;
  /** True when the file at this absolute path changed. */
  includes(absolutePath: string): boolean;
}

export async function changedFiles(root: string, ref: string): Promise<ChangedFiles> {
  // A ref that looks like an option would be read as one by git.
  if (ref === '' || ref.startsWith('-')) throw new UsageError(`--changed-since "${ref}" is not a git ref: expected a branch, tag or commit such as origin/main.`);
  const realRoot = realpathSync(root);
  const toplevel = realpathSync((await git(realRoot, ['rev-parse', '--show-toplevel'], ref)).trim());
  const verified = await execa('git', hardenedArguments(toplevel, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]), {
    cwd: toplevel,
    env: gitEnvironment(),
    reject: false,
  });
  if (verified.failed) {
    throw new UsageError(`--changed-since ${ref}: no such commit in the repository at ${toplevel}. Fetch it first (in CI: actions/checkout with fetch-depth: 0).`);
  }
  const lists = await Promise.all([
    git(toplevel, ['diff', '--name-only', '-z', `${ref}...HEAD`, '--'], ref),
    git(toplevel, ['diff', '--name-only', '-z', 'HEAD', '--'], ref),
    git(toplevel, ['ls-files', '--others', '--exclude-standard', '-z'], ref),
  ]);
  const changed = new Set(lists.flatMap((list) => list.split('\0')).filter(Boolean).map((file) => path.join(toplevel, file)));
  const underRoot = new Set<string>();
  for (const file of changed) {
    const relative = path.relative(realRoot, file);
    if (!relative.startsWith('..') && !path.isAbsolute(relative)) underRoot.add(relative.split(path.sep).join('/'));
  }
  return { underRoot, includes: (absolutePath) => changed.has(realPathOf(absolutePath)) };
}

async function git(cwd: string, args: string[], ref: string): Promise<string> {
  const result = await execa('git', hardenedArguments(cwd, args), { cwd, env: gitEnvironment(), reject: false, stripFinalNewline: false });
  if (result.code === 'ENOENT') throw new UsageError('--changed-since needs git, and no git executable was found on PATH.');
  if (result.failed) {
    const detail = String(result.stderr).trim().split('\n')[0] || (result.shortMessage ?? 'no message');
    if (/not a git repository/i.test(detail)) throw new UsageError(`--changed-since needs a git repository: ${cwd} is not inside one.`);
    throw new UsageError(`--changed-since ${ref}: git ${args[0]} failed: ${detail}`);
  }
  return String(result.stdout);
}

function realPathOf(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}
