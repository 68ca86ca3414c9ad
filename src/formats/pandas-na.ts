import type { CsvRecord } from './csv-parser.js';

/**
 * The strings pandas' `read_csv` reads as NaN by default (pandas 1.x). The original drops every row
 * with a NaN in a configured column, so a Mnemonic of `NA` or an empty EndPrice drops the row too.
 */
export const PANDAS_NA_VALUES: ReadonlySet<string> = new Set([
  '', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN',
  '<NA>', 'N/A', 'NA', 'NULL', 'NaN', 'n/a', 'nan', 'null',
]);

/** The non-empty NA strings as bytes, by first byte and length, so most fields are ruled out at once. */
const NA_BY_SHAPE = new Map<number, Buffer[]>();
/**
 * 1 where some NA string has that first byte and length, and where one has that last byte and length
 * (length ≤ 15): two lookups with no hashing rule out nearly every field (no NA string ends in a digit).
 */
const NA_SHAPES = new Uint8Array(256 * 16);
const NA_ENDINGS = new Uint8Array(256 * 16);
for (const value of PANDAS_NA_VALUES) {
  if (value === '') continue;
  const shape = value.charCodeAt(0) * 16 + value.length;
  NA_SHAPES[shape] = 1;
  NA_ENDINGS[value.charCodeAt(value.length - 1) * 16 + value.length] = 1;
  NA_BY_SHAPE.set(shape, [...(NA_BY_SHAPE.get(shape) ?? []), Buffer.from(value, 'ascii')]);
}

/** Whether field `i` reads as NaN in pandas, without decoding it. */
export function isPandasNa(record: CsvRecord, i: number): boolean {
  const start = record.starts[i] ?? 0;
  const end = record.ends[i] ?? 0;
  if (!mayBePandasNa(record.buf, start, end)) return false;
  const shape = (record.buf[start] ?? 0) * 16 + end - start;
  return end === start || (NA_BY_SHAPE.get(shape) ?? []).some((na) => record.buf.compare(na, 0, na.length, start, end) === 0);
}

/** A quick test on the bytes `buf[start..end)`: false means surely not NaN; true means maybe. */
export function mayBePandasNa(buf: Uint8Array, start: number, end: number): boolean {
  const length = end - start;
  return length === 0 || (length <= 15 && NA_SHAPES[(buf[start] ?? 0) * 16 + length] === 1 && NA_ENDINGS[(buf[end - 1] ?? 0) * 16 + length] === 1);
}
