import { describe, expect, it } from 'vitest';
import { fillIdentifierHoles, normalizePlaceholders } from '../../src/sql/placeholders.js';
import { byteToUtf16, lexRegions, qualifiedNameEnd, quotedNameParts, splitStatements } from '../../src/sql/text.js';

describe('lexRegions', () => {
  it('separates code from strings, quoted identifiers, dollar quotes and comments', () => {
    const text = `a 'b''c' "d""e" $$f$$ $t$ $$ $t$ -- g\n/* h /* nested */ i */ E'\\'' x$y$ $1`;
    const literal = lexRegions(text).filter((r) => !r.code).map((r) => text.slice(r.start, r.end));
    expect(literal).toEqual([`'b''c'`, `"d""e"`, '$$f$$', '$t$ $$ $t$', '-- g', '/* h /* nested */ i */', `'\\''`]);
  });
});

describe('splitStatements', () => {
  it('splits on semicolons in code only, dropping empty pieces', () => {
    const text = "select ';'; select \"a;b\" -- ;\n; /* ; */ ;do $x$ a; b $x$;\n  ";
    expect(splitStatements(text).map((p) => [p.start, p.text])).toEqual([
      [0, "select ';'"],
      [11, ' select "a;b" -- ;\n'],
      [text.indexOf('do $x$'), 'do $x$ a; b $x$'],
    ]);
  });

  it('keeps a BEGIN ATOMIC body together', () => {
    const text = 'create function f() returns int language sql begin atomic select 1; select 2; end; select 3';
    expect(splitStatements(text).map((p) => p.text.trim())).toEqual([text.slice(0, text.indexOf('; select 3')), 'select 3']);
  });
});

describe('placeholder rewriting keeps lengths and leaves literals alone', () => {
  it('knex and named bindings', () => {
    const text = "select ?? from t where a = ? and b = :b and c = :c::int and :d: = 1 and e = 'x ? :y' and \"?\" = $$:z$$ -- ?";
    const out = normalizePlaceholders(text);
    expect(out).toBe("select __ from t where a = 0 and b = 0  and c = 0 ::int and ___ = 1 and e = 'x ? :y' and \"?\" = $$:z$$ -- ?");
    expect(out).toHaveLength(text.length);
  });

  it('an identifier binding written right before a name does not merge with it', () => {
    // Found by the property test: `into :a:select` became `into ___select`, a table of that name.
    const text = 'insert into :a:select 1; select * from ??where x; select :v:w from t';
    const out = normalizePlaceholders(text);
    expect(out).toBe('insert into __ select 1; select * from 0 where x; select __ w from t');
    expect(out).toHaveLength(text.length);
  });

  it('identifier holes after FROM, JOIN, INTO, UPDATE, TABLE, ONLY, TRUNCATE and around dots', () => {
    const text = [
      'select * from $1   join $2 on true where a = $3 and b = \'from $4\'',
      'insert into $5 values ($6); update only $7  set a = 1; truncate $8; alter table $9',
      'select * from $10      .t, s.$11',
    ].join('\n');
    const out = fillIdentifierHoles(text);
    expect(out.split('\n')).toEqual([
      'select * from __1_ join __ on true where a = $3 and b = \'from $4\'',
      'insert into __ values ($6); update only __7 set a = 1; truncate __; alter table __',
      'select * from __10____ .t, s.__1',
    ]);
  });
});

describe('offsets', () => {
  it('byteToUtf16 maps UTF-8 byte offsets to UTF-16 offsets', () => {
    const text = 'aé😀b';
    const toUtf16 = byteToUtf16(text);
    // a: byte 0; é: bytes 1-2; 😀: bytes 3-6 (two UTF-16 units); b: byte 7.
    expect([0, 1, 3, 7, 8].map(toUtf16)).toEqual([0, 1, 2, 4, 5]);
  });

  it('qualifiedNameEnd covers quoted parts and spaces around dots', () => {
    const text = '"My ""T""" . b.c d';
    expect(qualifiedNameEnd(text, 0)).toBe(text.indexOf(' d'));
    expect(qualifiedNameEnd('t.* from', 0)).toBe(1);
  });

  it('quotedNameParts reads quoted parts as written and leaves unquoted ones to the parser', () => {
    expect(quotedNameParts('"My ""T"" " . b."c\n" d', 0)).toEqual(['My "T" ', undefined, 'c\n']);
    expect(quotedNameParts('"unterminated', 0)).toEqual([undefined]);
    expect(quotedNameParts(' x', 0)).toEqual([]);
  });
});
