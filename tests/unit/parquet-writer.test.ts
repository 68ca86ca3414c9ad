import { describe, expect, it } from 'vitest';
import { frameToParquet, warmUpParquetWriter } from '../../src/formats/parquet-writer.js';
import { readParquet } from '../support/parquet.js';

describe('Parquet report writer', () => {
  it('keeps the sign of zero, NaN as null and infinities, whatever order zeros come in', async () => {
    // Repeated values, so that a writer would choose dictionary encoding (which merged -0.0 into 0.0).
    const pattern = [0, -0, 1.5, -0, 0, null, NaN, Infinity, -Infinity];
    const values = Array.from({ length: 100 }, () => pattern).flat();
    const bytes = await frameToParquet({ columns: [{ name: 'change', type: 'double', values }] });
    const read = (await readParquet(bytes)).rows.map((r) => r.change);
    const signs = read.map((v) => (typeof v === 'number' && v === 0 ? (Object.is(v, -0) ? '-0' : '+0') : v));
    expect(signs).toEqual(Array.from({ length: 100 }, () => ['+0', '-0', 1.5, '-0', '+0', null, null, Infinity, -Infinity]).flat());
  });

  it('writes the same bytes after the warm-up as before it', async () => {
    const frame = {
      columns: [
        { name: 'isin', type: 'string', values: ['DE0007164600', 'AT0000A0E9W5', 'DE0007164600'] },
        { name: 'opening_price_eur', type: 'double', values: Float64Array.of(35.5, NaN, -0) },
        { name: 'daily_traded_volume', type: 'int64', values: Float64Array.of(1088, 0, 7) },
      ],
    } as const;
    const before = await frameToParquet(frame);
    await warmUpParquetWriter();
    const after = await frameToParquet(frame);
    expect(Buffer.from(after).equals(Buffer.from(before))).toBe(true);
    expect((await readParquet(after)).rows.map((row) => row.isin)).toEqual(['DE0007164600', 'AT0000A0E9W5', 'DE0007164600']);
  });

  it('writes strings as UTF8/STRING and integers as INT64, all columns optional', async () => {
    const bytes = await frameToParquet({
      columns: [
        { name: 'ISIN', type: 'string', values: ['AT0000A0E9W5', 'DE0007164600'] },
        { name: 'daily_traded_volume', type: 'int64', values: [1088, 9007199254740991] },
      ],
    });
    const content = await readParquet(bytes);
    expect(content.columns).toEqual([
      { name: 'ISIN', type: 'BYTE_ARRAY', annotation: 'UTF8' },
      { name: 'daily_traded_volume', type: 'INT64', annotation: undefined },
    ]);
    expect(content.rows).toEqual([
      { ISIN: 'AT0000A0E9W5', daily_traded_volume: 1088n },
      { ISIN: 'DE0007164600', daily_traded_volume: 9007199254740991n },
    ]);
  });

  it('writes a report longer than a row group with every value in place, group boundaries included', async () => {
    const rows = 90_000; // six row groups of at most 16,384 rows: garbage is collected after the second to the fifth
    const isin = Array.from({ length: rows }, (_, i) => `DE${String(i % 997).padStart(10, '0')}`);
    const date = Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? null : `2021-04-${String((i % 28) + 1).padStart(2, '0')}`));
    const change = Float64Array.from({ length: rows }, (_, i) => (i % 7 === 0 ? NaN : i % 11 === 0 ? -0 : i / 8));
    const volume = Float64Array.from({ length: rows }, (_, i) => i * 1_000_003);
    const frame = {
      columns: [
        { name: 'isin', type: 'string', values: isin },
        { name: 'date', type: 'string', values: date },
        { name: 'change', type: 'double', values: change },
        { name: 'volume', type: 'int64', values: volume },
      ],
    } as const;
    await frameToParquet({ columns: [] }); // the writer's library and compressor are loaded now, not during the count below
    // The event loop turns after each collection (the native compressor's buffers are freed only then): count its turns.
    let turns = 0;
    let writing = true;
    const turn = (): void => {
      turns += 1;
      if (writing) setImmediate(turn);
    };
    setImmediate(turn);
    const bytes = await frameToParquet(frame);
    writing = false;
    expect(turns).toBeGreaterThanOrEqual(4);
    const content = await readParquet(bytes);
    expect(content.numRows).toBe(BigInt(rows));
    expect(content.rows.map((r) => r.isin)).toEqual(isin);
    expect(content.rows.map((r) => r.date)).toEqual(date);
    expect(content.rows.map((r) => r.change)).toStrictEqual(Array.from(change, (v) => (Number.isNaN(v) ? null : v)));
    expect(content.rows.map((r) => r.volume)).toEqual(Array.from(volume, (v) => BigInt(v)));
  });
});
