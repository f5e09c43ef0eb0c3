/**
 * `--shard i/n`: splits the discovered files into n disjoint parts by a stable hash of each path,
 * so that n CI jobs scan one part each and `schema-guard merge` puts their reports back together.
 * The same path lands in the same part on every machine and every run.
 */

export interface Shard {
  /** 1-based, as CI matrices count. */
  index: number;
  count: number;
}

/** Parses `i/n` (1 ≤ i ≤ n); throws an Error with the reason otherwise. */
export function parseShard(value: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  if (!match) throw new Error(`'${value}' is not of the form i/n, e.g. 1/4.`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || index < 1 || index > count || !Number.isSafeInteger(count)) {
    throw new Error(`'${value}' must have 1 ≤ i ≤ n, e.g. 1/4 … 4/4.`);
  }
  return { index, count };
}

export function filesOfShard(files: string[], shard: Shard): string[] {
  return files.filter((file) => stableHash(file) % shard.count === shard.index - 1);
}

/** FNV-1a (32-bit) over the UTF-16 code units of a string: cheap, stable and well spread. */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
