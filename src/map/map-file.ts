/**
 * The map file as read, its errors, and a map once loaded: what a run needs of the map without the
 * YAML parser and the schema validator, which load.ts brings in (snapshot.ts spares a run both when
 * the map is one it loaded before).
 */
import { FileRefused, readRegularFile } from '../io/safe-files.js';
import type { OwnershipMap } from './schema.js';

export type MapPath = readonly (string | number)[];

export interface MapIssue {
  line: number;
  column: number;
  /** Dotted path of the offending value (`families[3].targetOwner`); empty for YAML syntax errors. */
  path: string;
  message: string;
}

export class MapError extends Error {
  readonly line: number;
  readonly column: number;

  constructor(
    readonly file: string,
    readonly issues: MapIssue[],
  ) {
    super(issues.map((i) => `${file}:${i.line}:${i.column}: ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n'));
    this.name = 'MapError';
    this.line = issues[0]?.line ?? 1;
    this.column = issues[0]?.column ?? 1;
  }
}

export interface SourcePosition {
  line: number;
  column: number;
}

export interface LoadedMap {
  file: string;
  /** The text the map was parsed from. */
  text: string;
  map: OwnershipMap;
  /** Where each value of the file starts, by positionKey of its path: what locate reads. */
  positions: MapPositions;
  /** Position of the value at `path` (e.g. `['families', 3]`), or of its nearest ancestor present in the file. */
  locate(path: MapPath): SourcePosition;
  locateFamily(id: string): SourcePosition;
  locateException(id: string): SourcePosition;
  locateRestrictedRule(rule: string): SourcePosition;
}

/** [line, column] of every value in the file, the document itself under the empty path. */
export type MapPositions = Record<string, readonly [number, number]>;

/** A larger map is not hand-written: refused before YAML parsing spends time and memory on it. */
export const MAX_MAP_BYTES = 4 * 1024 * 1024;

/** The key of a path in MapPositions. */
export function positionKey(path: MapPath): string {
  return path.join('\0');
}

/** A loaded map from its validated content and its positions. */
export function loadedMapOf(file: string, text: string, map: OwnershipMap, positions: MapPositions): LoadedMap {
  const locate = (path: MapPath): SourcePosition => {
    for (let depth = path.length; depth >= 0; depth--) {
      const key = positionKey(path.slice(0, depth));
      if (Object.hasOwn(positions, key)) return { line: positions[key]![0], column: positions[key]![1] };
    }
    return { line: 1, column: 1 };
  };
  // An id the map does not hold locates its section.
  const byId = (list: readonly object[], field: string, id: string, section: string) => {
    const index = list.findIndex((x) => (x as Record<string, unknown>)[field] === id);
    return locate(index < 0 ? [section] : [section, index]);
  };
  return {
    file,
    text,
    map,
    positions,
    locate,
    locateFamily: (id) => byId(map.families, 'id', id, 'families'),
    locateException: (id) => byId(map.exceptions, 'id', id, 'exceptions'),
    locateRestrictedRule: (rule) => byId(map.restrictedTables, 'rule', rule, 'restrictedTables'),
  };
}

/**
 * The map's text. It is untrusted input: only a regular file of sane size, and text, is parsed.
 * A map inside `root` (the default one always is) is not read through a link: a pull request could
 * make it one to a file outside the repository, or to /dev/zero.
 */
export function readMapText(file: string, root?: string): string {
  const refuse = (message: string) => new MapError(file, [{ line: 1, column: 1, path: '', message }]);
  let buffer: Buffer;
  try {
    buffer = readRegularFile(file, { maxBytes: MAX_MAP_BYTES, root });
  } catch (error) {
    if (!(error instanceof FileRefused)) throw error;
    switch (error.kind) {
      case 'directory':
        throw refuse('the ownership map is a directory: expected a readable YAML file');
      case 'special':
        throw refuse('the ownership map is not a regular file: expected a readable YAML file');
      case 'too-large':
        throw refuse(`the ownership map has ${Math.round(error.size! / 1024)} kB: expected at most ${MAX_MAP_BYTES / 1024} kB of YAML`);
      case 'link':
        throw refuse('the ownership map is a symbolic link inside the repository: links are not followed (name the real file with --map)');
      case 'outside':
        throw refuse(`the ownership map ${error.reason}`);
      default: {
        const reason = error.code ?? error.reason;
        const hint = reason === 'ENOENT' ? ' (`schema-guard init` writes a starter map)' : '';
        throw refuse(`cannot read the ownership map (${reason}): expected a readable YAML file${hint}`);
      }
    }
  }
  if (buffer.includes(0)) throw refuse('the ownership map holds NUL bytes: expected a YAML text file');
  return buffer.toString('utf8');
}
