import { describe, expect, it } from 'vitest';
import { frameToParquet } from '../../src/formats/parquet-writer.js';
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
});
