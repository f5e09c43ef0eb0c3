/**
 * Where a command finds the repository and its map. As ESLint finds its configuration: without
 * --root and --map, the map is searched for from the current folder upward, up to the repository
 * root (the folder holding .git) or the filesystem root, and the folder it is found in is the root.
 * With --root, the map is <root>/ownership-map.yaml unless --map names one; with --map alone, the
 * root is the current folder.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';

export const MAP_FILE_NAME = 'ownership-map.yaml';

/** A usage error in a command's arguments: its message ends by naming the command's --help (`command` '' for the program's). */
export class ArgumentError extends UsageError {
  constructor(message: string, command: string) {
    super(`${message} (see schema-guard ${command ? `${command} ` : ''}--help)`);
    this.name = 'ArgumentError';
  }
}

export interface LocationFlags {
  root?: string;
  map?: string;
}

export interface Location {
  root: string;
  mapFile: string;
}

/** The repository root and the map for these flags, from `cwd`; `command` names the command for usage errors. */
export function locate(flags: LocationFlags, command: string, cwd = process.cwd()): Location {
  if (flags.root !== undefined) {
    const root = path.resolve(cwd, flags.root);
    const kind = pathKind(root);
    if (kind === 'missing') throw new ArgumentError(`--root ${flags.root} does not exist`, command);
    if (kind === 'file') throw new ArgumentError(`--root ${flags.root} is not a directory`, command);
    return { root, mapFile: flags.map ? path.resolve(cwd, flags.map) : path.join(root, MAP_FILE_NAME) };
  }
  // A map named on the command line says nothing about the root: the current folder, as ever.
  if (flags.map) return { root: cwd, mapFile: path.resolve(cwd, flags.map) };
  const found = findMapUpward(cwd);
  if (found) return { root: path.dirname(found), mapFile: found };
  const top = repositoryRoot(cwd);
  const searched = top && top !== cwd ? `${cwd} or any folder above it up to ${top}` : top ? cwd : `${cwd} or any folder above it`;
  throw new MissingMapError(`No ${MAP_FILE_NAME} in ${searched}: run \`schema-guard init\` to write a starter map, or name one with --map.`);
}

/** No map found: the message says how to make one. */
export class MissingMapError extends UsageError {}

/** The map nearest above `from` (itself included), not above the folder holding .git. */
export function findMapUpward(from: string): string | undefined {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, MAP_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    if (existsSync(path.join(dir, '.git')) || path.dirname(dir) === dir) return undefined;
  }
}

/** The folder holding .git (a directory, or a worktree's file) at or above `from`. */
export function repositoryRoot(from: string): string | undefined {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function pathKind(absolute: string): 'file' | 'folder' | 'missing' {
  try {
    return statSync(absolute).isDirectory() ? 'folder' : 'file';
  } catch {
    return 'missing';
  }
}
