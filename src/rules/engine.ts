import type { FileFacts, TableAccessFact } from '../facts/types.js';
import { completeFindings, type RuleDefaults } from './complete.js';
import type { Finding } from './finding.js';
import { REPO_RULES, RULES } from './index.js';
import type { RepoRuleContext, RuleContext, RuleFinding } from './rule.js';
import type { OwnershipIndex } from '../map/resolve.js';
import { isTenancyEvidence } from './tenant-scope.js';

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
