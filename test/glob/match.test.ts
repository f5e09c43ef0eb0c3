import fc from 'fast-check';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { checkGlob, compileGlob, MAX_ALTERNATIVES } from '../../src/glob/match.js';

// Braces stand as whole segments here: how picomatch reads `**` or `*` next to a brace group is its own.
const segmentPart = fc.constantFrom('a', 'b', '.a', '*', '?', '[ab]', '[^a]', 'x');
const globSegment = fc.oneof(
  fc.constant('**'),
  fc.constantFrom('{a,b}', '{a,ba}', '{x,a.b}'),
  fc.array(segmentPart, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('')),
);
const glob = fc.array(globSegment, { minLength: 1, maxLength: 4 }).map((segments) => segments.join('/'));
const path = fc.array(fc.constantFrom('a', 'b', 'ab', '.a', 'x', 'ba', 'a.b'), { minLength: 1, maxLength: 5 }).map((segments) => segments.join('/'));

describe('bounded glob matching', () => {
  // One difference, kept: picomatch lets `a/**` match the folder `a` itself, but not `*/**` the folder `a`; here both do.
  const folderItself = (pattern: string, file: string) => pattern.endsWith('/**') && compileGlob(pattern.slice(0, -3))(file);

  it('agrees with picomatch (dot: true) on the syntax it reads', () => {
    fc.assert(
      fc.property(glob, path, (pattern, file) => {
        fc.pre(!folderItself(pattern, file));
        expect(compileGlob(pattern)(file), `${pattern} on ${file}`).toBe(picomatch.isMatch(file, pattern, { dot: true }));
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['a/**', 'a', true],
    ['**/a', 'a', true],
    ['a/**/b', 'a/b', true],
    ['a/**/b', 'a/x/y/b', true],
    ['a/*', 'a/b/c', false],
    ['packages/**/*.{ts,sql}', 'packages/x/y.sql', true],
    ['policy_*', 'policy_rules', true],
    ['billing.*', 'billing.invoices', true],
    ['./src/**', 'src/a.ts', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
  ])('%s on %s: %s', (pattern, file, expected) => {
    expect(compileGlob(pattern)(file)).toBe(expected);
  });

  it('finishes on globs of repeated `**/a` segments and long matching-looking paths (picomatch took minutes)', () => {
    const pattern = Array(60).fill('**/a').join('/') + '/b';
    const file = Array(2000).fill('a').join('/') + '/c';
    expect(compileGlob(pattern)(file)).toBe(false);
    expect(compileGlob(pattern)(Array(2000).fill('a').join('/') + '/b')).toBe(true);
    const stars = Array(200).fill('*a').join('') + 'b';
    expect(compileGlob(stars)('a'.repeat(4000))).toBe(false);
  });

  it('refuses what it does not read, and braces that expand past the limit', () => {
    // A leading `!` is a negation, the caller's to read (the map's schema says where it may stand).
    expect(checkGlob('!src/**')).toBeUndefined();
    expect(checkGlob('!(src)/**')).toMatch(/extglob/);
    expect(checkGlob('src/@(a|b)/**')).toMatch(/extglob/);
    expect(checkGlob('{a,b}'.repeat(9))).toBe(`expected braces that expand to at most ${MAX_ALTERNATIVES} globs`);
    expect(checkGlob('x'.repeat(5000))).toMatch(/at most 4096 characters/);
    expect(checkGlob('src/**/*.{ts,tsx}')).toBeUndefined();
  });
});
