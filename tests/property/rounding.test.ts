// roundHalfEven must be numpy's round(x, 2) = rint(x * 100) / 100: half to even applied to the float64
// product x*100. The reference below decomposes that product exactly with BigInt, so it shares no
// floating-point shortcut (Math.round, toFixed, % 2) with the implementation.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { roundHalfEven } from '../../src/report/rounding.js';

/** The float64 `y` as sign, integer mantissa and power of two: y = (-1)^negative * mantissa * 2^exponent, exactly. */
function decompose(y: number): { negative: boolean; mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, y);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  // Subnormals have no implicit leading 1 and the exponent of the smallest normal.
  return biased === 0 ? { negative, mantissa: fraction, exponent: -1074 } : { negative, mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}

/** rint(x * 100) / 100 with the rint done exactly on the binary value of the float64 product. */
function referenceRound2(x: number): number {
  const y = x * 100; // numpy multiplies in float64 first; that product is what gets rounded
  if (!Number.isFinite(y)) return y / 100; // rint(+-inf) = +-inf (x*100 overflows above ~1.8e306)
  const { negative, mantissa, exponent } = decompose(y);
  let integer: bigint;
  if (exponent >= 0) {
    integer = mantissa << BigInt(exponent);
  } else {
    const shift = BigInt(-exponent);
    const floor = mantissa >> shift;
    const remainder = mantissa - (floor << shift);
    const half = 1n << (shift - 1n);
    integer = remainder > half || (remainder === half && floor % 2n === 1n) ? floor + 1n : floor;
  }
  const magnitude = Number(integer) / 100;
  return negative ? -magnitude : magnitude; // keeps -0 for small negatives, as numpy does (pandas writes -0.0)
}

describe('roundHalfEven(x) = numpy round(x, 2)', () => {
  it('reference sanity: the reference itself gives the spec table', () => {
    expect(referenceRound2(24.485)).toBe(24.48);
    expect(referenceRound2(0.375)).toBe(0.38);
  });

  it.each([
    [0.125, 0.12],
    [0.375, 0.38],
    [10.125, 10.12],
    [10.625, 10.62],
    [24.485, 24.48],
    [17.165, 17.16],
    [43.225, 43.22],
    [-0.135, -0.14],
    // From the real week (spec §4.3 step 8): half-up would give 12.51.
    [12.505, 12.5],
  ])('spec table: %d -> %d', (x, expected) => {
    expect(roundHalfEven(x)).toBe(expected);
  });

  it('keeps the sign of zero and passes NaN and infinities through', () => {
    expect(Object.is(roundHalfEven(-0.001), -0)).toBe(true);
    expect(Object.is(roundHalfEven(-0.005), -0)).toBe(true); // -0.5 ties to even: -0
    expect(Object.is(roundHalfEven(0.001), 0)).toBe(true);
    expect(roundHalfEven(Number.NaN)).toBeNaN();
    expect(roundHalfEven(Infinity)).toBe(Infinity);
    expect(roundHalfEven(-Infinity)).toBe(-Infinity);
  });

  it('matches the exact reference for arbitrary doubles in a realistic price/percent range', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e7, max: 1e7, noNaN: true }), (x) => {
        expect(roundHalfEven(x)).toBe(referenceRound2(x));
      }),
      { numRuns: 20_000 },
    );
  });

  it('matches the exact reference for doubles of any magnitude', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(roundHalfEven(x)).toBe(referenceRound2(x));
      }),
      { numRuns: 10_000 },
    );
  });

  it('matches the exact reference on the tie candidates k/1000 (three-decimal prices)', () => {
    let ties = 0;
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), (k) => {
        const x = k / 1000;
        if (Math.abs((x * 100) % 1) === 0.5) ties += 1;
        expect(roundHalfEven(x)).toBe(referenceRound2(x));
      }),
      { numRuns: 20_000 },
    );
    // The run must really exercise float64 ties (x*100 exactly n + 1/2), where half-up and half-even differ.
    expect(ties).toBeGreaterThan(100);
  });

  it('matches the exact reference on k/1000 + tiny offsets around the ties (x*100 = n + 1/2 +- ulp)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -100_000_000, max: 100_000_000 }), fc.integer({ min: -3, max: 3 }), (k, steps) => {
        // Walk a few ulps away from k/1000 to hit products just below, at and above the .5 tie.
        let x = (2 * k + 1) / 2000;
        for (let i = 0; i < Math.abs(steps); i++) x = nextAfter(x, steps > 0 ? Infinity : -Infinity);
        expect(roundHalfEven(x)).toBe(referenceRound2(x));
      }),
      { numRuns: 20_000 },
    );
  });
});

/** The next float64 after `x` towards `to`. */
function nextAfter(x: number, to: number): number {
  if (x === to) return x;
  if (x === 0) return to > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  view.setBigUint64(0, (x < to) === (x > 0) ? bits + 1n : bits - 1n);
  return view.getFloat64(0);
}
