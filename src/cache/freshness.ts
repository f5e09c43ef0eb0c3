/**
 * What says that a file or folder is unchanged since a cache entry was made: its stats, when they
 * can be trusted, else its content hash. Every cache (facts, listing, pre-pass, results, the tool's
 * own code) decides freshness with these three functions.
 *
 * A file whose stats (size, mtime, ctime, inode) are all the same has the same content, since any
 * write or `touch` moves its ctime. Stats taken within RACY_MS of a change are not trusted (a second
 * write in the same clock tick would keep them): then the content hash is the key.
 */
import { createHash } from 'node:crypto';
import { lstatSync, statSync } from 'node:fs';

const RACY_MS = 2000;

/**
 * The stats that stand for a regular file's content, or undefined when they cannot: not a regular
 * file (a link is never trusted), or changed so recently that a second change could share them.
 */
export function statKey(absolute: string, now = Date.now()): string | undefined {
  const stats = lstatSync(absolute, { throwIfNoEntry: false });
  if (!stats?.isFile() || now - stats.ctimeMs < RACY_MS) return undefined;
  return `${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}:${stats.ino}`;
}

/**
 * The stats that stand for a directory's entries, or undefined when they cannot: not a directory,
 * or changed too recently. Its mtime moves whenever an entry is added, removed or renamed in it.
 * `follow`: a link to a directory stands for it (the root may be one); elsewhere a link is no directory.
 */
export function directoryStatKey(absolute: string, { follow = false, now = Date.now() } = {}): string | undefined {
  const stats = (follow ? statSync : lstatSync)(absolute, { throwIfNoEntry: false });
  if (!stats?.isDirectory() || now - stats.ctimeMs < RACY_MS) return undefined;
  return `${stats.mtimeMs}:${stats.ctimeMs}:${stats.ino}`;
}

/** The hash of the text extraction sees (decoded as it reads it), which is what facts depend on. */
export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
