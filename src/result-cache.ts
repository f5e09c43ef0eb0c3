/**
 * The outcome of a whole check, kept in the cache folder (`result.json`) for a re-run in which
 * nothing it depends on changed: the tool's build, the options, the map's text, the baseline, the
 * day (exceptions expire), every repository file and Prisma schema with the stats it had, the
 * import resolver's view of the repository, and what the resolver found on disk outside the
 * discovered files. Such a run loads the map, lists and stats the files, and reports: it reads no
 * source file and evaluates no rule.
 *
 * Stats are trusted as the facts cache trusts them (cache.ts): a file changed within the last two
 * seconds has none, and then nothing is reused or recorded. A run with errors, or with a note about
 * the run itself, is not recorded either: the next one tries again.
 */
import { createHash } from 'node:crypto';
import { type CacheFolder, isRecord, toolDigest } from './extract/cache.js';
import type { CheckOutcome } from './check.js';

const FILE = 'result.json';

/** A run's inputs, as far as its outcome depends on them. */
export interface RunInputs {
  /** The options that shape the outcome (paths, rules, parser, shard, day, baseline, root, map path). */
  options: Record<string, unknown>;
  mapText: string;
  /** Every repository file and Prisma schema with its statKey(), undefined when it cannot be trusted. */
  files: ReadonlyArray<readonly [string, string | undefined]>;
  /** ImportResolver.fingerprint. */
  resolver: string;
}

export type StoredOutcome = Omit<CheckOutcome, 'loadedMap'>;

export class ResultCache {
  private constructor(
    private readonly folder: CacheFolder,
    private readonly key: string,
  ) {}

  /** The cache for these inputs, or undefined when a file's stats cannot be trusted. */
  static of(folder: CacheFolder, inputs: RunInputs): ResultCache | undefined {
    if (inputs.files.some(([, stat]) => stat === undefined)) return undefined;
    const hash = createHash('sha256').update(toolDigest()).update('\0');
    hash.update(JSON.stringify([inputs.options, inputs.resolver, inputs.files])).update('\0').update(inputs.mapText);
    return new ResultCache(folder, hash.digest('base64url'));
  }

  /** The recorded outcome of a run with the same inputs, if the disk still answers as it did for that run. */
  load(answersStill: (answers: Array<[string, string]>) => boolean): StoredOutcome | undefined {
    const stored = this.folder.read(FILE, this.key);
    if (!stored || !isRecord(stored.outcome) || !isDiskAnswers(stored.disk) || !answersStill(stored.disk)) return undefined;
    return isOutcome(stored.outcome) ? stored.outcome : undefined;
  }

  /** Records an outcome with the disk answers it relied on; returns why it could not, or undefined. */
  save(outcome: StoredOutcome, disk: Array<[string, string]>): string | undefined {
    // A note about the run itself (a worker that failed, a cache not written) names no file: such
    // a run is not recorded, nor one with errors.
    if (outcome.notifications.some((notification) => notification.level === 'error' || notification.file === undefined)) return undefined;
    return this.folder.write([{ name: FILE, salt: this.key, content: { outcome, disk } }]);
  }
}

const LEVELS = new Set(['error', 'warning', 'note']);

/** A shape check: the file is our own output, but the folder is reachable by the repository, and a damaged outcome must not reach the reports. */
function isOutcome(value: Record<string, unknown>): value is Record<string, unknown> & StoredOutcome {
  const { findings, notifications, frameworks } = value;
  return (
    typeof value.filesScanned === 'number' &&
    typeof value.fullRun === 'boolean' &&
    Array.isArray(findings) &&
    findings.every(isFinding) &&
    Array.isArray(notifications) &&
    notifications.every((n) => isRecord(n) && LEVELS.has(n.level as string) && typeof n.message === 'string') &&
    isRecord(frameworks) &&
    (value.absent === undefined || Array.isArray(value.absent))
  );
}

function isFinding(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.ruleId === 'string' &&
    LEVELS.has(value.level as string) &&
    typeof value.message === 'string' &&
    typeof value.file === 'string' &&
    typeof value.line === 'number' &&
    typeof value.column === 'number'
  );
}

function isDiskAnswers(value: unknown): value is Array<[string, string]> {
  return Array.isArray(value) && value.every((entry) => Array.isArray(entry) && entry.length === 2 && entry.every((part) => typeof part === 'string'));
}
