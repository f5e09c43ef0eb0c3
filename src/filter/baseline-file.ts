/**
 * The baseline file on disk: its schema, reading it as the untrusted input it is, and writing it.
 * Apart from baseline.ts so that a run without a baseline file does not load the schema validator.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UsageError } from '../errors.js';

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

export function writeBaseline(file: string, entries: BaselineEntry[]): void {
  const text = JSON.stringify({ version: 1, findings: entries }, null, 2) + '\n';
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  } catch (error) {
    throw new UsageError(`Cannot write the baseline file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
  }
}

/** Reads and checks a baseline file; every problem is a UsageError naming the file (and line:column for bad JSON). */
export function readBaseline(file: string): BaselineEntry[] {
  const regenerate = 'Regenerate it with "schema-guard baseline", or pass --no-baseline.';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read the baseline file ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): create it with "schema-guard baseline".`);
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
