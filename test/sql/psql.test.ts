import { describe, expect, it } from 'vitest';
import { createSqlAnalyzer } from '../../src/sql/index.js';
import { psqlScriptAsSql } from '../../src/sql/psql.js';

const analyzer = await createSqlAnalyzer();
const tablesOf = (script: string) =>
  analyzer.analyze(psqlScriptAsSql(script)).statements.flatMap((statement) =>
    statement.accesses.map((access) => ({ name: access.table.name, schema: access.table.schema, operation: access.operation, hole: access.schemaHole ?? false, synthetic: access.synthetic ?? false })),
  );

describe('psql scripts', () => {
  it('keeps every offset: the result is as long as the script', () => {
    const script = "\\set ON_ERROR_STOP on\nSELECT :'v', :\"s\".t, :x FROM :S.jobs;\nCOPY t FROM stdin;\n1\t2\n\\.\n";
    expect(psqlScriptAsSql(script)).toHaveLength(script.length);
  });

  it('reads :SCHEMA.table as the table in an unknown schema, and :"VAR" likewise', () => {
    expect(tablesOf('CREATE TABLE :SCHEMA.jobs (id int);\nUPDATE :"SCHEMA".queue SET a = :v;')).toEqual([
      { name: 'jobs', schema: undefined, operation: 'create', hole: true, synthetic: false },
      { name: 'queue', schema: undefined, operation: 'update', hole: true, synthetic: false },
    ]);
  });

  it("treats :'VAR' as a literal and :VAR in a value position as a value", () => {
    const analysis = analyzer.analyze(psqlScriptAsSql("SELECT * FROM jobs WHERE name = :'name' AND id = :id;"));
    expect(analysis.error).toBeUndefined();
    expect(analysis.statements[0]!.accesses.map((access) => access.table.name)).toEqual(['jobs']);
  });

  it('skips meta-commands and COPY data rows, which are not SQL', () => {
    const script = "\\i other.sql\n\\connect app\nCOPY jobs (id, note) FROM stdin;\n1\tDELETE FROM ledger\n2\t:x\n\\.\nSELECT 1;\n";
    const analysis = analyzer.analyze(psqlScriptAsSql(script));
    expect(analysis.error).toBeUndefined();
    expect(tablesOf(script)).toEqual([{ name: 'jobs', schema: undefined, operation: 'copy', hole: false, synthetic: false }]);
  });

  it('leaves quoted text, dollar-quoted bodies, comments and casts alone', () => {
    const script = "SELECT ':x', $$ :y $$, x::int, E'\\\\:z' -- :c\nFROM t; /* :d */";
    expect(psqlScriptAsSql(script)).toBe(script);
  });
});
