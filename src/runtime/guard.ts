/**
 * The runtime guard: sees every statement a wrapped driver sends, finds who sent it, and judges it
 * with the SQL analysis, map and rules of `check`. Each distinct statement text is analysed once,
 * and each (site, text, domain) judged once; a repeat costs a stack capture and two map lookups.
 * Whatever goes wrong inside the guard is recorded as a note and the query runs as if unwatched.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { findSuppressionComments } from '../extract/suppression-comments.js';
import type { SuppressionFact } from '../facts/types.js';
import { loadOwnershipMap } from '../map/load.js';
import { OwnershipIndex } from '../map/resolve.js';
import { LEVEL_RANK, type Finding, type Level } from '../rules/finding.js';
import { displayTable } from '../rules/rule.js';
import { createSqlAnalyzer, type SqlAnalyzer } from '../sql/index.js';
import { domainOf } from '../verdicts.js';
import { CallerLocator, type CallSite } from './caller.js';
import { judgeExecuted, recordedAccesses, type JudgingContext } from './judge.js';
import { wrapQueryable, type StatementCheck } from './pg.js';
import { RecordWriter, RECORD_VERSION, type RecordLine } from './record.js';

export interface RuntimeGuardOptions {
  /** The ownership map, relative to `root` (default: ownership-map.yaml). */
  map?: string;
  /** The repository root: callers are located and reported relative to it (default: the current directory). */
  root?: string;
  /** `record` (default): write what was seen to `reportDir`. `throw`: also fail each query that breaks a rule. */
  mode?: 'record' | 'throw';
  /** Where each process writes its record file (default: <root>/.schema-guard/runtime). */
  reportDir?: string;
  /** In `throw` mode, the lowest level that fails a query (default: warning). */
  throwOn?: Level;
  /** YYYY-MM-DD for exception expiry (default: today). */
  today?: string;
}

/** A finding of the runtime guard, as `guard.findings()` lists it. */
export interface RuntimeFinding {
  ruleId: string;
  level: Level;
  message: string;
  /** The caller: repository-relative file, line and column. */
  file: string;
  line: number;
  column: number;
  domain: string | null;
  table?: string;
  operation?: string;
  /** The comment's reason, when a schema-guard-ignore-next-line comment covers the call. */
  suppressed?: string;
}

/** The error a query fails with in `throw` mode. */
export class RuntimeViolationError extends Error {
  readonly ruleId: string;
  readonly table: string | undefined;
  readonly caller: string;
  constructor(finding: RuntimeFinding) {
    const caller = `${finding.file}:${finding.line}:${finding.column}`;
    super(`schema-guard ${finding.ruleId}${finding.table ? ` on ${finding.table}` : ''} at ${caller}: ${finding.message}`);
    this.name = 'RuntimeViolationError';
    this.ruleId = finding.ruleId;
    this.table = finding.table;
    this.caller = caller;
  }
}

interface Scope {
  domain?: string;
}

/** Repository frames kept per statement: the caller, and the code that called it, for check --runtime. */
const FRAMES_KEPT = 6;

/** Distinct statement texts kept: a program that writes values into its SQL makes each text new. */
const MAX_TEXTS = 10_000;
/** Source files larger than this are not read for suppression comments and @owner headers. */
const MAX_SOURCE_BYTES = 4 * 1024 * 1024;
const OWNER_HEADER = /^[ \t]*\/\/[ \t]*@owner[ \t]+([A-Za-z0-9_-]+)/m;

export async function createRuntimeGuard(options: RuntimeGuardOptions = {}): Promise<RuntimeGuard> {
  const root = path.resolve(options.root ?? '.');
  const mapFile = path.resolve(root, options.map ?? 'ownership-map.yaml');
  const loadedMap = loadOwnershipMap(mapFile);
  const analyzer = await createSqlAnalyzer('libpg-query');
  return new RuntimeGuard(options, root, { map: new OwnershipIndex(loadedMap.map), loadedMap, mapFile, root, today: options.today ?? new Date().toISOString().slice(0, 10) }, analyzer);
}

/** What one statement text sent from one site, in one domain, came to. */
interface Verdict {
  findings: RuntimeFinding[];
  /** The first finding that fails the query in throw mode. */
  violation?: RuntimeFinding;
}

