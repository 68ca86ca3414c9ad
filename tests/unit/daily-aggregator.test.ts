import { describe, expect, it } from 'vitest';
import { DailyAggregator } from '../../src/report/instrument-day.js';

describe('DailyAggregator room reserved', () => {
  it('costs address space, not memory: four aggregators with room for a million days each add little to the resident size', () => {
    const before = process.memoryUsage().rss;
    // 4 × 84 MiB of arrays, which would all be resident if they were written to (or zeroed by hand).
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
