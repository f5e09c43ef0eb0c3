/**
 * The documentation a user reads: the README's promises, the generated parts (rule table, output
 * samples) against fresh runs, links that resolve inside the repository, and no reference to
 * anything a reader of the repository cannot open. `npm run docs:sync` rewrites the generated parts.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { getRuleCatalog, renderRuleTable } from '../src/rules/catalog.js';
import { blockOf, renderSample, sampleIdsIn, SAMPLES } from '../scripts/doc-samples.mjs';
import { REPO_ROOT, runCli } from './helpers.js';

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');

function markdownUnder(folder: string): string[] {
  if (!existsSync(path.join(REPO_ROOT, folder))) return [];
  return readdirSync(path.join(REPO_ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => `${folder}/${name.split(path.sep).join('/')}`)
    .sort();
}

/** The documents a user of the repository or the package reads (rule pages also become SARIF help). */
const DOCS = ['README.md', 'CONTRIBUTING.md', 'SECURITY.md', 'bench/README.md', ...markdownUnder('docs')];
const EXPECTED = readdirSync(path.join(REPO_ROOT, 'fixtures')).map((name) => `fixtures/${name}/EXPECTED.md`).filter((file) => existsSync(path.join(REPO_ROOT, file)));
const USER_FACING = [...DOCS, ...markdownUnder('rules'), ...EXPECTED];

const readme = read('README.md');

