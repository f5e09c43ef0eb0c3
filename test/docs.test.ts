import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getRuleCatalog, renderRuleTable } from '../src/rules/catalog.js';
import { REPO_ROOT } from './helpers.js';

const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');

describe('README', () => {
  it('opens with the two commands a newcomer runs: install + run on the fixture, and the tests', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(firstBlock.split('\n').filter(Boolean)).toEqual([
      'npm ci && node bin/schema-guard.js check --root fixtures/platform-monorepo --map ownership-map.yaml',
      'npm test',
    ]);
    expect(readFileSync(path.join(REPO_ROOT, '.ci/run'), 'utf8')).toMatch(/^npm test$/m);
  });

  it('carries the rule table rendered from rules/*.md (run scripts/sync-readme.mjs after editing a rule page)', () => {
    const block = /<!-- rules:start -->\n([\s\S]*?)\n<!-- rules:end -->/.exec(readme)?.[1];
    expect(block).toBe(renderRuleTable(getRuleCatalog()));
  });
});
