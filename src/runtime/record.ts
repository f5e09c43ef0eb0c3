/**
 * The runtime record: what the guard saw while the tests ran, one JSON object a line, one file per
 * process (`runtime-<pid>-<random>.jsonl`), so that parallel test workers never write the same file.
 * `check --runtime` reads these files back as untrusted input (the tests run the pull request's
 * code): every line is validated, and a line that is not valid is counted, never trusted.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const RECORD_VERSION = 1;

const OPERATIONS = ['read', 'insert', 'update', 'delete', 'truncate', 'merge', 'copy', 'create', 'alter', 'drop', 'reference'] as const;

/** Bounds on what one line may carry: the tests are not trusted to keep records small. */
const name = z.string().min(1).max(256);
const columns = z.array(name).max(2_000).optional();

const RecordedAccessSchema = z.object({
  /** Which statement of the text, when it held several. */
  part: z.number().int().min(0).max(10_000).optional(),
  table: z.object({ schema: name.optional(), name }),
  operation: z.enum(OPERATIONS),
  detail: z.enum(['enable-rls', 'policy']).optional(),
  columns,
  constrained: columns,
  selected: columns,
});

/** A repository-relative POSIX path: no `..`, not absolute, no backslash or control character. */
const repositoryPath = z
  .string()
  .min(1)
  .max(1_024)
  .refine((file) => !file.startsWith('/') && !/[\\\u0000-\u001f]/.test(file) && file.split('/').every((part) => part !== '..' && part !== '.' && part !== ''), 'expected a repository-relative path');

const position = z.number().int().min(1).max(10_000_000);

const RecordedFindingSchema = z.object({
  ruleId: name,
  level: z.enum(['note', 'warning', 'error']),
  message: z.string().max(4_000),
  table: name.optional(),
  operation: z.enum(OPERATIONS).optional(),
  suppressed: z.boolean().optional(),
  waivedBy: name.optional(),
});

/** A statement sent from one site: where from, in which domain when runAs said so, what it touched, and the guard's verdict. */
const ObservationSchema = z.object({
  v: z.literal(RECORD_VERSION),
  kind: z.literal('observation'),
  file: repositoryPath,
  line: position,
  column: position,
  /** The repository frames below the caller, innermost first: where `check --runtime` looks for the statement in the code. */
  callers: z.array(z.object({ file: repositoryPath, line: position, column: position })).max(8).optional(),
  /** The domain guard.runAs() named; absent when the caller's folder tells. */
  runAs: z.string().regex(/^[a-z][a-z0-9-]*$/).max(128).optional(),
  /** The hook that saw it: `pg`, `prisma`. */
  via: z.string().max(32),
  /** A digest of the statement's text: the text itself is not recorded (it may hold literals). */
  statement: z.string().regex(/^[0-9a-f]{16}$/),
  accesses: z.array(RecordedAccessSchema).max(1_000),
  findings: z.array(RecordedFindingSchema).max(1_000),
});

/** A statement no repository frame sent and no runAs scoped: seen, not judged. */
const UnattributedSchema = z.object({
  v: z.literal(RECORD_VERSION),
  kind: z.literal('unattributed'),
  via: z.string().max(32),
  statement: z.string().regex(/^[0-9a-f]{16}$/),
  tables: z.array(name).max(1_000),
});

/** The guard's own trouble (a statement its parser could not read, an internal error): the query ran regardless. */
const InternalNoteSchema = z.object({
  v: z.literal(RECORD_VERSION),
  kind: z.literal('note'),
  message: z.string().max(4_000),
  file: repositoryPath.optional(),
  line: position.optional(),
  column: position.optional(),
});

export const RecordLineSchema = z.discriminatedUnion('kind', [ObservationSchema, UnattributedSchema, InternalNoteSchema]);

export type RecordLine = z.output<typeof RecordLineSchema>;
export type Observation = z.output<typeof ObservationSchema>;
export type RecordedAccess = z.output<typeof RecordedAccessSchema>;
export type RecordedFinding = z.output<typeof RecordedFindingSchema>;

/** Appends record lines to this process's file, created on the first line. */
export class RecordWriter {
  private file: string | undefined;

  constructor(private readonly folder: string) {}

  /** The file this process writes, once it has written. */
  get path(): string | undefined {
    return this.file;
  }

  write(line: RecordLine): void {
    if (this.file === undefined) {
      mkdirSync(this.folder, { recursive: true });
      this.file = path.join(this.folder, `runtime-${process.pid}-${randomBytes(6).toString('hex')}.jsonl`);
    }
    // Synchronous: a test worker that exits right after its last query still leaves a whole record.
    appendFileSync(this.file, JSON.stringify(line) + '\n');
  }
}
