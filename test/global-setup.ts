/**
 * The user cache folder of the whole test run: a temporary folder, removed at the end. Every test
 * (and every CLI process a test starts) inherits it through XDG_CACHE_HOME, so no test writes to
 * the real ~/.cache or leaves a cache behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const cacheHome = mkdtempSync(path.join(os.tmpdir(), 'schema-guard-test-cache-home-'));
  process.env.XDG_CACHE_HOME = cacheHome;
  return () => rmSync(cacheHome, { recursive: true, force: true });
}
