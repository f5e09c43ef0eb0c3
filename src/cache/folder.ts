/**
 * The cache folder: the one store every cache of a run reads and writes (facts, listing, map
 * snapshot, pre-pass, results, the tool's code hashes), and the one place that decides whether a
 * folder may serve as a cache at all.
 *
 * A pull request must not be able to plant an entry. So:
 * - by default the folder lies outside the checkout, in the user's cache folder
 *   (`$XDG_CACHE_HOME/schema-guard/<hash of the repository's real path>`, else `~/.cache/…`);
 * - a folder inside the scanned root (`--cache-dir .schema-guard-cache`) is used only while it
 *   really lies inside the root (no linked folder on the way), holds nothing but regular files
 *   and folders, and git tracks no file in it;
 * - every file is authenticated: its first line is an HMAC-SHA256 of its name and content under a
 *   key kept in the user's cache folder (created with mode 0600, never inside the scanned root), so
 *   a file that was not written by this user's schema-guard is ignored, wherever it came from.
 * Files are read as regular files of bounded size only (a link to /dev/zero is not read), and
 * written to a temporary file renamed into place.
 */
import { createHmac, randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { linkSync, lstatSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gitSync } from '../git/hardened.js';
import { FileRefused, isInside, lstatIfAny, makeDirectories, readRegularFile, writeFileReplacing } from '../io/safe-files.js';

/** The format of every file in the cache folder. */
export const FORMAT = 2;
/** The largest cache file read: a results record of 20,000 files is a few MB. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;
const KEY_BYTES = 32;
/** A cache folder inside the root with more entries than this is not checked entry by entry: it is not used. */
const MAX_CHECKED_ENTRIES = 100_000;

/** `$XDG_CACHE_HOME` when it is an absolute path, else `~/.cache`: where the user's caches go. */
export function userCacheHome(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache');
}

/** The default cache folder of a repository: in the user's cache folder, named by a hash of the repository's real path. */
export function defaultCacheDir(root: string): string {
  let real = path.resolve(root);
  try {
    real = realpathSync(real);
  } catch {
    // a root that does not exist is reported by discovery
  }
  return path.join(userCacheHome(), 'schema-guard', createHash('sha256').update(real).digest('hex').slice(0, 24));
}

/** The key that authenticates every cache file of this user. */
export function keyFile(): string {
  return path.join(userCacheHome(), 'schema-guard', 'key');
}

export class CacheFolder {
  /** Why the folder cannot serve as a cache; checked once, on first use. */
  private problem: string | undefined | null = null;
  private key: Buffer | undefined;

  /**
   * @param dir the folder; nothing is written anywhere else (but the key, on first use).
   * @param root the scanned repository: the folder is held to the rules above when it lies inside.
   */
  constructor(
    readonly dir: string,
    private readonly root?: string,
  ) {}

  /** Why this folder is not used as a cache, or undefined when it is. */
  unusable(): string | undefined {
    if (this.problem === null) this.problem = this.check();
    return this.problem;
  }

  /** A file's parsed JSON with this format and salt, written by this user's schema-guard, or undefined. */
  read(name: string, salt: string): Record<string, unknown> | undefined {
    if (this.unusable()) return undefined;
    let parsed: unknown;
    try {
      const body = unseal(this.key!, name, readRegularFile(path.join(this.dir, name), { maxBytes: MAX_FILE_BYTES, root: this.dir }));
      if (!body) return undefined;
      // Read as bytes, then decoded: for megabytes, faster than Node 20's reading as text.
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return undefined;
    }
    return isRecord(parsed) && parsed.format === FORMAT && parsed.salt === salt ? parsed : undefined;
  }

  /** Writes the files; returns why they could not be written, or undefined. */
  write(files: Array<{ name: string; salt: string; content: Record<string, unknown> }>): string | undefined {
    if (files.length === 0) return undefined;
    const problem = this.unusable();
    if (problem) return problem;
    try {
      makeDirectories(this.dir);
      for (const { name, salt, content } of files) {
        const body = Buffer.from(JSON.stringify({ format: FORMAT, salt, ...content }));
        writeFileReplacing(path.join(this.dir, name), seal(this.key!, name, body), { root: this.dir });
      }
      return undefined;
    } catch (error) {
      const reason = error instanceof FileRefused ? error.message : ((error as NodeJS.ErrnoException).code ?? (error as Error).message);
      return `the cache directory ${this.dir} could not be written (${reason})`;
    }
  }

  /** Why the folder cannot be used, or undefined; loads the key. */
  private check(): string | undefined {
    const where = this.placement();
    if (where) return where;
    try {
      this.key = loadKey(this.root);
    } catch (error) {
      return `the cache key ${keyFile()} ${error instanceof FileRefused ? error.reason : (error as Error).message}`;
    }
    return undefined;
  }

  /** Why the folder's place rules it out: inside the root, only a folder of our own making. */
  private placement(): string | undefined {
    if (!this.root) return undefined;
    const dir = path.resolve(this.dir);
    const realRoot = realPath(this.root);
    let existing = dir;
    while (!lstatIfAny(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
    const realExisting = realPath(existing);
    const lexicallyInside = isInside(dir, this.root);
    const reallyInside = isInside(realExisting, realRoot);
    if (lexicallyInside && !reallyInside) return `the cache directory ${this.dir} leads outside ${this.root} through a link`;
    if (!reallyInside) return undefined;
    if (existing !== dir) return undefined; // created by this run: nothing in it yet
    const stats = lstatSync(dir);
    if (!stats.isDirectory()) return `the cache directory ${this.dir} is not a directory`;
    const strange = strangeEntry(dir);
    if (strange) return `the cache directory ${this.dir} lies in the repository and holds ${strange}: only files schema-guard wrote may be there`;
    const tracked = gitSync(realRoot, ['ls-files', '-z', '--', path.relative(realRoot, realPath(dir)) || '.']);
    if (tracked) return `the cache directory ${this.dir} lies in the repository and git tracks files in it (${tracked.split('\0')[0]}): a cache must not come with the code`;
    return undefined;
  }
}

/** `body` with its first line authenticating it, under `name`, with `key`: a sealed file cannot be moved to another name either. */
export function seal(key: Buffer, name: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(mac(key, name, body).toString('hex') + '\n', 'latin1'), body]);
}

/** The body of a sealed file when its first line authenticates it under `name`, else undefined. */
export function unseal(key: Buffer, name: string, bytes: Buffer): Buffer | undefined {
  if (bytes.indexOf(10) !== 64) return undefined;
  const body = bytes.subarray(65);
  const given = Buffer.from(bytes.subarray(0, 64).toString('latin1'), 'hex');
  return given.length === 32 && timingSafeEqual(given, mac(key, name, body)) ? body : undefined;
}

function mac(key: Buffer, name: string, body: Buffer): Buffer {
  return createHmac('sha256', key).update(name).update('\0').update(body).digest();
}

let userKeyValue: Buffer | null | undefined;

/** This user's cache key (created on first use), or undefined when it cannot be had; for stores outside a repository. */
export function userKey(): Buffer | undefined {
  if (userKeyValue === undefined) {
    try {
      userKeyValue = loadKey(undefined);
    } catch {
      userKeyValue = null;
    }
  }
  return userKeyValue ?? undefined;
}

/** The first entry under `dir` that is neither a regular file nor a folder (a link, a FIFO…), or undefined. */
function strangeEntry(dir: string): string | undefined {
  const pending = [dir];
  let seen = 0;
  while (pending.length > 0) {
    const folder = pending.pop()!;
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (++seen > MAX_CHECKED_ENTRIES) return `more than ${MAX_CHECKED_ENTRIES} entries`;
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) pending.push(full);
      else if (!entry.isFile()) return `${path.relative(dir, full)}, which is ${entry.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}`;
    }
  }
  return undefined;
}

