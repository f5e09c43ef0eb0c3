/**
 * Judging what the tests ran with the rules of `check`: the accesses of executed statements become
 * the facts of their caller's file, placed at the call, and go through the same rules, map
 * exceptions and inline suppressions. Used by the guard while the tests run and by
 * `check --runtime` when it reads the record back.
 */
import type { FileFacts, SqlStatementFacts, SuppressionFact, TableAccessFact } from '../facts/types.js';
import { applyExceptions } from '../filter/exceptions.js';
import { applySuppressions } from '../filter/suppressions.js';
import type { LoadedMap } from '../map/map-file.js';
import type { OwnershipIndex } from '../map/resolve.js';
import { DEFAULT_LEVELS, type Waived } from '../outcome.js';
import { evaluateFile } from '../rules/engine.js';
import type { Finding } from '../rules/finding.js';
import { attachOwnerContacts, relatedLocations } from '../verdicts.js';
import type { RecordedAccess } from './record.js';

/**
 * Rules about how a schema is written or about a file as a whole, not about a statement's access:
 * a test's CREATE TABLE is the migration's business, which `check` judges in the migration itself;
 * the tenancy rules need every migration to know which tables row-level security covers.
 */
const NOT_AT_RUNTIME = new Set([
  'unprefixed-table',
  'prefix-owner-mismatch',
  'route-owner-missing',
  'sql-parse-error',
  'cross-domain-import',
  'retired-import',
]);

export interface JudgingContext {
  map: OwnershipIndex;
  loadedMap: LoadedMap;
  mapFile: string;
  root: string;
  /** YYYY-MM-DD, for exception expiry. */
  today: string;
}

/** Executed statements sent from one file (by one domain). */
export interface ExecutedInFile {
  file: string;
  domain: string | undefined;
  statements: Array<{ line: number; column: number; enclosingFunction?: string; accesses: readonly RecordedAccess[] }>;
  /** The file's `schema-guard-ignore-next-line` comments. */
  suppressions: SuppressionFact[];
}

export interface RuntimeVerdict {
  /** Findings after the map's exceptions; those a suppression comment covers are marked. */
  findings: Finding[];
  waived: Waived[];
}

/** The statements' accesses as facts of their file, each placed at its call. */
export function factsOf(executed: ExecutedInFile): FileFacts {
  const accesses: TableAccessFact[] = [];
  let next = 0;
  for (const statement of executed.statements) {
    const first = next;
    for (const { part, ...access } of statement.accesses) {
      const index = first + (part ?? 0);
      next = Math.max(next, index + 1);
      const fact: TableAccessFact = { ...access, table: { ...access.table }, statement: index, line: statement.line, column: statement.column };
      if (statement.enclosingFunction) fact.enclosingFunction = statement.enclosingFunction;
      accesses.push(fact);
    }
  }
  return { file: executed.file, language: 'typescript', imports: [], accesses, sqlErrors: [], suppressions: executed.suppressions, notes: [] };
}

export function judgeExecuted(executed: ExecutedInFile, context: JudgingContext): RuntimeVerdict {
  const { map } = context;
  const facts = factsOf(executed);
  const mapLocation = relatedLocations(context.loadedMap, context.mapFile, context.root);
  const findings = evaluateFile({ facts, domain: executed.domain, map, packageEntriesOf: () => undefined, domainEntriesOf: () => [], mapLocation }, DEFAULT_LEVELS).filter(
    (finding) => !NOT_AT_RUNTIME.has(finding.ruleId),
  );
  for (const finding of findings) attachOwnerContacts(finding, map);
  const { kept, waived } = applyExceptions(findings, map, context.today);
  // Comments elsewhere in the file are about other statements: only the marks are taken, not the unused-suppression problems.
  const marked = applySuppressions(kept, [facts], { knownRules: new Set(kept.map((finding) => finding.ruleId)), ran: () => false, domainOf: () => executed.domain });
  return { findings: marked.findings, waived };
}

/** The accesses of an analysed statement text, as the record keeps them. */
export function recordedAccesses(statements: readonly SqlStatementFacts[]): RecordedAccess[] {
  return statements.flatMap((statement, part) =>
    statement.accesses
      .filter((access) => !access.synthetic)
      .map(({ table, operation, detail, columns, constrained, selected }) => {
        const access: RecordedAccess = { table: { ...table }, operation };
        if (part > 0) access.part = part;
        if (detail) access.detail = detail;
        if (columns) access.columns = columns;
        if (constrained) access.constrained = constrained;
        if (selected) access.selected = selected;
        return access;
      }),
  );
}
