import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package root: two levels above this file, from src/ (tests) or dist/ (the built CLI). */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const TOOL_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
