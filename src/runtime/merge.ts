/**
 * `check --runtime <folder>`: the runtime guard's record beside the static findings. The recorded
 * accesses are judged again here, with the map and rules of this run (the record's own verdicts are
 * for reading only: the record comes from the tests, which run the code under review). Each
 * runtime finding is placed in the function around its call, as static analysis names functions,
 * so that a site found both ways has one identity and is one finding, marked `both`.
 */
import { lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { ts } from 'ts-morph';
import type { CheckResult } from '../check.js';
import { UsageError } from '../errors.js';
import { enclosingFunctionOf } from '../extract/typescript.js';
import { typescript } from '../extract/typescript-compiler.js';
import { SourceReader } from '../extract/read-source.js';
import type { FileFacts } from '../facts/types.js';
import { LineIndex } from '../facts/positions.js';
import { applyBaseline, type BaselineEntry } from '../filter/baseline.js';
import { applyExceptions } from '../filter/exceptions.js';
import { applySuppressions } from '../filter/suppressions.js';
import { findSuppressionComments } from '../extract/suppression-comments.js';
import { OwnershipIndex } from '../map/resolve.js';
import { DEFAULT_LEVELS, ranRule } from '../outcome.js';
import { completeFindings, identityKey } from '../rules/complete.js';
import type { Finding } from '../rules/finding.js';
import type { RuleFinding } from '../rules/rule.js';
import { displayTable } from '../rules/rule.js';
import { runtimeOnlyAccesses, seenStatically, type ExecutedAccess } from '../rules/runtime-only-access.js';
import type { Notification } from '../outcome.js';
import type { RuntimeCoverage } from '../report/summary.js';
import { compareFindings, compareText } from '../order.js';
import { domainOf } from '../verdicts.js';
import { judgeExecuted, type ExecutedInFile } from './judge.js';
import { RecordLineSchema, type Observation } from './record.js';

/** Bounds on the record a test run can hand over. */
const MAX_RECORD_FILES = 10_000;
const MAX_RECORD_BYTES = 256 * 1024 * 1024;
const MAX_LINE_CHARS = 1024 * 1024;

export interface RuntimeRecord {
  folder: string;
  files: number;
  observations: Observation[];
  /** Distinct statements no repository frame sent, with the tables they touched. */
  unattributed: Map<string, string[]>;
  notes: Notification[];
  /** Lines that were not a valid record line, and files left unread. */
  unreadable: number;
  skippedFiles: number;
}

/** Reads every `*.jsonl` record file of the folder; a missing folder is a usage error, a bad line is counted. */
export function readRuntimeRecord(folder: string): RuntimeRecord {
  const absolute = path.resolve(folder);
  let names: string[];
  try {
    names = readdirSync(absolute).filter((name) => name.endsWith('.jsonl')).sort();
  } catch (error) {
    throw new UsageError(`Cannot read the --runtime folder ${folder}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}. It is the reportDir the runtime guard wrote during the tests.`);
  }
  const record: RuntimeRecord = { folder, files: 0, observations: [], unattributed: new Map(), notes: [], unreadable: 0, skippedFiles: 0 };
  let bytes = 0;
  for (const name of names) {
    const file = path.join(absolute, name);
    const stats = lstatSync(file);
    // A link could lead anywhere the tests chose; a record file is always a plain file the guard wrote.
    if (!stats.isFile() || record.files >= MAX_RECORD_FILES || bytes + stats.size > MAX_RECORD_BYTES) {
      record.skippedFiles++;
      continue;
    }
    bytes += stats.size;
    record.files++;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const parsed = line.length > MAX_LINE_CHARS ? undefined : parseLine(line);
      if (!parsed) {
        record.unreadable++;
      } else if (parsed.kind === 'observation') {
        record.observations.push(parsed);
      } else if (parsed.kind === 'unattributed') {
        record.unattributed.set(parsed.statement, parsed.tables);
      } else {
        const { message, file: noteFile, line: noteLine, column } = parsed;
        record.notes.push({ level: 'note', message: `Runtime guard: ${message}`, ...(noteFile ? { file: noteFile, line: noteLine, column } : {}) });
      }
    }
  }
  return record;
}

