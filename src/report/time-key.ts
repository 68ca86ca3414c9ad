/**
 * Times as numbers that sort like the original's strings: the first six UTF-8 bytes, big-endian, then
 * the length (7 for "longer"). UTF-8 byte order is code point order, which is how Python compares
 * strings. Up to six bytes (Xetra's `HH:MM` has five) the key is exact; two longer times with the same
 * key are told apart by their texts.
 */
const LONG = 7;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function timeKey(buf: Uint8Array, start: number, end: number): number {
  let key = 0;
  for (let p = start; p < start + 6; p++) key = key * 256 + (p < end ? (buf[p] ?? 0) : 0);
  return key * 8 + Math.min(end - start, LONG);
}

/** Whether time `a` comes after time `b` (or is the same, with `orSame`); texts are needed only for long keys. */
export function isLater(a: number, aText: string | undefined, b: number, bText: string | undefined, orSame: boolean): boolean {
  if (a !== b) return a > b;
  if (a % 8 !== LONG) return orSame;
  const order = compareBytes(encoder.encode(aText), encoder.encode(bText));
  return order > 0 || (order === 0 && orSame);
}

/** The text of a key; for a long key, `longText` is the text. */
export function timeText(key: number, longText: string | undefined): string {
  if (key % 8 === LONG) return longText ?? '';
  const bytes = new Uint8Array(6);
  let prefix = Math.floor(key / 8);
  for (let p = 5; p >= 0; p--) {
    bytes[p] = prefix % 256;
    prefix = Math.floor(prefix / 256);
  }
  return decoder.decode(bytes.subarray(0, key % 8));
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let k = 0; k < Math.min(a.length, b.length); k++) if (a[k] !== b[k]) return (a[k] ?? 0) - (b[k] ?? 0);
  return a.length - b.length;
}
