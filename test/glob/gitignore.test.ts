import fc from 'fast-check';
import ignore from 'ignore';
import { describe, expect, it } from 'vitest';
import { MAX_RULES, parseGitignore } from '../../src/glob/gitignore.js';

const part = fc.constantFrom('a', 'b', '*', '?', '[ab]', 'x', '.a');
const segment = fc.oneof(fc.constant('**'), fc.array(part, { minLength: 1, maxLength: 2 }).map((parts) => parts.join('')));
const line = fc
  .tuple(fc.boolean(), fc.boolean(), fc.array(segment, { minLength: 1, maxLength: 3 }), fc.boolean())
  .map(([negated, leadingSlash, segments, trailingSlash]) => `${negated ? '!' : ''}${leadingSlash ? '/' : ''}${segments.join('/')}${trailingSlash ? '/' : ''}`);
const file = fc.array(fc.constantFrom('a', 'b', 'ab', 'x', '.a'), { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));

describe('.gitignore rules', () => {
  it('ignore what the `ignore` package (git’s rules) ignores', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 4 }), file, (lines, path) => {
        const text = lines.join('\n');
        expect(parseGitignore(text).ignores(path), `${JSON.stringify(text)} on ${path}`).toBe(ignore().add(text).ignores(path));
      }),
      { numRuns: 3000 },
    );
  });

  it('read comments, escapes, folder-only rules and re-inclusion as git does', () => {
    const rules = parseGitignore('# comment\n\\#hash\nbuild/\n*.log\n!keep.log\n/top.ts\nlogs/\n!logs/x.ts\n');
    expect(rules.ignores('#hash')).toBe(true);
    expect(rules.ignores('comment')).toBe(false);
    expect(rules.ignores('src/build/x.ts')).toBe(true);
    expect(rules.ignores('src/build')).toBe(false);
    expect(rules.ignores('a/b.log')).toBe(true);
    expect(rules.ignores('a/keep.log')).toBe(false);
    expect(rules.ignores('top.ts')).toBe(true);
    expect(rules.ignores('src/top.ts')).toBe(false);
    // A file inside an ignored folder stays ignored.
    expect(rules.ignores('logs/x.ts')).toBe(true);
  });

  it('finish on lines of repeated `**/a` and long paths (a regex-based matcher hung)', () => {
    const rules = parseGitignore(`${Array(60).fill('**/a').join('/')}/b\n${' '.repeat(100_000)}x${' '.repeat(100_000)}\n`);
    expect(rules.ignores(`${Array(1000).fill('a').join('/')}/c.ts`)).toBe(false);
  });

  it(`apply at most ${MAX_RULES} rules: the rest can only make the scan see more`, () => {
    const rules = parseGitignore(`${Array(MAX_RULES).fill('nothing-here').join('\n')}\n*.ts\n`);
    expect(rules.ignores('a.ts')).toBe(false);
  });
});
