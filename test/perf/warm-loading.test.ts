import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, ROOT_MAP } from '../helpers.js';
import { temporaryFolder } from '../temporary.js';

const BIN = path.join(REPO_ROOT, 'bin/schema-guard.js');
const FIXTURE = path.join(REPO_ROOT, 'fixtures/platform-monorepo');

/** Runs the built CLI with a module hook that lists every module it loads. */
async function modulesLoaded(root: string, cacheDir: string): Promise<string[]> {
  const dir = temporaryFolder('schema-guard-loads-');
  const log = path.join(dir, 'loaded.txt');
  writeFileSync(path.join(dir, 'hooks.mjs'), `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context); }\n`);
  writeFileSync(path.join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)});\n`);
  writeFileSync(log, '');
  await execa('node', ['--import', pathToFileURL(path.join(dir, 'register.mjs')).href, BIN, 'check', '--root', root, '--map', ROOT_MAP, '--format', 'json', '--quiet', '--cache-dir', cacheDir], { reject: false });
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((url) => url.replace(pathToFileURL(REPO_ROOT).href.replace(/\/?$/, '/'), ''));
}

describe('a re-run in which nothing changed', () => {
  it.skipIf(!existsSync(path.join(REPO_ROOT, 'dist/cli/main.js')))('loads no rule, parser, YAML, schema or glob library: the result cache answers it', async () => {
    const root = path.join(temporaryFolder('schema-guard-loads-'), 'repo');
    cpSync(FIXTURE, root, { recursive: true });
    // Stats younger than two seconds are not trusted (cache.ts, RACY_MS): the re-run would analyse again.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    // Outside the root: a cache folder made in the root moves the root's mtime, and the listing kept
    // with it would not be trusted for two seconds.
    const cacheDir = temporaryFolder('schema-guard-loads-cache-');
    const cold = await modulesLoaded(root, cacheDir);
    // The cold run judged every file: the rules were there to be loaded.
    expect(cold).toContain('dist/rules/engine.js');
    const warm = await modulesLoaded(root, cacheDir);
    expect(warm).toContain('dist/outcome.js');
    const heavy = warm.filter((module) => /^dist\/(rules\/(engine|index)|verdicts|map\/resolve|discover\/files|extract\/(jobs|typescript|run)|sql\/)|^node_modules\/(ts-morph|@ts-morph|libpg-query|pgsql-ast-parser|yaml|zod|tinyglobby|fdir|ignore|picomatch)\//.test(module));
    expect(heavy).toEqual([]);
  }, 60_000);
});
