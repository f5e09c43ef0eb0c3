/**
 * What a check concluded about each file, kept in the cache folder (`result.json`) for the next run
 * with the same inputs: the tool's build, the options, the map's text, the baseline, the day
 * (exceptions expire), the list of repository files, the Prisma schemas with their stats, the import
 * resolver's view of the repository, and what the resolver found on disk outside the discovered files.
 * Beside each file's verdict it keeps the file's stats: a re-run in which none changed reports the
 * recorded verdicts without reading a source file, and one in which some did analyses those only
 * (check.ts decides when that is enough).
 *
 * A re-run that analysed a few changed files writes only their verdicts, to `result-delta.json`
 * beside the full record it extends (rewriting a 20,000-file record took a quarter of a second);
 * the full record is written again when the delta would pass DELTA_LIMIT files, and a delta that
 * names another record than the one on disk is ignored.
 *
 * Stats are trusted as every cache trusts them (freshness.ts): a file changed within the last two
 * seconds has none and counts as changed. A run with errors, or with a note about the run itself, is
 * not recorded: the next one tries again.
 */
import { createHash, randomUUID } from 'node:crypto';
import { type CacheFolder, isRecord } from './folder.js';
import { toolDigest } from './tool-digest.js';
import type { TableAccessFact } from '../facts/types.js';
import type { Notification } from '../outcome.js';
import type { Finding } from '../rules/finding.js';
import type { FileVerdict, FrameworkCount, UnreadSite, UnresolvedImport } from '../outcome.js';

const FILE = 'result.json';
const DELTA_FILE = 'result-delta.json';
/** The most verdicts a delta holds; beyond, the full record is written again. */
const DELTA_LIMIT = 1000;
const LEVELS = new Set(['error', 'warning', 'note']);

/** A run's inputs, as far as its outcome depends on them beside the content of its files. */
export interface RunInputs {
  /** The options that shape the outcome (paths, rules, parser, shard, day, baseline, root, map path). */
  options: Record<string, unknown>;
  mapText: string;
  /** Every repository file, and the files the run analyses. */
  files: readonly string[];
  scanned: readonly string[];
  /** Every Prisma schema with its statKey(), undefined when it cannot be trusted. */
  prismaSchemas: ReadonlyArray<readonly [string, string | undefined]>;
  /** ImportResolver.fingerprint. */
  resolver: string;
}

/** What a run leaves for the next one. */
export interface RecordedRun {
  /** The verdict of every file the run analysed. */
  verdicts: Map<string, FileVerdict>;
  /** The fingerprint of the ORM declarations the facts were extracted with. */
  symbols: string;
  /** statKey() of every repository file, as taken before it was read; null when it could not be trusted. */
  stats: Map<string, string | null>;
  /** ImportResolver.diskAnswers() of the runs the verdicts come from. */
  disk: Array<[string, string]>;
}

export class ResultCache {
  /** The full record the last load() read, and the files of the delta it applied: what a delta of this run extends. */
  private loaded?: { generation: string; delta: Set<string> };

  private constructor(
    private readonly folder: CacheFolder,
    private readonly key: string,
    private readonly files: readonly string[],
    private readonly scanned: readonly string[],
  ) {}

  /** The cache for these inputs, or undefined when a Prisma schema's stats cannot be trusted. */
  static of(folder: CacheFolder, inputs: RunInputs): ResultCache | undefined {
    if (inputs.prismaSchemas.some(([, stat]) => stat === undefined)) return undefined;
    const hash = createHash('sha256').update(toolDigest(folder)).update('\0');
    // Mostly the scanned files are the repository's files: then that list is hashed once.
    const scanned = inputs.scanned === inputs.files ? 'every repository file' : inputs.scanned;
    hash.update(JSON.stringify([inputs.options, inputs.resolver, inputs.files, scanned, inputs.prismaSchemas])).update('\0').update(inputs.mapText);
    return new ResultCache(folder, hash.digest('base64url'), inputs.files, inputs.scanned);
  }

