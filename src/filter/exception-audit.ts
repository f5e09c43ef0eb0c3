/**
 * Keeps the map's exceptions shrinking: one past its `expires` day is reported (it no longer applies),
 * and, in a run that saw every file and rule, one that waived nothing is reported too.
 */
import type { LoadedMap } from '../map/map-file.js';
import type { RuleFinding } from '../rules/rule.js';

export const EXPIRED_EXCEPTION = 'expired-exception';
export const UNUSED_EXCEPTION = 'unused-exception';

/** Rules only `db check` runs: an exception for them alone waives nothing in `check`, and is not unused for that. */
const DB_CHECK_RULES: ReadonlySet<string> = new Set(['stale-map-entry', 'migration-error']);

export interface ExceptionAuditOptions {
  /** The map's path relative to the scanned root (POSIX), where the findings are located. */
  mapFile: string;
  /** YYYY-MM-DD. */
  today: string;
  /** Ids of the exceptions that waived at least one finding. */
  used: ReadonlySet<string>;
  /** True when every file and rule ran: only then does "waived nothing" mean the exception is unused. */
  fullRun: boolean;
}

export function auditExceptions(loadedMap: LoadedMap, options: ExceptionAuditOptions): Array<RuleFinding & { ruleId: string }> {
  const findings: Array<RuleFinding & { ruleId: string }> = [];
  for (const exception of loadedMap.map.exceptions) {
    const at = { file: options.mapFile, domain: null, ...loadedMap.locateException(exception.id) };
    if (exception.expires !== undefined && options.today > exception.expires) {
      findings.push({
        ruleId: EXPIRED_EXCEPTION,
        message:
          `Exception "${exception.id}" expired on ${exception.expires}: it no longer waives ${exception.rules.join(', ')}, so what it allowed is reported again. ` +
          `Fix that code and delete the exception, or renew it with a new date and reason (${exception.link}).`,
        ...at,
      });
    } else if (options.fullRun && !options.used.has(exception.id) && !exception.rules.every((rule) => DB_CHECK_RULES.has(rule))) {
      findings.push({
        ruleId: UNUSED_EXCEPTION,
        message:
          `Exception "${exception.id}" waived no finding in this run: the code it allowed is gone or has moved. ` +
          `Delete it, or narrow it to where it still applies (${exception.link}).`,
        ...at,
      });
    }
  }
  return findings;
}
