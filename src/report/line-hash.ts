/**
 * GitHub code scanning's `primaryLocationLineHash`, ported from the `hash` function of
 * github/codeql-action src/fingerprints.ts (https://github.com/github/codeql-action/blob/main/src/fingerprints.ts).
 *
 * Each line's hash is a rolling polynomial hash (base 37, 64-bit wrap-around) over the BLOCK_SIZE
 * characters that follow the start of the line, skipping spaces and tabs, with \r, \n and \r\n
 * normalised to \n and the file padded with an EOF marker and zeros. The `:n` suffix counts how
 * many times the same hash has been seen so far, so identical lines stay distinguishable.
 * The original uses the `long` package; BigInt.asUintN(64, …) gives the same bits.
 */

const BLOCK_SIZE = 100;
const MOD = 37n;
const FIRST_MOD = BigInt.asUintN(64, MOD ** BigInt(BLOCK_SIZE));
const TAB = 0x09;
const SPACE = 0x20;
const LF = 0x0a;
const CR = 0x0d;
const EOF = 65535;

/**
 * The hash of every line of `text`: element i is line i + 1, one element per line as
 * `text.split(/\r\n|\r|\n/)` counts them (a trailing newline yields a last, empty line).
 * Values look like `a7f2ff13bc495cf2:1`: up to 16 lower-case hex digits (no zero padding), `:`, a count.
 */
export function computeLineHashes(text: string): string[] {
  const hashes: string[] = [];
  // The last BLOCK_SIZE characters hashed, and the line number starting at each of them (-1: none).
  const window: number[] = new Array<number>(BLOCK_SIZE).fill(0);
  const lineNumbers: number[] = new Array<number>(BLOCK_SIZE).fill(-1);
  const hashCounts = new Map<string, number>();
  let hashRaw = 0n;
  let index = 0;
  let lineNumber = 0;
  let lineStart = true;
  let prevCR = false;

  const outputHash = (): void => {
    const hashValue = hashRaw.toString(16);
    const count = (hashCounts.get(hashValue) ?? 0) + 1;
    hashCounts.set(hashValue, count);
    hashes[lineNumbers[index] - 1] = `${hashValue}:${count}`;
    lineNumbers[index] = -1;
  };

  const updateHash = (current: number): void => {
    const begin = window[index];
    window[index] = current;
    hashRaw = BigInt.asUintN(64, MOD * hashRaw + BigInt(current) - FIRST_MOD * BigInt(begin));
    index = (index + 1) % BLOCK_SIZE;
  };

  const processCharacter = (char: number): void => {
    // Skip spaces, tabs, and the \n of a \r\n pair.
    if (char === SPACE || char === TAB || (prevCR && char === LF)) {
      prevCR = false;
      return;
    }
    let current = char;
    if (current === CR) {
      current = LF;
      prevCR = true;
    } else {
      prevCR = false;
    }
    // The window has come round: the line that started BLOCK_SIZE characters ago is complete.
    if (lineNumbers[index] !== -1) outputHash();
    if (lineStart) {
      lineStart = false;
      lineNumber++;
      lineNumbers[index] = lineNumber;
    }
    if (current === LF) lineStart = true;
    updateHash(current);
  };

  // charCodeAt: the original hashes UTF-16 code units of the file read as UTF-8 text.
  for (let i = 0; i < text.length; i++) processCharacter(text.charCodeAt(i));
  processCharacter(EOF);
  // Flush the lines that started in the last BLOCK_SIZE characters.
  for (let i = 0; i < BLOCK_SIZE; i++) {
    if (lineNumbers[index] !== -1) outputHash();
    updateHash(0);
  }
  return hashes;
}
