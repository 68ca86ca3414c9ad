const PLUS = 43;
const MINUS = 45;
const DOT = 46;
const DIGIT_0 = 48;
const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);

/**
 * Reads plain decimals (`-12.5`, `7`, `.5`; a dot only when `allowDot`) of at most 15 digits straight
 * from bytes. Such a mantissa and power of ten are both exact doubles, so one division is correctly
 * rounded and the result equals `Number(text)` without building the string. Callers send the rare
 * other forms to `Number`.
 */
export class PlainNumberReader {
  /** Where the last `read` stopped: the first byte that is not part of the number. */
  end = 0;

  /**
   * The number that starts at `buf[start]`, read up to the first byte that cannot continue it (or
   * `limit`); NaN when it has no digit or more than 15.
   */
  read(buf: Uint8Array, start: number, limit: number, allowDot: boolean): number {
    let p = start;
    const sign = p < limit ? buf[p] : 0;
    if (sign === MINUS || sign === PLUS) p += 1;
    let mantissa = 0;
    let digits = 0;
    let scale = -1;
    for (; p < limit; p += 1) {
      const c = buf[p] ?? 0;
      const digit = c - DIGIT_0;
      if (digit >= 0 && digit <= 9) {
        mantissa = mantissa * 10 + digit;
        digits += 1;
        if (scale >= 0) scale += 1;
      } else if (c === DOT && scale < 0 && allowDot) {
        scale = 0;
      } else {
        break;
      }
    }
    this.end = p;
    if (digits === 0 || digits > 15) return NaN;
    const value = scale > 0 ? mantissa / (POW10[scale] ?? 1) : mantissa;
    return sign === MINUS ? -value : value;
  }
}

const reader = new PlainNumberReader();

/**
 * The bytes `buf[start..end)` as a number when they are exactly one plain decimal (see PlainNumberReader),
 * else NaN.
 */
export function plainNumber(buf: Uint8Array, start: number, end: number, allowDot: boolean): number {
  const value = reader.read(buf, start, end, allowDot);
  return reader.end === end ? value : NaN;
}
