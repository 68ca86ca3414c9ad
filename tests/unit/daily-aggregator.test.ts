import { describe, expect, it } from 'vitest';
import { DailyAggregator } from '../../src/report/instrument-day.js';

describe('DailyAggregator room reserved', () => {
  it('costs address space, not memory: four aggregators with room for a million days each add little to the resident size', () => {
    const before = process.memoryUsage().rss;
    // 4 × 92 MiB of arrays and tables, which would all be resident if they were written to (or zeroed by hand).
    const reserved = Array.from({ length: 4 }, () => new DailyAggregator(1 << 20));
    const grown = process.memoryUsage().rss - before;
    expect(reserved.map((days) => days.size)).toStrictEqual([0, 0, 0, 0]);
    // The room is really there: a day's numbers are several doubles, so a million days need millions of them.
    expect(reserved.every((days) => days.view().numbers.length >= 1 << 22)).toBe(true);
    expect(grown).toBeLessThan(32 * 2 ** 20);
  });
});

describe('DailyAggregator columns', () => {
  // The table's hash of an ISIN: FNV-1a over its bytes, then mixed (instrument-day.ts). Computed here only to show
  // that the two ISINs below collide, so that columns() must tell them apart by their bytes.
  const tableHash = (text: string): number => {
    let hash = 0x811c9dc5;
    for (const byte of new TextEncoder().encode(text)) hash = Math.imul(hash ^ byte, 0x01000193);
    return Math.imul(hash ^ (hash >>> 16), 0x45d9f3b);
  };

  it('gives each day its own ISIN text, for ISINs whose hashes collide and for non-ASCII ones, one string per ISIN', () => {
    const [a, b] = ['DE0000775246', 'DE0001034780'];
    expect(tableHash(a)).toBe(tableHash(b));
    const days = new DailyAggregator();
    const rows: [string, string][] = [[a, '2017-07-03'], [b, '2017-07-03'], ['ÄÖÜ000000001', '2017-07-03'], [b, '2017-07-04'], [a, '2017-07-04'], ['ÄÖÜ000000001', '2017-07-04']];
    rows.forEach(([isin, date], at) => { days.add(isin, date, '09:00', at, at, at, at); });
    const columns = days.columns();
    expect(columns.isin).toStrictEqual(rows.map(([isin]) => isin));
    expect(columns.date).toStrictEqual(rows.map(([, date]) => date));
    expect([...columns.openPrice]).toStrictEqual([0, 1, 2, 3, 4, 5]);
    expect([...columns.tradedVolume]).toStrictEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('DailyAggregator growth and hand-over', () => {
  /** Three rows a day for `count` days, some ISINs longer than the 12 bytes a day has room for. */
  const fill = (days: DailyAggregator, count: number, salt: number): void => {
    for (let day = 0; day < count; day++) {
      const isin = day % 97 === 0 ? `XS${String(day).padStart(10, '0')}-A-VERY-LONG-SUFFIX` : `DE${String(day).padStart(10, '0')}`;
      const date = `2017-07-0${3 + (day % 5)}`;
      days.add(isin, date, '10:00', day + salt, day - 1, day + 1, 1);
      days.add(isin, date, '09:00', day + salt + 0.5, day - 2, day, 2);
      days.add(isin, date, '11:00', day + salt + 0.25, day, day + 3, 4);
    }
  };
  const expected = (count: number, salt: number): unknown[] =>
    Array.from({ length: count }, (_, day) => ({
      isin: day % 97 === 0 ? `XS${String(day).padStart(10, '0')}-A-VERY-LONG-SUFFIX` : `DE${String(day).padStart(10, '0')}`,
      date: `2017-07-0${3 + (day % 5)}`,
      openPrice: day + salt + 0.5,
      closePrice: day + salt + 0.25,
      minPrice: day - 2,
      maxPrice: day + 3,
      tradedVolume: 7,
    }));

  it('keeps every day when it outgrows its room for days and for ISIN bytes, and finds each day again', () => {
    const days = new DailyAggregator(16);
    fill(days, 5000, 0);
    expect(days.size).toBe(5000);
    expect([...days.values()]).toStrictEqual(expected(5000, 0));
    // The same rows again land on the days already there.
    fill(days, 5000, 0);
    expect(days.size).toBe(5000);
    expect([...days.values()].map((day) => day.tradedVolume)).toStrictEqual(Array.from({ length: 5000 }, () => 14));
  });

  it('works again with its block once the block has been to another thread and back, and has forgotten its days', () => {
    const days = new DailyAggregator();
    fill(days, 3000, 0);
    const { block } = days.view();
    const returned = structuredClone(block, { transfer: [block] });
    expect(block.byteLength).toBe(0);
    days.adopt(returned);
    expect(days.size).toBe(0);
    fill(days, 3000, 100);
    expect([...days.values()]).toStrictEqual(expected(3000, 100));
  });
});
