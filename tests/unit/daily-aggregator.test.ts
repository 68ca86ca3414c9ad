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
