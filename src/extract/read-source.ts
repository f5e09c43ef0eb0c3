/**
 * Reading a repository file for extraction, the same in the main thread and in a worker: links that
 * lead out of the root, non-regular files, binaries and oversized files are refused with a note
 * saying why, which extraction turns into a file-not-analysed finding. Decoding: decode-source.ts.
 */
import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Notification } from '../outcome.js';
import { decodeSource } from './decode-source.js';

/** Larger files are generated code or data, not hand-written queries: reported as not analysed. */
const MAX_FILE_BYTES = 2 * 1024 * 1024;

/**
 * Reads files of one root. The folders on a file's way are resolved once per reader (a repository
 * has far fewer folders than files, and resolving a path costs a system call per segment); a file
 * that is itself a link is resolved whole.
 */
export class SourceReader {
  private readonly folderInside = new Map<string, boolean>();

  constructor(readonly realRoot: string) {}

  /** The file's text, or undefined with a notification saying why it was not read. */
  read(file: string, notifications: Notification[]): string | undefined {
    const absolute = path.join(this.realRoot, file);
    try {
      let stats = lstatSync(absolute);
      let real = absolute;
      if (stats.isSymbolicLink()) {
        real = realpathSync.native(absolute);
        stats = this.inside(real) ? statSync(real) : stats;
      }
      if (!this.inside(real) || !this.folderIsInside(path.dirname(file))) {
        notifications.push({ level: 'note', file, message: 'skipped: it is a link to a place outside the scanned root' });
        return undefined;
      }
      if (!stats.isFile()) {
        // A FIFO or device would block the read or never end.
        notifications.push({ level: 'note', file, message: 'skipped: not a regular file' });
        return undefined;
      }
      if (stats.size > MAX_FILE_BYTES) {
        notifications.push({ level: 'note', file, message: `skipped: ${Math.round(stats.size / 1024)} kB is over the ${MAX_FILE_BYTES / 1024} kB limit for source files` });
        return undefined;
      }
      const decoded = decodeSource(readFileSync(real));
      if ('binary' in decoded) {
        notifications.push({ level: 'note', file, message: `skipped: ${decoded.binary}` });
        return undefined;
      }
      return decoded.text;
    } catch (error) {
      notifications.push({ level: 'error', file, message: `could not be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` });
      return undefined;
    }
  }

  private inside(real: string): boolean {
    return real === this.realRoot || real.startsWith(this.realRoot + path.sep);
  }

  /** Whether a repository folder, with its links resolved, lies inside the root. */
  private folderIsInside(folder: string): boolean {
    let known = this.folderInside.get(folder);
    if (known === undefined) {
      known = this.inside(realpathSync.native(path.join(this.realRoot, folder)));
      this.folderInside.set(folder, known);
    }
    return known;
  }
}

/**
 * Texts read ahead of extraction by the ORM pre-pass, handed to the extraction in this thread, so
 * that a cold run reads each file once. They are read the way extraction reads them, kept only for
 * the files extraction will ask for and only up to a budget, and handed over once.
 */
export class SourceTexts {
  private readonly reader: SourceReader;
  private readonly kept = new Map<string, string>();
  private size = 0;

  /**
   * @param toExtract the files the run extracts: only their texts are kept.
   * @param budget the most characters kept at once: a huge repository's text is never all in memory.
   */
  constructor(
    root: string,
    private readonly toExtract: ReadonlySet<string> = new Set(),
    private readonly budget = 16 * 1024 * 1024,
  ) {
    this.reader = new SourceReader(realpathSync.native(root));
  }

  /** A file's text as extraction reads it, or undefined; why it could not be read is left for extraction to report. */
  read(file: string): string | undefined {
    const text = this.reader.read(file, []);
    if (text !== undefined && this.toExtract.has(file) && this.size + text.length <= this.budget) {
      this.kept.set(file, text);
      this.size += text.length;
    }
    return text;
  }

  /** The text read ahead for a file, once; undefined when there is none. */
  take(file: string): string | undefined {
    const text = this.kept.get(file);
    if (text !== undefined) {
      this.kept.delete(file);
      this.size -= text.length;
    }
    return text;
  }

  /** Lets go of what extraction did not ask for. */
  clear(): void {
    this.kept.clear();
    this.size = 0;
  }
}