  /** The record of the last run with these inputs, if the disk still answers as it did for that run. */
  load(answersStill: (answers: Array<[string, string]>) => boolean): RecordedRun | undefined {
    const stored = this.folder.read(FILE, this.key);
    if (!stored || typeof stored.generation !== 'string' || typeof stored.symbols !== 'string' || !isDiskAnswers(stored.disk)) return undefined;
    const { stats, verdicts } = stored;
    if (!Array.isArray(stats) || stats.length !== this.files.length || !stats.every((stat) => stat === null || typeof stat === 'string')) return undefined;
    // One verdict for each file the run analyses, in its order.
    if (!Array.isArray(verdicts) || verdicts.length !== this.scanned.length || !verdicts.every(isStoredVerdict)) return undefined;
    const record: RecordedRun = {
      verdicts: new Map(verdicts.map((stored, index) => [this.scanned[index]!, fromStored(this.scanned[index]!, stored)])),
      symbols: stored.symbols,
      stats: new Map(this.files.map((file, index) => [file, stats[index] as string | null])),
      disk: stored.disk,
    };
    const delta = this.readDelta(stored.generation, record);
    for (const [file, { stat, verdict }] of delta?.changes ?? []) {
      record.verdicts.set(file, fromStored(file, verdict));
      record.stats.set(file, stat);
    }
    if (delta) record.disk = delta.disk;
    if (!answersStill(record.disk)) return undefined;
    this.loaded = { generation: stored.generation, delta: new Set(delta?.changes.keys()) };
    return record;
  }

  /**
   * Records a run; `changed` names the files a re-run analysed, whose verdicts then go to the delta
   * of the record it loaded. Returns why it could not, or undefined.
   */
  save(
    run: { verdicts: FileVerdict[]; symbols: string; statOf: (file: string) => string | undefined; disk: Array<[string, string]> },
    notifications: readonly Notification[],
    changed?: readonly string[],
  ): string | undefined {
    // A note about the run itself (a worker that failed, a cache not written) names no file: such
    // a run is not recorded, nor one with errors, nor one with a file that could not be analysed
    // (why may pass: the next run tries again).
    if (notifications.some((notification) => notification.level === 'error' || notification.file === undefined)) return undefined;
    if (run.verdicts.some((verdict) => verdict.findings.some((finding) => finding.ruleId === 'file-not-analysed'))) return undefined;
    const disk = [...new Map(run.disk)];
    if (this.loaded && changed) {
      const byFile = new Map(run.verdicts.map((verdict) => [verdict.file, verdict]));
      const delta = new Set([...this.loaded.delta, ...changed]);
      if (delta.size <= DELTA_LIMIT) {
        const changes = [...delta].map((file) => ({ file, stat: run.statOf(file) ?? null, verdict: toStored(byFile.get(file)!) }));
        const content = { base: this.loaded.generation, symbols: run.symbols, disk, changes };
        return this.folder.write([{ name: DELTA_FILE, salt: this.key, content }]);
      }
    }
    const content = {
      generation: randomUUID(),
      symbols: run.symbols,
      stats: this.files.map((file) => run.statOf(file) ?? null),
      verdicts: run.verdicts.map(toStored),
      disk,
    };
    return this.folder.write([{ name: FILE, salt: this.key, content }]);
  }

  /** The delta written over the full record `generation` (whose verdicts `record` holds), shape-checked; undefined when there is none that fits. */
  private readDelta(generation: string, record: RecordedRun): { changes: Map<string, StoredChange>; disk: Array<[string, string]> } | undefined {
    const delta = this.folder.read(DELTA_FILE, this.key);
    // Only a re-run whose ORM declarations were those of the record writes a delta.
    if (!delta || delta.base !== generation || delta.symbols !== record.symbols || !isDiskAnswers(delta.disk) || !Array.isArray(delta.changes)) return undefined;
    const changes = new Map<string, StoredChange>();
    for (const change of delta.changes) {
      if (!isRecord(change) || typeof change.file !== 'string' || !record.verdicts.has(change.file)) return undefined;
      if (!(change.stat === null || typeof change.stat === 'string') || !isStoredVerdict(change.verdict)) return undefined;
      changes.set(change.file, { stat: change.stat, verdict: change.verdict });
    }
    return { changes, disk: delta.disk };
  }
}

/** A changed file's verdict in the delta, with the stats it was analysed under. */
interface StoredChange {
  stat: string | null;
  verdict: StoredVerdict;
}

/**
 * A verdict as stored: without its file (the record holds the verdicts in the order of the files,
 * the delta names each), which its findings leave out too; empty parts left out, the evidence
 * reduced to its accesses.
 */
interface StoredVerdict {
  findings?: Array<Omit<Finding, 'file'>>;
  exceptionsUsed?: string[];
  notifications?: Notification[];
  /** [framework, resolved, unresolved, sites, read] for each framework. */
  frameworks?: FrameworkCount[];
  unreadSites?: UnreadSite[];
  unresolvedImports?: UnresolvedImport[];
  /** Set when the file could not be analysed (it then has no evidence). */
  unanalysed?: true;
  evidence?: TableAccessFact[];
}