describe('README', () => {
  it('stays short: the rest lives in docs/', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(300);
  });

  it('keeps the two commands that try it from a clone: install + run on the fixture, and the tests', () => {
    const section = readme.slice(readme.search(/^## Try it from a clone/m));
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    expect(firstBlock.split('\n').filter(Boolean)).toEqual([
      'npm ci && node bin/schema-guard.js check --root fixtures/platform-monorepo --map ownership-map.yaml',
      'npm test',
    ]);
    expect(read('.ci/run')).toMatch(/^npm test$/m);
  });

  it('starts a user on their own repository with init, map validate and check', () => {
    const section = readme.slice(readme.search(/^## Quick start/m));
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    expect(firstBlock.split('\n').filter(Boolean).map((line) => line.replace(/\s+#.*$/, ''))).toEqual([
      'npx schema-guard init',
      'npx schema-guard map validate',
      'npx schema-guard check',
    ]);
  });

  it('carries the rule table rendered from rules/*.md (npm run docs:sync after editing a rule page)', () => {
    const block = /<!-- rules:start -->\n([\s\S]*?)\n<!-- rules:end -->/.exec(readme)?.[1];
    expect(block).toBe(renderRuleTable(getRuleCatalog()));
  });
});

describe('output samples', () => {
  it('every sample marker in the documents has a run that produces it, and every run has its marker', () => {
    const placed = DOCS.flatMap((file) => sampleIdsIn(read(file)).map((id) => `${file} ${id}`)).sort();
    expect(placed).toEqual(SAMPLES.map((sample) => `${sample.file} ${sample.id}`).sort());
  });

  for (const sample of SAMPLES) {
    it(`${sample.file}: "${sample.id}" is what a run prints today (npm run docs:sync refreshes it)`, async () => {
      expect(blockOf(read(sample.file), sample.id)).toBe(await renderSample(sample, main));
    });
  }
});

/** Markdown without its fenced code blocks, for checks that concern prose. */
const prose = (text: string) => text.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');

const FOREIGN: Array<[RegExp, string, (text: string) => string]> = [
  [/(?<!-)\bseeds? \d+|\bseed-\d+|\bthe seeds?\b|\bseed's\b/i, 'a design seed', (text) => text],
  [/\bissues? #?\d+|\w#\d+/i, 'an issue number', (text) => text],
  [/https?:\/\//i, 'a link outside the repository', (text) => text],
  [/\.\.\/shared\b/, 'a path outside the repository', (text) => text],
  [/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b/, 'a commit hash', prose],
];

function foreignReferences(text: string): string[] {
  const found: string[] = [];
  for (const [pattern, what, view] of FOREIGN) {
    const lines = view(text).split('\n');
    lines.forEach((line, i) => {
      const match = pattern.exec(line);
      if (match) found.push(`${what} ("${match[0]}"): ${line.trim().slice(0, 120)}${view === prose ? '' : ` (line ${i + 1})`}`);
    });
  }
  return found;
}

/** Every help screen of the CLI: the program's and each command's, subcommands included. */
async function helpScreens(command: string[] = []): Promise<Array<{ command: string; text: string }>> {
  const { stdout } = await runCli([...command, '--help']);
  const commands = /^Commands:\n([\s\S]*?)(?:\n\n|(?![\s\S]))/m.exec(stdout)?.[1] ?? '';
  const names = commands
    .split('\n')
    .map((line) => /^ {2}(\S+)/.exec(line)?.[1])
    .filter((name): name is string => !!name && name !== 'help');
  const nested = [];
  for (const name of names) nested.push(...(await helpScreens([...command, name])));
  return [{ command: ['schema-guard', ...command].join(' '), text: stdout }, ...nested];
}

describe('no reference a reader of the repository cannot open', () => {
  for (const file of USER_FACING) {
    it(file, () => {
      expect(foreignReferences(read(file))).toEqual([]);
    });
  }

  it('in the help of every command', async () => {
    const screens = await helpScreens();
    expect(screens.map((screen) => screen.command)).toContain('schema-guard map validate');
    expect(screens.flatMap((screen) => foreignReferences(screen.text).map((found) => `${screen.command}: ${found}`))).toEqual([]);
  });

  it('in the descriptions of the map\'s JSON Schema, which editors show', () => {
    const descriptions: string[] = [];
    JSON.parse(read('ownership-map.schema.json'), (key, value) => {
      if (key === 'description' && typeof value === 'string') descriptions.push(value);
      return value;
    });
    expect(descriptions.length).toBeGreaterThan(10);
    expect(foreignReferences(descriptions.join('\n'))).toEqual([]);
  });

  it('finds each kind of reference it looks for (the check itself)', () => {
    const found = foreignReferences(
      ['Seed 000 says so.', 'As the seed\'s words put it.', 'Fixed in issue 18.', 'See codeql-action#1230.', 'Read https://example.com.', 'See ../shared/x.md.', 'Since commit 41c55d6 it is.'].join('\n'),
    );
    expect(found.map((line) => line.split(' (')[0])).toEqual(['a design seed', 'a design seed', 'an issue number', 'an issue number', 'a link outside the repository', 'a path outside the repository', 'a commit hash']);
    expect(foreignReferences('A façade, a decade, 1234567 rows and a --seed 1 run.\n```json\n"fingerprint": "27227ec07c31cd9b71c4"\n```\n')).toEqual([]);
  });
});

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  for (const match of prose(read(file)).matchAll(/^#{1,6} (.+)$/gm)) anchors.add(slug(match[1]));
  return anchors;
}

describe('links', () => {
  for (const file of USER_FACING) {
    it(`${file}: every relative link leads to a file of the repository (and a heading in it)`, () => {
      const broken: string[] = [];
      for (const match of prose(read(file)).matchAll(/\]\(([^)\s]+)\)/g)) {
        const [target, anchor] = match[1].split('#');
        const resolved = target ? path.resolve(path.dirname(path.join(REPO_ROOT, file)), decodeURIComponent(target)) : path.join(REPO_ROOT, file);
        const inside = !path.relative(REPO_ROOT, resolved).startsWith('..');
        if (!inside || !existsSync(resolved)) {
          broken.push(`${match[1]}: no such file in the repository`);
        } else if (anchor && statSync(resolved).isFile() && resolved.endsWith('.md') && !anchorsOf(path.relative(REPO_ROOT, resolved)).has(anchor)) {
          broken.push(`${match[1]}: no heading "${anchor}" there`);
        }
      }
      expect(broken).toEqual([]);
    });
  }
});
