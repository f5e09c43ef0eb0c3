/**
 * From a source file's bytes to the text the parsers see, decoded the way the TypeScript compiler
 * and Node decode it, so that a file cannot show one thing to schema-guard and run another:
 * - a byte order mark decides: UTF-8 (EF BB BF), UTF-16 LE (FF FE), UTF-16 BE (FE FF), as tsc reads them;
 * - without one, UTF-8. Bytes that are not valid UTF-8 become U+FFFD, one per byte (Node and tsc
 *   replace them too; one per byte keeps one column per byte, as Latin-1 would). ASCII bytes are
 *   never swallowed, so quotes, comment ends and line breaks stand where the runtime sees them.
 * A file is binary, and not analysed, when NUL characters and undecodable bytes make up more than
 * a tenth of it: a NUL in a comment or a string, or a few stray bytes, are text.
 */
import { isUtf8 } from 'node:buffer';

/** Share of NULs and undecodable bytes above which a file is binary. */
export const BINARY_SHARE = 0.1;

export type Decoded = { text: string } | { binary: string };

export function decodeSource(buffer: Buffer): Decoded {
  let text: string;
  let undecodable = 0;
  if (buffer[0] === 0xff && buffer[1] === 0xfe) {
    text = buffer.toString('utf16le', 2, 2 + ((buffer.length - 2) & ~1));
  } else if (buffer[0] === 0xfe && buffer[1] === 0xff) {
    const swapped = Buffer.from(buffer.subarray(2, 2 + ((buffer.length - 2) & ~1)));
    text = swapped.swap16().toString('utf16le');
  } else {
    const start = buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
    const bytes = buffer.subarray(start);
    ({ text, undecodable } = decodeUtf8(bytes));
  }
  let nuls = 0;
  for (let i = text.indexOf('\0'); i !== -1; i = text.indexOf('\0', i + 1)) nuls++;
  const size = Math.max(1, text.length);
  if ((nuls + undecodable) / size > BINARY_SHARE) {
    const what = [nuls ? `${nuls} NUL character${nuls === 1 ? '' : 's'}` : '', undecodable ? `${undecodable} byte${undecodable === 1 ? '' : 's'} that are not UTF-8` : '']
      .filter(Boolean)
      .join(' and ');
    return { binary: `binary content (${what} in ${text.length} characters)` };
  }
  return { text };
}

/** UTF-8, with each byte that is not part of a well-formed sequence as one U+FFFD. */
function decodeUtf8(bytes: Buffer): { text: string; undecodable: number } {
  if (isUtf8(bytes)) return { text: bytes.toString('utf8'), undecodable: 0 };
  const parts: string[] = [];
  let undecodable = 0;
  let runStart = 0;
  let i = 0;
  while (i < bytes.length) {
    const length = sequenceLength(bytes, i);
    if (length > 0) {
      i += length;
      continue;
    }
    if (runStart < i) parts.push(bytes.toString('utf8', runStart, i));
    parts.push('\ufffd');
    undecodable++;
    i++;
    runStart = i;
  }
  if (runStart < bytes.length) parts.push(bytes.toString('utf8', runStart));
  return { text: parts.join(''), undecodable };
}

/** The length of the well-formed UTF-8 sequence at `i` (Unicode table 3-7), or 0. */
function sequenceLength(bytes: Buffer, i: number): number {
  const lead = bytes[i]!;
  if (lead < 0x80) return 1;
  const cont = (k: number, low = 0x80, high = 0xbf) => {
    const byte = bytes[i + k];
    return byte !== undefined && byte >= low && byte <= high;
  };
  if (lead >= 0xc2 && lead <= 0xdf) return cont(1) ? 2 : 0;
  if (lead === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((lead >= 0xe1 && lead <= 0xec) || lead === 0xee || lead === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (lead === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (lead === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (lead >= 0xf1 && lead <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (lead === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}
