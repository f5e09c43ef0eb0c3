/**
 * Extracts the facts of every discovered file. One bad file never stops the scan of the rest:
 * what cannot be read or analysed becomes a notification.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FileFacts } from '../facts/types.js';
import type { Notification } from '../report/summary.js';
import { extractFile, type ExtractContext } from './file.js';

/** Larger files are generated code or data, not hand-written queries: reported as not analysed. */
export const MAX_FILE_BYTES = 2 * 1024 * 1024;

export function extractAll(root: string, files: string[], context: ExtractContext, notifications: Notification[]): FileFacts[] {
  const realRoot = realpathSync(root);
  const facts: FileFacts[] = [];
  for (const file of files) {
    const text = readSource(realRoot, file, notifications);
    if (text === undefined) continue;
    try {
      const fileFacts = extractFile(file, text, context);
      for (const note of fileFacts.notes) notifications.push({ level: 'note', file, ...note });
      facts.push(fileFacts);
    } catch (error) {
      notifications.push({ level: 'error', file, message: `could not be analysed: ${(error as Error).message}` });
    }
  }
  return facts;
}

/** Reads a source file, refusing links that lead out of the root, binaries and oversized files. */
function readSource(realRoot: string, file: string, notifications: Notification[]): string | undefined {
  const absolute = path.join(realRoot, file);
  try {
    const real = realpathSync(absolute);
    if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
      notifications.push({ level: 'note', file, message: 'skipped: it is a link to a place outside the scanned root' });
      return undefined;
    }
    const size = statSync(real).size;
    if (size > MAX_FILE_BYTES) {
      notifications.push({ level: 'note', file, message: `skipped: ${Math.round(size / 1024)} kB is over the ${MAX_FILE_BYTES / 1024} kB limit for source files` });
      return undefined;
    }
    const buffer = readFileSync(real);
    if (buffer.subarray(0, 8000).includes(0)) {
      notifications.push({ level: 'note', file, message: 'skipped: binary content (NUL bytes)' });
      return undefined;
    }
    return buffer.toString('utf8');
  } catch (error) {
    notifications.push({ level: 'error', file, message: `could not be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` });
    return undefined;
  }
}

