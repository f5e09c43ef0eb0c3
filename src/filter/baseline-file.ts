/**
 * The baseline file on disk: its schema, reading it as the untrusted input it is, and writing it.
 * Apart from baseline.ts so that a run without a baseline file does not load the schema validator.
 */
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { FileRefused, readRegularFile, writeFileReplacing } from '../io/safe-files.js';

/** A baseline of 200,000 findings takes about 40 MB: larger is refused before it is parsed. */
export const MAX_BASELINE_BYTES = 64 * 1024 * 1024;

const EntrySchema = z
  .object({
    ruleId: z.string().min(1),
    file: z.string().min(1),
    domain: z.string().optional(),
    table: z.string().optional(),
    operation: z.string().optional(),
    enclosingFunction: z.string().optional(),
    specifier: z.string().optional(),
    count: z.number().int().positive(),
  })
  .strict();

const BaselineFileSchema = z.object({ version: z.literal(1), findings: z.array(EntrySchema) }).strict();

export type BaselineEntry = z.output<typeof EntrySchema>;

/** Writes the baseline through a temporary file renamed into place; inside `root`, never through a link. */
export function writeBaseline(file: string, entries: BaselineEntry[], root?: string): void {
  const text = JSON.stringify({ version: 1, findings: entries }, null, 2) + '\n';
  try {
    writeFileReplacing(file, text, { root });
  } catch (error) {
    const reason = error instanceof FileRefused ? error.message : ((error as NodeJS.ErrnoException).code ?? (error as Error).message);
    throw new UsageError(`Cannot write the baseline file ${file}: ${reason}.`);
  }
}

/**
 * Reads and checks a baseline file; every problem is a UsageError naming the file (and line:column
 * for bad JSON). Inside `root` a link is not followed; only a regular file of MAX_BASELINE_BYTES is read.
 */
export function readBaseline(file: string, root?: string): BaselineEntry[] {
  const regenerate = 'Regenerate it with "schema-guard baseline", or pass --no-baseline.';
  let text: string;
  try {
    text = readRegularFile(file, { maxBytes: MAX_BASELINE_BYTES, root }).toString('utf8');
  } catch (error) {
    if (error instanceof FileRefused && error.kind !== 'system') throw new UsageError(`Cannot read the baseline file: ${error.message}. Pass --no-baseline, or --baseline with another file.`);
    const code = error instanceof FileRefused ? (error.code ?? error.reason) : ((error as NodeJS.ErrnoException).code ?? (error as Error).message);
    throw new UsageError(`Cannot read the baseline file ${file} (${code}): create it with "schema-guard baseline".`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const reason = message.replace(/ in JSON at position \d+.*$/, '');
    throw new UsageError(`${file}${jsonErrorPosition(text, message)}: the baseline file is not valid JSON (${reason}). ${regenerate}`);
  }
  const parsed = BaselineFileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    throw new UsageError(`${file}: ${where ? `${where}: ` : ''}${issue.message}: not a schema-guard baseline file. ${regenerate}`);
  }
  return parsed.data.findings;
}

/** ": line:column" of a JSON.parse error, from its "position N" (Node 20) or "line L column C" (Node 22). */
function jsonErrorPosition(text: string, message: string): string {
  const lineColumn = /line (\d+) column (\d+)/.exec(message);
  if (lineColumn) return `:${lineColumn[1]}:${lineColumn[2]}`;
  const position = /position (\d+)/.exec(message);
  if (!position) return '';
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  return `:${line}:${before.length - before.lastIndexOf('\n')}`;
}