function parseLine(line: string) {
  try {
    const result = RecordLineSchema.safeParse(JSON.parse(line));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

export interface MergeOptions {
  root: string;
  mapFile: string;
  today: string;
  baseline?: BaselineEntry[];
  rules?: string[];
}

export interface MergedOutcome {
  findings: Finding[];
  notifications: Notification[];
  absent?: BaselineEntry[];
  coverage: RuntimeCoverage;
}

/** The static result with the runtime record judged and merged into it. */
export function mergeRuntime(result: CheckResult, record: RuntimeRecord, options: MergeOptions): MergedOutcome {
  const map = new OwnershipIndex(result.loadedMap.map);
  const staticByFile = new Map(result.facts.map((facts) => [facts.file, facts]));
  const functions = new FunctionLocator(options.root);
  const notifications: Notification[] = [...record.notes];
  const ran = ranRule(options.rules);

  // Each observation in its caller's file and domain, placed in the function around the call.
  const groups = new Map<string, ExecutedInFile>();
  const executed: ExecutedAccess[] = [];
  const unknownDomains = new Set<string>();
  for (const observation of record.observations) {
    let runAs = observation.runAs;
    if (runAs !== undefined && !map.domain(runAs)) {
      unknownDomains.add(runAs);
      runAs = undefined;
    }
    const facts = staticByFile.get(observation.file);
    const domain = runAs ?? domainOf({ file: observation.file, ownerHeader: facts?.ownerHeader }, map);
    const enclosingFunction = functions.at(observation.file, observation.line, observation.column);
    const key = `${observation.file}\0${domain ?? ''}`;
    let group = groups.get(key);
    if (!group) {
      const suppressions = facts?.suppressions ?? functions.suppressions(observation.file);
      groups.set(key, (group = { file: observation.file, domain, statements: [], suppressions }));
    }
    group.statements.push({ line: observation.line, column: observation.column, enclosingFunction, accesses: observation.accesses });
    const frames = [
      { file: observation.file, enclosingFunction },
      ...(observation.callers ?? []).map((caller) => ({ file: caller.file, enclosingFunction: functions.at(caller.file, caller.line, caller.column) })),
    ];
    for (const access of observation.accesses) {
      executed.push({ file: observation.file, line: observation.line, column: observation.column, domain, enclosingFunction, table: access.table, operation: access.operation, frames });
    }
  }
  if (unknownDomains.size > 0) {
    notifications.push({ level: 'warning', message: `The runtime record names domains the map does not have (${[...unknownDomains].sort().join(', ')}): those statements were judged by their caller's folder instead.` });
  }

  // The runtime findings, one per identity, judged as check judges a file.
  const runtimeFindings = new Map<string, Finding>();
  for (const group of groups.values()) {
    for (const finding of judgeExecuted(group, { map, loadedMap: result.loadedMap, mapFile: options.mapFile, root: options.root, today: options.today }).findings) {
      if (!ran(finding.ruleId)) continue;
      const key = identityKey(finding);
      const known = runtimeFindings.get(key);
      if (!known || compareFindings(finding, known) < 0) runtimeFindings.set(key, finding);
    }
  }

  // What static analysis did not see: measured over the accesses in files it scanned.
  const scanned = executed.filter((access) => staticByFile.has(access.file) && access.operation !== 'reference');
  const distinct = distinctAccesses(scanned);
  const unseen = distinct.filter((access) => !seenStatically(access, (file) => staticByFile.get(file)));
  if (ran('runtime-only-access')) {
    for (const finding of placed(runtimeOnlyAccesses(unseen, (file) => staticByFile.get(file)), map, options, staticByFile, functions)) {
      runtimeFindings.set(identityKey(finding), finding);
    }
  }

  // Static findings stay as they were; those the tests also ran are `both`.
  const findings = result.findings.map((finding): Finding => {
    const key = identityKey(finding);
    if (runtimeFindings.delete(key)) return { ...finding, origin: 'both' };
    return { ...finding, origin: 'static' };
  });
  let runtimeOnly: Finding[] = completeFindings(
    [...runtimeFindings.values()].map(({ level: _level, fingerprint: _fingerprint, ...finding }) => finding),
    DEFAULT_LEVELS,
  ).map((finding): Finding => ({ ...finding, origin: 'runtime' }));
  let absent = result.absent;
  if (options.baseline) {
    runtimeOnly = applyBaseline(runtimeOnly, options.baseline, () => false).findings;
    absent = withoutRecorded(absent, runtimeOnly);
  }
  // Ties at one call are ordered by table, not by the order the tests happened to run in.
  findings.push(...runtimeOnly.sort((a, b) => compareFindings(a, b) || compareText(a.table ?? '', b.table ?? '')));
  findings.sort(compareFindings);

  if (record.unattributed.size > 0) {
    const tables = [...new Set([...record.unattributed.values()].flat())].sort();
    notifications.push({
      level: 'note',
      message: `${record.unattributed.size} statement${record.unattributed.size === 1 ? '' : 's'} the tests ran came from no file of the repository (a migration tool, a library) and were not judged; they touched ${tables.slice(0, 10).join(', ')}${tables.length > 10 ? ` and ${tables.length - 10} more` : ''}.`,
    });
  }
  if (record.unreadable > 0 || record.skippedFiles > 0) {
    notifications.push({
      level: 'warning',
      message: `The runtime record in ${record.folder} was not read whole: ${record.unreadable} line${record.unreadable === 1 ? '' : 's'} were not valid record lines, ${record.skippedFiles} file${record.skippedFiles === 1 ? '' : 's'} were not plain files or went over the size limits.`,
    });
  }

  return {
    findings,
    notifications: [...result.notifications, ...notifications],
    ...(absent ? { absent } : {}),
    coverage: {
      recordFiles: record.files,
      statementsJudged: record.observations.length,
      accesses: distinct.length,
      seenStatically: distinct.length - unseen.length,
      unscannedFiles: distinctAccesses(executed.filter((access) => !staticByFile.has(access.file))).length,
      unattributedStatements: record.unattributed.size,
    },
  };
}

/** One per file, function, table and operation: a loop that runs a query a thousand times is one access. */
function distinctAccesses(accesses: readonly ExecutedAccess[]): ExecutedAccess[] {
  const byKey = new Map<string, ExecutedAccess>();
  for (const access of accesses) {
    const key = [access.file, access.enclosingFunction ?? '', displayTable(access.table), access.operation, access.domain ?? ''].join('\0');
    if (!byKey.has(key)) byKey.set(key, access);
  }
  return [...byKey.values()];
}

/** runtime-only-access findings through the map's exceptions and the file's suppression comments, as every finding goes. */
function placed(raw: RuleFinding[], map: OwnershipIndex, options: MergeOptions, staticByFile: Map<string, FileFacts>, functions: FunctionLocator): Finding[] {
  const findings = completeFindings(raw.map((finding) => ({ ...finding, ruleId: finding.ruleId! })), DEFAULT_LEVELS);
  const { kept } = applyExceptions(findings, map, options.today);
  const byFile = new Map<string, Finding[]>();
  for (const finding of kept) byFile.set(finding.file, [...(byFile.get(finding.file) ?? []), finding]);
  return [...byFile].flatMap(([file, inFile]) => {
    const facts: FileFacts = staticByFile.get(file) ?? { file, language: 'typescript', imports: [], accesses: [], sqlErrors: [], suppressions: functions.suppressions(file), notes: [] };
    return applySuppressions(inFile, [facts], { knownRules: new Set(inFile.map((finding) => finding.ruleId)), ran: () => false, domainOf: () => undefined }).findings;
  });
}

/** The baseline's absent entries less those a runtime-only finding now matches. */
function withoutRecorded(absent: BaselineEntry[] | undefined, findings: Finding[]): BaselineEntry[] | undefined {
  if (!absent) return absent;
  const matched = new Map<string, number>();
  for (const finding of findings) {
    if (finding.baselineState === 'unchanged') matched.set(identityKey(finding), (matched.get(identityKey(finding)) ?? 0) + 1);
  }
  return absent.flatMap((entry) => {
    const key = identityKey({ ...entry, domain: entry.domain ?? null, operation: entry.operation as Finding['operation'] });
    const taken = Math.min(entry.count, matched.get(key) ?? 0);
    matched.set(key, (matched.get(key) ?? 0) - taken);
    return entry.count > taken ? [{ ...entry, count: entry.count - taken }] : [];
  });
}

/** The function around a line and column of a repository file, named as static analysis names it. */
class FunctionLocator {
  private readonly reader: SourceReader;
  private readonly files = new Map<string, { source: ts.SourceFile; lines: LineIndex } | undefined>();

  constructor(root: string) {
    let realRoot = path.resolve(root);
    try {
      realRoot = realpathSync.native(realRoot);
    } catch {
      // The static run has already said what is wrong with the root.
    }
    this.reader = new SourceReader(realRoot);
  }

  at(file: string, line: number, column: number): string | undefined {
    const parsed = this.parsed(file);
    if (!parsed) return undefined;
    const offset = parsed.lines.text.length === 0 ? 0 : Math.min(this.offsetOf(parsed.lines, line, column), parsed.lines.text.length - 1);
    let node: ts.Node = parsed.source;
    for (;;) {
      const child: ts.Node | undefined = typescript.forEachChild(node, (candidate) => (candidate.getStart(parsed.source) <= offset && offset < candidate.getEnd() ? candidate : undefined));
      if (!child) break;
      node = child;
    }
    return enclosingFunctionOf(node);
  }

  suppressions(file: string) {
    const text = this.parsed(file)?.lines.text;
    return text === undefined ? [] : findSuppressionComments(text, 'typescript');
  }

  private offsetOf(lines: LineIndex, line: number, column: number): number {
    // The start of the line, found by locating offsets: LineIndex keeps its line starts to itself.
    let low = 0;
    let high = lines.text.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (lines.locate(middle).line < line) low = middle + 1;
      else high = middle;
    }
    return low + column - 1;
  }

  private parsed(file: string) {
    if (!this.files.has(file)) {
      const text = this.reader.read(file, []);
      const kind = file.endsWith('x') ? typescript.ScriptKind.TSX : typescript.ScriptKind.TS;
      this.files.set(file, text === undefined ? undefined : { source: typescript.createSourceFile(file, text, typescript.ScriptTarget.Latest, true, kind), lines: new LineIndex(text) });
    }
    return this.files.get(file);
  }
}
