/** Cell-by-cell comparison of reports: Parquet read back with hyparquet (independent of both writers), or pandas' CSV. */
import { readParquet } from '../tests/support/parquet.js';

export interface Table {
  readonly columns: readonly string[];
  /** Strings, numbers (doubles), bigints (int64) and null, keyed by column. */
  readonly rows: readonly Record<string, unknown>[];
}

export async function parquetTable(bytes: Uint8Array): Promise<Table> {
  const { columns, rows } = await readParquet(bytes);
  return { columns: columns.map((c) => c.name), rows };
}

/**
 * The report as pandas' `to_csv` writes it (tests/parity/original_report1.py): floats in repr form ("-0.0" kept),
 * NaN as an empty field, the volume as an integer. ISIN and Date never hold a comma or a quote.
 */
export function pandasCsvTable(text: string): Table {
  const [header = '', ...lines] = text.trimEnd().split('\n');
  const columns = header.split(',');
  const rows = lines.map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(columns.map((name, j) => {
      const cell = cells[j] ?? '';
      return [name, j < 2 ? cell : cell === '' ? null : name === 'daily_traded_volume' ? BigInt(cell) : Number(cell)];
    }));
  });
  return { columns, rows };
}

/**
 * Every difference as one line naming ISIN, Date, column and both values (at most `limit` lines), then, if any cell
 * differs, a count of the differing cells and of those that differ only in the sign of zero.
 */
export function compareTables(a: Table, b: Table, labels: readonly [string, string], limit = 5): string[] {
  const out: string[] = [];
  if (a.columns.join() !== b.columns.join()) out.push(`columns differ: ${labels[0]} [${a.columns.join(', ')}], ${labels[1]} [${b.columns.join(', ')}]`);
  if (a.rows.length !== b.rows.length) out.push(`row counts differ: ${labels[0]} ${a.rows.length}, ${labels[1]} ${b.rows.length}`);
  let [cells, zeroSign] = [0, 0];
  for (let i = 0; i < Math.min(a.rows.length, b.rows.length); i++) {
    const [x, y] = [a.rows[i] ?? {}, b.rows[i] ?? {}];
    for (const name of a.columns) {
      if (same(x[name], y[name])) continue;
      if (x[name] === 0 && y[name] === 0) zeroSign++;
      if (++cells <= limit) out.push(`row ${i} ${show(x.ISIN)} ${show(x.Date)} ${name}: ${labels[0]} ${show(x[name])}, ${labels[1]} ${show(y[name])}`);
    }
  }
  if (cells) out.push(`${cells} differing cells${cells > limit ? ` (${limit} shown)` : ''}, ${zeroSign} of them only in the sign of zero`);
  return out;
}

/** Bit-exact: numbers compare with Object.is (so 0 and -0 differ), an int64 equals the same integer as a number. */
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
