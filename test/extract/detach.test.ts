import { describe, expect, it } from 'vitest';
import { detachString, detachStrings } from '../../src/facts/detach.js';

describe('detaching strings from the file text they were cut from', () => {
  it('keeps every value, in place, through nested objects and arrays', () => {
    const text = `export async function loadOrganizationMembers() { return pool.query('SELECT * FROM organizations'); }`;
    const facts = {
      file: 'a.ts',
      imports: [{ specifier: text.slice(0, 30), line: 1 }],
      accesses: [{ table: { name: 'organizations' }, enclosingFunction: text.slice(22, 47), selected: [text.slice(63, 90)] }],
      empty: [],
      missing: undefined,
    };
    const before = structuredClone(facts);
    expect(detachStrings(facts)).toBe(facts);
    expect(facts).toEqual(before);
    expect(detachString('short')).toBe('short');
    expect(detachString(text.slice(5, 40))).toBe(text.slice(5, 40));
  });
});
