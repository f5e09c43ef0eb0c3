/**
 * From what a rule reports to a finding: its level and a fingerprint that survives line moves. Kept
 * apart from the engine, which loads every rule: the baseline and a run's assembly need only this.
 */
import { createHash } from 'node:crypto';
import type { Finding, Level } from './finding.js';
import type { RuleFinding } from './rule.js';
import { compareFindings } from '../order.js';

export interface RuleDefaults {
  levelOf(ruleId: string): Level;
}

/** Adds level and fingerprint; the ordinal tells apart findings that are otherwise the same. */
export function completeFindings(raw: Array<RuleFinding & { ruleId: string }>, defaults: RuleDefaults): Finding[] {
  raw.sort(compareFindings);
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
