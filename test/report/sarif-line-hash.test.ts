import { describe, expect, it } from 'vitest';
import { computeLineHashes } from '../../src/report/line-hash.js';

// Expected values from github/codeql-action src/fingerprints.test.ts, the tests of the code ported here.
describe('computeLineHashes (GitHub primaryLocationLineHash)', () => {
  it('hashes an empty file as one line', () => {
    expect(computeLineHashes('')).toEqual(['c129715d7a2bc9a3:1']);
  });

  it('matches codeql-action on mixed indentation', () => {
    expect(computeLineHashes(' a\nb\n  \t\tc\n d')).toEqual([
      '271789c17abda88f:1',
      '54703d4cd895b18:1',
      '180aee12dab6264:1',
      'a23a3dc5e078b07b:1',
    ]);
  });

  it('treats \\n, \\r and \\r\\n line endings alike', () => {
    const expected = [
      'e9496ae3ebfced30:1',
      'fb7c023a8b9ccb3f:1',
      'ce8ba1a563dcdaca:1',
      'e20e36e16fcb0cc8:1',
      'b3edc88f2938467e:1',
      'c8e28b0b4002a3a0:1',
      'c129715d7a2bc9a3:1',
    ];
    expect(computeLineHashes(' hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n')).toEqual(expected);
    expect(computeLineHashes(' hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r')).toEqual(expected);
    expect(computeLineHashes(' hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n')).toEqual(expected);
    expect(computeLineHashes(' hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n')).toEqual(expected);
  });

  it('numbers identical hashes :1, :2, … in order', () => {
    expect(computeLineHashes('Lorem ipsum dolor sit amet.\n'.repeat(10))).toEqual([
      'a7f2ff13bc495cf2:1',
      'a7f2ff13bc495cf2:2',
      'a7f2ff13bc495cf2:3',
      'a7f2ff13bc495cf2:4',
      'a7f2ff13bc495cf2:5',
      'a7f2ff13bc495cf2:6',
      'a7f2ff1481e87703:1',
      'a9cf91f7bbf1862b:1',
      '55ec222b86bcae53:1',
      'cc97dc7b1d7d8f7b:1',
      'c129715d7a2bc9a3:1',
    ]);
  });

  it('gives one hash per line: up to 16 hex digits and a count', () => {
    const text = "import { sql } from './db.js';\n\nawait sql`SELECT * FROM ledger_entries`;\n";
    const hashes = computeLineHashes(text);
    expect(hashes).toHaveLength(text.split(/\r\n|\r|\n/).length);
    for (const hash of hashes) expect(hash).toMatch(/^[0-9a-f]{1,16}:[1-9][0-9]*$/);
  });

  it('ignores indentation changes but not code changes', () => {
    const before = computeLineHashes('a();\nb();\n');
    expect(computeLineHashes('a();\n    b();\n')).toEqual(before);
    expect(computeLineHashes('a();\nc();\n')[1]).not.toEqual(before[1]);
  });
});
