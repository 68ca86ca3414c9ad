/** Cell-by-cell comparison of two report Parquet files, read back with hyparquet (independent of both writers). */
import { readParquet } from '../tests/support/parquet.js';

/**
 * The expected report's row count, and every difference as one line naming ISIN, Date, column and both values
 * (at most `limit` lines, then a count).
 */
export async function compareReports(expected: Uint8Array, actual: Uint8Array, labels: readonly [string, string], limit = 20): Promise<{ rows: number; differences: string[] }> {
  const [a, b] = await Promise.all([readParquet(expected), readParquet(actual)]);
  const names = (c: typeof a): string[] => c.columns.map((col) => col.name);
  const out: string[] = [];
  if (names(a).join() !== names(b).join()) out.push(`columns differ: ${labels[0]} [${names(a).join(', ')}], ${labels[1]} [${names(b).join(', ')}]`);
  if (a.rows.length !== b.rows.length) out.push(`row counts differ: ${labels[0]} ${a.rows.length}, ${labels[1]} ${b.rows.length}`);
  let cells = 0;
  for (let i = 0; i < Math.min(a.rows.length, b.rows.length); i++) {
    const [x, y] = [a.rows[i] ?? {}, b.rows[i] ?? {}];
    for (const name of names(a)) {
      if (same(x[name], y[name])) continue;
      if (++cells <= limit) out.push(`row ${i} ${show(x.ISIN)} ${show(x.Date)} ${name}: ${labels[0]} ${show(x[name])}, ${labels[1]} ${show(y[name])}`);
    }
  }
  if (cells > limit) out.push(`… ${cells - limit} more differing cells`);
  return { rows: a.rows.length, differences: out };
}

/** Bit-exact: numbers compare with Object.is (so 0 and -0 differ), bigint and number by value. */
function same(x: unknown, y: unknown): boolean {
  if (typeof x === 'bigint' || typeof y === 'bigint') return (typeof x === 'bigint' || typeof x === 'number') && String(x) === String(y);
  return Object.is(x, y);
}

function show(v: unknown): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return `${v}n`;
  return v === null || v === undefined ? 'null' : JSON.stringify(v);
}
