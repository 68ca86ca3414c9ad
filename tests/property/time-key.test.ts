// Times are folded as numbers (src/report/time-key.ts): comparing two times through their keys must give
// the order Python gives their strings (code point order), for the HH:MM times Xetra has and for any other
// text a source could hold, short or long, ASCII or not; and the key must give the text back.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLater, timeKey, timeText } from '../../src/report/time-key.js';

const encoder = new TextEncoder();

/** Python's str comparison: by code points. */
function pythonOrder(a: string, b: string): number {
  const [x, y] = [Array.from(a, (c) => c.codePointAt(0) ?? 0), Array.from(b, (c) => c.codePointAt(0) ?? 0)];
  for (let k = 0; k < Math.min(x.length, y.length); k++) if (x[k] !== y[k]) return (x[k] ?? 0) - (y[k] ?? 0);
  return x.length - y.length;
}

function keyOf(text: string): number {
  const bytes = encoder.encode(text);
  return timeKey(bytes, 0, bytes.length);
}

const hhmm = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
const anyTime = fc.oneof(hhmm, fc.string({ maxLength: 9 }), fc.string({ unit: 'binary', maxLength: 5 }), fc.constantFrom('07:00', '07:00:00', '07:00:00.5', '7:00', '', 'Ä', '€', '😀', '\u0000'));

describe('time keys', () => {
  it('order times as Python orders the strings, ties included', () => {
    fc.assert(
      fc.property(anyTime, anyTime, (a, b) => {
        const [ka, kb] = [keyOf(a), keyOf(b)];
        const long = (text: string): string | undefined => (encoder.encode(text).length > 6 ? text : undefined);
        const order = pythonOrder(a, b);
        expect(isLater(ka, long(a), kb, long(b), false)).toBe(order > 0);
        expect(isLater(ka, long(a), kb, long(b), true)).toBe(order >= 0);
      }),
      { numRuns: 5_000 },
    );
  });

  it('give the text back', () => {
    fc.assert(
      fc.property(anyTime, (text) => {
        const long = encoder.encode(text).length > 6 ? text : undefined;
        expect(timeText(keyOf(text), long)).toBe(text);
      }),
      { numRuns: 2_000 },
    );
  });
});
