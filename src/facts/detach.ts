/**
 * Copies of strings that do not keep larger ones alive. V8 represents a substring of 13 or more
 * characters as a slice of its parent, so a name, specifier or SQL text cut from a file holds the
 * whole file text for as long as it lives. Facts and cached SQL analyses outlive the file's text:
 * they keep copies (on a 20k-file run, held file texts were ~40 MB of the peak memory).
 */
const SLICE_MIN_LENGTH = 13;

export function detachString(text: string): string {
  // Concatenating makes a new string; slicing it copies that into a flat string of its own.
  return text.length < SLICE_MIN_LENGTH ? text : (' ' + text).slice(1);
}

/** Replaces, in place, every long string inside plain data (objects and arrays) with a detached copy. */
export function detachStrings<T>(value: T): T {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = detachValue(value[i]);
  } else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = detachValue(record[key]);
  }
  return value;
}

function detachValue(value: unknown): unknown {
  return typeof value === 'string' ? detachString(value) : detachStrings(value);
}
