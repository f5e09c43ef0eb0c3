import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, ROOT_MAP, writeRepo, runCli } from '../helpers.js';
import { temporaryFolder } from '../temporary.js';

const BIN = path.join(REPO_ROOT, 'bin/schema-guard.js');
const ORGS = 'packages/gpuaas/provisioning/src/orgs.ts';
const PLANS = 'packages/gpuaas/inventory/src/plans.ts';
const READ_ORGS = "export const orgs = () => pool.query('SELECT * FROM organizations');\n";
const READ_PLANS = "export const plans = () => pool.query('SELECT * FROM pricing_plans');\n";

const git = (cwd: string, args: string[]) => execa('git', args, { cwd });

/** A repository with one commit on main holding the root map and two files with one finding each. */
async function gitRepo(): Promise<string> {
  const root = writeRepo({ 'ownership-map.yaml': readFileSync(ROOT_MAP, 'utf8'), [ORGS]: READ_ORGS, [PLANS]: READ_PLANS, '.gitignore': 'scratch/\n' });
  await git(root, ['init', '-q', '-b', 'main']);
  await git(root, ['config', 'user.email', 'guard@example.com']);
  await git(root, ['config', 'user.name', 'Schema Guard Test']);
  await git(root, ['config', 'commit.gpgsign', 'false']);
  await git(root, ['add', '-A']);
  await git(root, ['commit', '-q', '-m', 'initial']);
  return root;
}

const run = runCli;

async function jsonRun(root: string, ref: string) {
  const result = await run(['check', '--root', root, '--changed-since', ref, '--format', 'json']);
  expect(result.exitCode).toBe(0);
  const report = JSON.parse(result.stdout) as { findings: Array<{ ruleId: string; file: string }>; summary: { filesScanned: number } };
  return { files: [...new Set(report.findings.map((f) => f.file))], rules: report.findings.map((f) => f.ruleId), scanned: report.summary.filesScanned };
}

describe('--changed-since', () => {
  it('analyses nothing when nothing changed', async () => {
    const root = await gitRepo();
    expect(await jsonRun(root, 'main')).toEqual({ files: [], rules: [], scanned: 0 });
  });

  it('analyses only files committed on the branch since it left the ref, and reports only their findings', async () => {
    const root = await gitRepo();
    await git(root, ['checkout', '-q', '-b', 'feature']);
    appendFileSync(path.join(root, ORGS), READ_ORGS.replace('orgs =', 'moreOrgs ='));
    await git(root, ['commit', '-q', '-am', 'more orgs']);
    // A later commit on main is not part of the branch's change.
    await git(root, ['checkout', '-q', 'main']);
    appendFileSync(path.join(root, PLANS), READ_PLANS.replace('plans =', 'morePlans ='));
    await git(root, ['commit', '-q', '-am', 'more plans']);
    await git(root, ['checkout', '-q', 'feature']);
    expect(await jsonRun(root, 'main')).toEqual({ files: [ORGS], rules: ['cross-domain-query', 'cross-domain-query'], scanned: 1 });
  });

  it('includes staged, modified and untracked files, but not ignored ones', async () => {
    const root = await gitRepo();
    appendFileSync(path.join(root, PLANS), '// touched\n');
    const added = 'packages/gpuaas/provisioning/src/new.ts';
    writeFileSync(path.join(root, added), READ_ORGS);
    mkdirSync(path.join(root, 'scratch'));
    writeFileSync(path.join(root, 'scratch/try.ts'), READ_ORGS);
    expect(await jsonRun(root, 'HEAD')).toEqual({ files: [PLANS, added], rules: ['cross-domain-query', 'cross-domain-query'], scanned: 2 });
  });

  it('runs over everything when the map changed', async () => {
    const root = await gitRepo();
    appendFileSync(path.join(root, 'ownership-map.yaml'), '\n# reviewed\n');
    const { files, rules, scanned } = await jsonRun(root, 'HEAD');
    expect(scanned).toBe(2);
    expect(files).toEqual(['ownership-map.yaml', PLANS, ORGS]);
    // A full run: the map's three exceptions waive nothing in this small repository.
    expect(rules.filter((rule) => rule === 'unused-exception')).toHaveLength(3);
  });

  it('leaves the map out of a run that did not change it: no unused-exception', async () => {
    const root = await gitRepo();
    appendFileSync(path.join(root, ORGS), '// touched\n');
    expect((await jsonRun(root, 'HEAD')).rules).toEqual(['cross-domain-query']);
  });

  it('a bad ref is an exit-2 error that says what to do, from the real CLI', async () => {
    const root = await gitRepo();
    const result = await execa('node', [BIN, 'check', '--changed-since', 'origin/nope'], { cwd: root, reject: false, env: { NO_COLOR: '1' } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^schema-guard: --changed-since origin\/nope: no such commit in the repository at .*\. Fetch it first \(in CI: actions\/checkout with fetch-depth: 0\)\.$/);
    expect(result.stdout).toBe('');
  }, 60_000);

  it('refuses a ref that git would read as an option', async () => {
    const root = await gitRepo();
    const result = await run(['check', '--root', root, '--changed-since=--output=/tmp/x']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('is not a git ref');
  });

  it('outside a git repository, or without git, is an exit-2 error', async () => {
    const plain = writeRepo({ 'ownership-map.yaml': readFileSync(ROOT_MAP, 'utf8'), [ORGS]: READ_ORGS });
    const outside = await run(['check', '--root', plain, '--changed-since', 'main']);
    expect(outside.exitCode).toBe(2);
    expect(outside.stderr).toBe(`schema-guard: --changed-since needs a git repository: ${plain} is not inside one.\n`);

    const root = await gitRepo();
    const emptyPath = temporaryFolder('schema-guard-no-git-');
    const noGit = await execa(process.execPath, [BIN, 'check', '--changed-since', 'main'], { cwd: root, reject: false, env: { PATH: emptyPath, NO_COLOR: '1' } });
    expect(noGit.exitCode).toBe(2);
    expect(noGit.stderr).toBe('schema-guard: --changed-since needs git, and no git executable was found on PATH.');
  }, 60_000);
});