export class RuntimeGuard {
  readonly mode: 'record' | 'throw';
  readonly reportDir: string;
  private readonly locator: CallerLocator;
  private readonly writer: RecordWriter;
  private readonly scope = new AsyncLocalStorage<Scope>();
  private readonly throwRank: number;
  /** text → key of site and domain → verdict. */
  private readonly verdicts = new Map<string, Map<string, Verdict>>();
  private readonly sources = new Map<string, { suppressions: SuppressionFact[]; ownerHeader?: string }>();
  private readonly noted = new Set<string>();
  private readonly seen: RuntimeFinding[] = [];
  private readonly check: StatementCheck = (text) => this.checkStatement(text, 'pg');
  private counts = { statements: 0, judged: 0, unattributed: 0, internalErrors: 0 };

  constructor(
    options: RuntimeGuardOptions,
    readonly root: string,
    private readonly context: JudgingContext,
    private readonly analyzer: SqlAnalyzer,
  ) {
    this.mode = options.mode ?? 'record';
    this.reportDir = path.resolve(root, options.reportDir ?? path.join('.schema-guard', 'runtime'));
    this.locator = new CallerLocator(root);
    this.writer = new RecordWriter(this.reportDir);
    this.throwRank = LEVEL_RANK[options.throwOn ?? 'warning'];
  }

  /** A node-postgres Pool or Client that shows every statement to the guard; the object itself is left as it is. */
  wrap<T extends object>(poolOrClient: T): T {
    return wrapQueryable(poolOrClient, this.check);
  }

  /** Runs `fn` with every statement it sends counted as `domain`'s, whatever the stack says (a job runner, a shared helper). */
  runAs<R>(domain: string, fn: () => R): R {
    if (!this.context.map.domain(domain)) {
      throw new Error(`schema-guard runAs: "${domain}" is not a domain of the map (${Object.keys(this.context.map.map.domains).join(', ')}).`);
    }
    return this.scope.run({ ...this.scope.getStore(), domain }, fn);
  }

  /** The findings this process has seen so far, suppressed ones included and marked. */
  findings(): RuntimeFinding[] {
    return [...this.seen];
  }

  /** How many statements the guard saw, judged, could not attribute to a caller, and failed to analyse. */
  stats() {
    return { ...this.counts, recordFile: this.writer.path };
  }

  /** Judges a statement text about to be sent; returns the error to fail it with in throw mode. Never throws. */
  checkStatement(text: string, via: string): Error | undefined {
    this.counts.statements++;
    let verdict: Verdict | undefined;
    try {
      verdict = this.verdictOf(text, via);
    } catch (error) {
      this.counts.internalErrors++;
      this.note(`internal:${(error as Error)?.message}`, { message: `The runtime guard failed on a statement and let it run: ${(error as Error)?.message ?? String(error)}` });
    }
    if (this.mode === 'throw' && verdict?.violation) return new RuntimeViolationError(verdict.violation);
    return undefined;
  }

  private verdictOf(text: string, via: string): Verdict | undefined {
    const scope = this.scope.getStore();
    const frames = this.locator.frames(CallerLocator.captureStack(), FRAMES_KEPT);
    const key = `${frames.map((frame) => `${frame.file}:${frame.line}:${frame.column}`).join('<')}\0${scope?.domain ?? ''}`;
    let bySite = this.verdicts.get(text);
    const known = bySite?.get(key);
    if (known) return known;
    if (!bySite) {
      if (this.verdicts.size >= MAX_TEXTS) this.verdicts.delete(this.verdicts.keys().next().value!);
      this.verdicts.set(text, (bySite = new Map()));
    }
    const verdict = this.judge(text, via, frames, scope?.domain);
    bySite.set(key, verdict);
    return verdict;
  }