function toStored(verdict: FileVerdict): StoredVerdict {
  const { findings, exceptionsUsed, notifications, frameworks, evidence, unreadSites, unresolvedImports } = verdict;
  return {
    ...(unreadSites?.length ? { unreadSites } : {}),
    ...(unresolvedImports?.length ? { unresolvedImports } : {}),
    ...(findings.length ? { findings: findings.map(({ file: _file, ...finding }) => finding) } : {}),
    ...(exceptionsUsed.length ? { exceptionsUsed } : {}),
    ...(notifications.length ? { notifications } : {}),
    ...(frameworks.length ? { frameworks } : {}),
    ...(!evidence ? { unanalysed: true } : {}),
    ...(evidence?.length ? { evidence } : {}),
  };
}

function fromStored(file: string, stored: StoredVerdict): FileVerdict {
  // The parsed record is this run's own: its findings get their file back in place.
  const findings = (stored.findings ?? []) as Finding[];
  for (const finding of findings) finding.file = file;
  return {
    file,
    findings,
    exceptionsUsed: stored.exceptionsUsed ?? [],
    notifications: stored.notifications ?? [],
    frameworks: stored.frameworks ?? [],
    ...(stored.unreadSites ? { unreadSites: stored.unreadSites } : {}),
    ...(stored.unresolvedImports ? { unresolvedImports: stored.unresolvedImports } : {}),
    ...(stored.unanalysed ? {} : { evidence: stored.evidence ?? NO_EVIDENCE }),
  };
}

/** The evidence of the many files that have none, shared. */
const NO_EVIDENCE: TableAccessFact[] = Object.freeze([]) as unknown as TableAccessFact[];

/** A shape check: the file is our own output, but the folder is reachable by the repository, and a damaged record must not reach the reports or the rules. */
function isStoredVerdict(value: unknown): value is StoredVerdict {
  if (!isRecord(value)) return false;
  const { findings, exceptionsUsed, notifications, frameworks, evidence, unreadSites, unresolvedImports } = value;
  return (
    (findings === undefined || (Array.isArray(findings) && findings.every(isFinding))) &&
    (exceptionsUsed === undefined || (Array.isArray(exceptionsUsed) && exceptionsUsed.every((id) => typeof id === 'string'))) &&
    (notifications === undefined ||
      (Array.isArray(notifications) && notifications.every((n) => isRecord(n) && LEVELS.has(n.level as string) && typeof n.message === 'string'))) &&
    (frameworks === undefined || (Array.isArray(frameworks) && frameworks.every(isCounts))) &&
    (unreadSites === undefined ||
      (Array.isArray(unreadSites) &&
        unreadSites.every((site) => isRecord(site) && typeof site.line === 'number' && typeof site.column === 'number' && typeof site.framework === 'string' && typeof site.reason === 'string'))) &&
    (unresolvedImports === undefined ||
      (Array.isArray(unresolvedImports) &&
        unresolvedImports.every((entry) => isRecord(entry) && typeof entry.line === 'number' && typeof entry.column === 'number' && typeof entry.specifier === 'string' && typeof entry.reason === 'string'))) &&
    (value.unanalysed === undefined || value.unanalysed === true) &&
    (evidence === undefined || (Array.isArray(evidence) && evidence.every(isAccess)))
  );
}

function isAccess(value: unknown): boolean {
  return (
    isRecord(value) &&
    isRecord(value.table) &&
    typeof value.table.name === 'string' &&
    (value.table.schema === undefined || typeof value.table.schema === 'string') &&
    typeof value.operation === 'string' &&
    typeof value.statement === 'number' &&
    (value.columns === undefined || (Array.isArray(value.columns) && value.columns.every((c) => typeof c === 'string'))) &&
    typeof value.line === 'number' &&
    typeof value.column === 'number'
  );
}

function isCounts(value: unknown): boolean {
  return Array.isArray(value) && value.length === 5 && typeof value[0] === 'string' && value.slice(1).every((count) => typeof count === 'number');
}

function isFinding(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.ruleId === 'string' &&
    LEVELS.has(value.level as string) &&
    typeof value.message === 'string' &&
    value.file === undefined &&
    typeof value.line === 'number' &&
    typeof value.column === 'number'
  );
}

function isDiskAnswers(value: unknown): value is Array<[string, string]> {
  return Array.isArray(value) && value.every((entry) => Array.isArray(entry) && entry.length === 2 && entry.every((part) => typeof part === 'string'));
}
