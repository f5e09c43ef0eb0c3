import type { FileFacts, Location, Operation, TableName } from '../facts/types.js';
import { displayTable, verb, who, type RuleFinding } from './rule.js';

export const RUNTIME_ONLY_ACCESS = 'runtime-only-access';

/** A table access the tests ran, at its caller, with the code that called the caller. */
export interface ExecutedAccess extends Location {
  file: string;
  domain: string | undefined;
  enclosingFunction?: string;
  table: TableName;
  operation: Operation;
  /** The caller and the repository code below it, as file and enclosing function: where the statement may be written. */
  frames: ReadonlyArray<{ file: string; enclosingFunction?: string }>;
}

/**
 * Where static analysis was blind: an access the tests ran whose table no static access names in
 * the function that sent it, nor in the functions that called that one (a shared helper may send
 * SQL written by its caller). The static facts are looked up by file; a file without facts was not
 * scanned, and its accesses are the caller's to count apart.
 */
export function runtimeOnlyAccesses(executed: readonly ExecutedAccess[], staticFacts: (file: string) => FileFacts | undefined): RuleFinding[] {
  const findings: RuleFinding[] = [];
  for (const access of executed) {
    if (access.operation === 'reference' || seenStatically(access, staticFacts)) continue;
    const table = displayTable(access.table);
    findings.push({
      line: access.line,
      column: access.column,
      ruleId: RUNTIME_ONLY_ACCESS,
      message:
        `At run time, ${who(access.domain)} ${verb(access.operation)} ${table} here, but static analysis saw no access to ${table} in this code: ` +
        'the table name is computed, or the query is built in a way schema-guard does not read. The static check cannot judge this site.',
      file: access.file,
      domain: access.domain ?? null,
      table,
      operation: access.operation,
      enclosingFunction: access.enclosingFunction,
    });
  }
  return findings;
}

/** Whether static analysis saw an access to the table in one of the access's frames (file and enclosing function). */
export function seenStatically(access: Pick<ExecutedAccess, 'table' | 'frames'>, staticFacts: (file: string) => FileFacts | undefined): boolean {
  const table = displayTable(access.table);
  return access.frames.some((frame) =>
    (staticFacts(frame.file)?.accesses ?? []).some(
      (fact) => !fact.synthetic && fact.enclosingFunction === frame.enclosingFunction && displayTable(fact.table) === table,
    ),
  );
}
