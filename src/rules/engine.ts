import { createHash } from 'node:crypto';
import type { FileFacts, TableAccessFact } from '../facts/types.js';
import type { Finding, Level } from './finding.js';
import { REPO_RULES, RULES } from './index.js';
import type { RepoRuleContext, RuleContext, RuleFinding } from './rule.js';
import type { OwnershipIndex } from '../map/resolve.js';
import { isTenancyEvidence } from './tenant-scope.js';

export interface RuleDefaults {
  levelOf(ruleId: string): Level;
}

/** Runs every rule over one file's facts; rules are pure, so this is all there is to evaluation. */
export function evaluateFile(context: RuleContext, defaults: RuleDefaults): Finding[] {
  const raw: Array<RuleFinding & { ruleId: string }> = [];
  for (const rule of RULES) {
    for (const finding of rule.check(context)) raw.push({ ...finding, ruleId: finding.ruleId ?? rule.id });
  }
  return completeFindings(raw, defaults);
}

/** Runs the rules that judge the repository as a whole, once per run. */
export function evaluateRepo(context: RepoRuleContext, defaults: RuleDefaults): Finding[] {
  const raw: Array<RuleFinding & { ruleId: string }> = [];
  for (const rule of REPO_RULES) {
    for (const finding of rule.checkRepo(context)) raw.push({ ...finding, ruleId: finding.ruleId ?? rule.id });
  }
  return completeFindings(raw, defaults);
}

/**
 * What the repository rules read of a file when they judge other files: its accesses that create,
 * alter or secure a row-level tenant-scoped table (the rules share tenantTables()), each with where
 * it sits and what it does. A repository rule's findings in a file depend on that file's facts and
 * on this of every other file.
 */
export function repoEvidence(facts: FileFacts, map: OwnershipIndex): TableAccessFact[] {
  return facts.accesses
    .filter((access) => isTenancyEvidence(access, map))
    .map(({ table, operation, detail, columns, statement, line, column }) => ({
      table,
      operation,
      ...(detail ? { detail } : {}),
      ...(columns ? { columns } : {}),
      statement,
      line,
      column,
    }));
}

/** A file as the repository rules see it when only its evidence is known. */
export function evidenceFacts(file: string, evidence: TableAccessFact[]): FileFacts {
  return { file, language: file.endsWith('.sql') ? 'sql' : 'typescript', imports: [], accesses: evidence, sqlErrors: [], suppressions: [], notes: [] };
}

/** Adds level and fingerprint; the ordinal tells apart findings that are otherwise the same. */
export function completeFindings(raw: Array<RuleFinding & { ruleId: string }>, defaults: RuleDefaults): Finding[] {
  raw.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId));
  const occurrences = new Map<string, number>();
  return raw.map((finding) => {
    const key = identityKey(finding);
    const ordinal = occurrences.get(key) ?? 0;
    occurrences.set(key, ordinal + 1);
    const complete: Finding = {
      ...finding,
      level: finding.level ?? defaults.levelOf(finding.ruleId),
      fingerprint: createHash('sha256').update(`${key}\0${ordinal}`).digest('hex').slice(0, 20),
    };
    if (!finding.blocking) delete complete.blocking;
    return dropUndefined(complete);
  });
}

/** What a finding is, independent of where in the file it sits: survives line moves. */
export function identityKey(finding: Pick<Finding, 'ruleId' | 'file' | 'domain' | 'table' | 'operation' | 'enclosingFunction' | 'specifier'>): string {
  return [
    finding.ruleId,
    finding.file,
    finding.domain ?? '',
    finding.table ?? '',
    finding.operation ?? '',
    finding.enclosingFunction ?? '',
    finding.specifier ?? '',
  ].join('\0');
}

function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as Array<keyof T>) if (value[key] === undefined) delete value[key];
  return value;
}
