/**
 * Reading and writing the files a run names (the map, the baseline, the report, the cache) when the
 * folder they sit in may belong to an untrusted repository.
 *
 * The rule: a path inside the scanned root is never followed through a link, neither its last part
 * (refused) nor the folders on the way (their real path must stay inside the root); a path outside
 * the root is one the command line named, and is used as named. Every read takes regular files only
 * (a FIFO or a device would block or never end) and at most a stated number of bytes, checked on the
 * open file before anything is read. Every write goes to a temporary file beside the target and is
 * renamed into place, so a link at the target is replaced, never written through, and a reader never
 * sees half a file.
 */
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Stats } from 'node:fs';

/** What kind of refusal: the callers word their own messages from it. */
export type RefusalKind = 'link' | 'outside' | 'directory' | 'special' | 'too-large' | 'system';

/** Why a file was not read or written, in words that finish "… <file> <reason>". */
export class FileRefused extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly kind: RefusalKind,
    /** The errno code when the system refused (`ENOENT` for a missing file); the size for `too-large`. */
    readonly code?: string,
    readonly size?: number,
  ) {
    super(`${file} ${reason}`);
    this.name = 'FileRefused';
  }
}

export interface ReadLimits {
  /** Larger files are refused before a byte is read. */
  maxBytes: number;
  /** The scanned root: a path inside it is not followed through links. */
  root?: string;
}

/** True when `file` lies (lexically) inside `root` or is the root. */
export function isInside(file: string, root: string): boolean {
  const relative = path.relative(path.resolve(root), path.resolve(file));
  return relative === '' || (!relative.startsWith('..' + path.sep) && relative !== '..' && !path.isAbsolute(relative));
}

/** True when `file` lies (lexically) below `root`: a path whose reading or writing the root's links must not redirect. */
function isBelow(file: string, root: string): boolean {
  return isInside(file, root) && path.resolve(file) !== path.resolve(root);
}

/**
 * The bytes of a regular file of at most `maxBytes`. Inside `root`, a link at the path or in one of
 * its folders that leads out of the root is refused.
 */
export function readRegularFile(file: string, limits: ReadLimits): Buffer {
  const confined = limits.root !== undefined && isBelow(file, limits.root);
  if (confined) assertFoldersInside(file, limits.root!);
  let descriptor: number;
  try {
    // O_NONBLOCK: opening a FIFO does not wait for a writer; O_NOFOLLOW: a link is not opened.
    descriptor = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | (confined ? constants.O_NOFOLLOW : 0));
  } catch (error) {
    throw refusal(file, error);
  }
  try {
    const stats = fstatSync(descriptor);
    if (stats.isDirectory()) throw new FileRefused(file, 'is a directory', 'directory');
    if (!stats.isFile()) throw new FileRefused(file, 'is not a regular file (a FIFO, device or socket)', 'special');
    if (stats.size > limits.maxBytes) throw new FileRefused(file, `has ${sizeText(stats.size)}: more than the ${sizeText(limits.maxBytes)} allowed`, 'too-large', undefined, stats.size);
    // A file that grows while it is read is still held to the limit: one byte more is read to see it.
    const buffer = Buffer.allocUnsafe(Math.min(stats.size, limits.maxBytes) + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length < buffer.length; length += read) read = readSync(descriptor, buffer, length, buffer.length - length, null);
    if (length > limits.maxBytes) throw new FileRefused(file, `grew past the ${sizeText(limits.maxBytes)} allowed while it was read`, 'too-large', undefined, length);
    return buffer.subarray(0, length);
  } finally {
    closeSync(descriptor);
  }
}

/**
 * Writes `data` to `file` through a temporary file in the same folder, renamed into place; the
 * folders on the way are created. Inside `root`, a link at the target is refused (it is not
 * followed, nor silently replaced), and so is a folder on the way that leads out of the root. A
 * target outside the root that is not a regular file (`/dev/stdout`, a FIFO) is written directly:
 * the command line chose it.
 */
