/**
 * numpy's `round(x, decimals)`, which pandas' `DataFrame.round` uses: `rint(x * 10**d) / 10**d`,
 * ties to even on the float64 product. So 24.485 (2448.4999…) gives 24.48 and 0.125 gives 0.12;
 * neither `Math.round` nor `toFixed` does this.
 */
export function roundHalfEven(x: number, decimals = 2): number {
  const scale = 10 ** decimals;
  return rint(x * scale) / scale;
}

/** Round to the nearest integer, ties to even; keeps the sign of zero, NaN and infinities. */
export function rint(y: number): number {
  const nearest = Math.round(y); // ties go up, towards +infinity
  return nearest - y === 0.5 && nearest % 2 !== 0 ? nearest - 1 : nearest;
}