/**
 * The user's cache key, created on first use: 32 random bytes in a file of mode 0600 that only this
 * user owns. A key that another user could have written, or that lies inside the scanned root, is refused.
 */
function loadKey(root: string | undefined): Buffer {
  const file = keyFile();
  if (root && isInside(realPathOfNearest(file), realPath(root))) throw new Error('would lie inside the scanned repository');
  if (!lstatIfAny(file)) createKey(file);
  const stats = lstatSync(file);
  if (!stats.isFile()) throw new Error('is not a regular file');
  if ((stats.mode & 0o077) !== 0) throw new Error(`is readable or writable by others (mode ${(stats.mode & 0o777).toString(8)}): expected 600`);
  if (typeof process.getuid === 'function' && stats.uid !== process.getuid()) throw new Error('belongs to another user');
  const key = readRegularFile(file, { maxBytes: KEY_BYTES, root: path.dirname(file) });
  if (key.length !== KEY_BYTES) throw new Error(`holds ${key.length} bytes: expected ${KEY_BYTES}`);
  return key;
}

/** Writes a new key beside its place and links it there: two runs that start at once agree on one key. */
function createKey(file: string): void {
  makeDirectories(path.dirname(file));
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    writeFileSync(temporary, randomBytes(KEY_BYTES), { flag: 'wx', mode: 0o600 });
    try {
      linkSync(temporary, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  } finally {
    rmSync(temporary, { force: true });
  }
}

function realPath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

/** The real path of `file`'s nearest existing ancestor, with the rest of the path appended. */
function realPathOfNearest(file: string): string {
  let existing = path.resolve(file);
  while (!lstatIfAny(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  return path.join(realPath(existing), path.relative(existing, path.resolve(file)));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