  private judge(text: string, via: string, frames: CallSite[], runAs: string | undefined): Verdict {
    const site = frames[0];
    const statement = createHash('sha256').update(text).digest('hex').slice(0, 16);
    const analysis = this.analyzer.analyze(text);
    if (analysis.error) {
      const where = site ? { file: site.file, line: site.line, column: site.column } : {};
      const from = site ? ` sent from ${site.file}:${site.line}` : '';
      this.note(`parse:${statement}`, { message: `A statement${from} could not be analysed, so its table accesses were not judged: ${analysis.error.message}.`, ...where });
    }
    const accesses = recordedAccesses(analysis.statements);
    if (!site) {
      this.counts.unattributed++;
      if (accesses.length > 0) this.write({ v: RECORD_VERSION, kind: 'unattributed', via, statement, tables: [...new Set(accesses.map((access) => displayTable(access.table)))] });
      return { findings: [] };
    }
    this.counts.judged++;
    const source = this.source(site.file);
    const domain = runAs ?? domainOf({ file: site.file, ownerHeader: source.ownerHeader ? { domain: source.ownerHeader, line: 1, column: 1 } : undefined }, this.context.map);
    const judged = judgeExecuted(
      { file: site.file, domain, statements: [{ line: site.line, column: site.column, accesses }], suppressions: source.suppressions },
      this.context,
    );
    const findings = judged.findings.map((finding) => this.runtimeFinding(finding, site));
    this.seen.push(...findings);
    this.write({
      v: RECORD_VERSION,
      kind: 'observation',
      file: site.file,
      line: site.line,
      column: site.column,
      ...(frames.length > 1 ? { callers: frames.slice(1).map(({ file, line, column }) => ({ file, line, column })) } : {}),
      ...(runAs ? { runAs } : {}),
      via,
      statement,
      accesses,
      findings: [
        ...judged.findings.map((finding) => ({
          ruleId: finding.ruleId,
          level: finding.level,
          message: finding.message,
          ...(finding.table ? { table: finding.table } : {}),
          ...(finding.operation ? { operation: finding.operation } : {}),
          ...(finding.suppressed ? { suppressed: true } : {}),
        })),
        ...judged.waived.map(({ finding, exception }) => ({
          ruleId: finding.ruleId,
          level: finding.level,
          message: finding.message,
          ...(finding.table ? { table: finding.table } : {}),
          ...(finding.operation ? { operation: finding.operation } : {}),
          waivedBy: exception,
        })),
      ],
    });
    const violation = findings.find((finding) => !finding.suppressed && LEVEL_RANK[finding.level] >= this.throwRank);
    return violation ? { findings, violation } : { findings };
  }

  private runtimeFinding(finding: Finding, site: CallSite): RuntimeFinding {
    const found: RuntimeFinding = { ruleId: finding.ruleId, level: finding.level, message: finding.message, file: site.file, line: site.line, column: site.column, domain: finding.domain };
    if (finding.table) found.table = finding.table;
    if (finding.operation) found.operation = finding.operation;
    if (finding.suppressed) found.suppressed = finding.suppressed.reason;
    return found;
  }

  /** The caller file's suppression comments and @owner header, read once. */
  private source(file: string): { suppressions: SuppressionFact[]; ownerHeader?: string } {
    let source = this.sources.get(file);
    if (!source) {
      source = { suppressions: [] };
      try {
        const absolute = path.join(this.root, file);
        if (statSync(absolute).size <= MAX_SOURCE_BYTES) {
          const text = readFileSync(absolute, 'utf8');
          source.suppressions = findSuppressionComments(text, file.endsWith('.sql') ? 'sql' : 'typescript');
          const header = OWNER_HEADER.exec(text)?.[1];
          if (header) source.ownerHeader = header;
        }
      } catch {
        // Unreadable: judged without its comments, as if it had none.
      }
      this.sources.set(file, source);
    }
    return source;
  }

  /** An internal note, once per `key`. */
  private note(key: string, note: { message: string; file?: string; line?: number; column?: number }): void {
    if (this.noted.has(key)) return;
    this.noted.add(key);
    this.write({ v: RECORD_VERSION, kind: 'note', ...note, message: note.message.slice(0, 4_000) });
  }

  private write(line: RecordLine): void {
    try {
      this.writer.write(line);
    } catch (error) {
      // Nowhere to record it: say it once on standard error, and go on guarding.
      if (!this.noted.has('write')) {
        this.noted.add('write');
        process.stderr.write(`schema-guard runtime: cannot write the record in ${this.reportDir}: ${(error as Error).message}\n`);
      }
    }
  }
}