export function writeFileReplacing(file: string, data: string | Buffer, options: { root?: string; mode?: number } = {}): void {
  const target = path.resolve(file);
  const confined = options.root !== undefined && isBelow(target, options.root);
  if (confined) assertFoldersInside(target, options.root!);
  const existing = lstatIfAny(target);
  if (existing?.isSymbolicLink() && confined) throw new FileRefused(file, 'is a symbolic link inside the repository: it is not written through (remove it, or choose another path)', 'link');
  if (existing?.isDirectory()) throw new FileRefused(file, 'is a directory', 'directory');
  if (existing && !existing.isFile() && !existing.isSymbolicLink()) {
    if (confined) throw new FileRefused(file, 'is not a regular file (a FIFO, device or socket)', 'special');
    writeDirectly(file, data);
    return;
  }
  if (existing?.isSymbolicLink() && !isRegularOrMissing(target)) {
    writeDirectly(file, data); // outside the root, a link the command line named (such as /dev/stdout)
    return;
  }
  makeDirectories(path.dirname(target));
  const temporary = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    // 'wx': the temporary file is new, never an existing file or a link someone placed there.
    writeFileSync(temporary, data, { flag: 'wx', mode: options.mode ?? 0o666 });
    renameSync(temporary, target);
  } catch (error) {
    throw refusal(file, error);
  } finally {
    rmSync(temporary, { force: true });
  }
}

/**
 * mkdir -p without Node's recursive mkdir, which loops forever on a path it cannot create in some
 * file systems (`/proc/x`): each missing folder is created in turn, and the first failure is thrown.
 */
export function makeDirectories(dir: string): void {
  const missing: string[] = [];
  let current = path.resolve(dir);
  for (;;) {
    const stats = lstatIfAny(current);
    if (stats) {
      // A link to a folder is a folder here; whether it may be used is the caller's check.
      if (!stats.isDirectory() && !(stats.isSymbolicLink() && isDirectory(current))) throw new FileRefused(current, 'is not a directory', 'system', 'ENOTDIR');
      break;
    }
    const parent = path.dirname(current);
    if (parent === current) break;
    missing.push(current);
    current = parent;
  }
  for (const folder of missing.reverse()) {
    try {
      mkdirSync(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw refusal(folder, error);
    }
  }
}

/**
 * Refuses a path inside `root` whose nearest existing folder really (links resolved) lies outside
 * it: a linked folder must not carry a read or a write out of the repository.
 */
export function assertFoldersInside(file: string, root: string): void {
  let existing = path.dirname(path.resolve(file));
  while (!lstatIfAny(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  let real: string;
  let realRoot: string;
  try {
    real = realpathSync(existing);
    realRoot = realpathSync(root);
  } catch (error) {
    throw refusal(file, error);
  }
  if (!isInside(real, realRoot)) throw new FileRefused(file, `lies in a folder that is a link to ${real}, outside the repository: links are not followed`, 'outside');
}

/** lstat, or undefined when there is nothing there (also when a part of the path is no folder). */
export function lstatIfAny(file: string): Stats | undefined {
  try {
    return lstatSync(file, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

function isDirectory(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function isRegularOrMissing(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false })?.isFile() ?? true;
}

function writeDirectly(file: string, data: string | Buffer): void {
  try {
    writeFileSync(file, data);
  } catch (error) {
    throw refusal(file, error);
  }
}

function refusal(file: string, error: unknown): FileRefused {
  if (error instanceof FileRefused) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') return new FileRefused(file, 'is a symbolic link inside the repository: links are not followed', 'link', code);
  if (code === 'ENOENT') return new FileRefused(file, 'does not exist', 'system', code);
  return new FileRefused(file, `could not be used (${code ?? (error as Error).message})`, 'system', code);
}

function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MB` : `${Math.ceil(bytes / 1024)} kB`;
}
