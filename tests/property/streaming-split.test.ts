// "Streaming in any file split gives the same report": the same source rows, in the same order, folded
// (a) straight into one DailyAggregator, (b) as consecutive CSV files each folded into its own aggregator and
// merged in order, (c) as those CSV files folded one after another into one aggregator, give identical
// instrument-days and identical computeReport1 output. (a) is also checked against a naive group-by that
// spells out the original's rules (first/last StartPrice by Time, ties: first row opens, last row closes).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvParser } from '../../src/formats/csv-parser.js';
import { DailyAggregator, type InstrumentDayWithTimes } from '../../src/report/instrument-day.js';
import { computeReport1, planReport1, report1Rows, type Report1 } from '../../src/report/report1.js';
import { sourceRowFolder, type FoldCounts } from '../../src/transformers/source-rows.js';
import { XETRA_HEADER, XETRA_SOURCE } from '../support/xetra-source.js';


interface SourceRow {
  isin: string;
  date: string;
  time: string;
  start: number;
  min: number;
  max: number;
  volume: number;
}

const ISINS = ['DE0007164600', 'AT0000606306', 'LU0290358497', 'CH0010570767'];
const DATES = ['2017-07-23', '2017-07-24', '2017-07-25', '2017-07-26'];
// Few minutes, so the same (ISIN, Date, Time) repeats often and tie handling across file boundaries is exercised.
const TIMES = ['07:00', '07:01', '09:30', '15:29', '15:30'];
const price = fc.integer({ min: 1, max: 5_000_000 }).map((k) => k / 1000);

const sourceRow = fc
  .record({
    isin: fc.constantFrom(...ISINS),
    date: fc.constantFrom(...DATES),
    time: fc.constantFrom(...TIMES),
    prices: fc.array(price, { minLength: 3, maxLength: 3 }),
    volume: fc.integer({ min: 0, max: 100_000 }),
  })
  .map(({ isin, date, time, prices, volume }): SourceRow => {
    const [a = 0, b = 0, c = 0] = [...prices].sort((x, y) => x - y);
    // Min <= Start <= Max, as in every real row.
    return { isin, date, time, start: b, min: a, max: c, volume };
  });

/** Rows in source order, cut into consecutive (possibly empty) files. */
const splitRows = fc
  .array(sourceRow, { minLength: 1, maxLength: 60 })
  .chain((rows) =>
    fc.tuple(
      fc.constant(rows),
      fc.uniqueArray(fc.integer({ min: 0, max: rows.length }), { maxLength: 8 }).map((cuts) => [...cuts].sort((a, b) => a - b)),
      fc.constantFrom(...DATES),
    ),
  )
  .map(([rows, cuts, extractDate]) => {
    const files: SourceRow[][] = [];
    let from = 0;
    for (const cut of [...cuts, rows.length]) {
      files.push(rows.slice(from, cut));
      from = cut;
    }
    return { rows, files, extractDate };
  });

function toCsv(rows: readonly SourceRow[]): string {
  const lines = rows.map((r) => `"${r.isin}","SAP","SAP SE O.N.","Common stock","EUR",2505077,${r.date},${r.time},${r.start},${r.max},${r.min},${r.start},${r.volume},1`);
  return `${[XETRA_HEADER, ...lines].join('\n')}\n`;
}

function foldCsv(file: readonly SourceRow[], into: DailyAggregator, name: string): void {
  const counts: FoldCounts = { rows: 0, dropped: 0 };
  const parser = new CsvParser(sourceRowFolder(name, XETRA_SOURCE, into, counts));
  parser.push(Buffer.from(toCsv(file)));
  parser.end();
  expect(counts).toEqual({ rows: file.length, dropped: 0 });
}

/** Instrument-days in a canonical order, as plain objects. */
function canonical(days: Iterable<InstrumentDayWithTimes>): InstrumentDayWithTimes[] {
  return [...days].map((d) => ({ ...d })).sort((a, b) => (a.isin + a.date < b.isin + b.date ? -1 : a.isin + a.date > b.isin + b.date ? 1 : 0));
}

/** The original's group-by spelled out on the whole row list. */
function naiveDays(rows: readonly SourceRow[]): InstrumentDayWithTimes[] {
  const groups = new Map<string, SourceRow[]>();
  for (const row of rows) {
    const key = `${row.isin} ${row.date}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return canonical(
    [...groups.values()].map((group) => {
      const openTime = group.map((r) => r.time).reduce((a, b) => (b < a ? b : a));
      const closeTime = group.map((r) => r.time).reduce((a, b) => (b > a ? b : a));
      const opening = group.filter((r) => r.time === openTime);
      const closing = group.filter((r) => r.time === closeTime);
      const first = group[0] as SourceRow;
      return {
        isin: first.isin,
        date: first.date,
        openTime,
        openPrice: (opening[0] as SourceRow).start,
        closeTime,
        closePrice: (closing.at(-1) as SourceRow).start,
        minPrice: Math.min(...group.map((r) => r.min)),
        maxPrice: Math.max(...group.map((r) => r.max)),
        tradedVolume: group.reduce((sum, r) => sum + r.volume, 0),
      };
    }),
  );
}

describe('DailyAggregator: any file split gives the same days and report', () => {
  it('one go == per-file aggregators merged in order == files folded one after another', () => {
    fc.assert(
      fc.property(splitRows, ({ rows, files, extractDate }) => {
        const oneGo = new DailyAggregator();
        for (const r of rows) oneGo.add(r.isin, r.date, r.time, r.start, r.min, r.max, r.volume);

        const merged = new DailyAggregator();
        files.forEach((file, i) => {
          const own = new DailyAggregator();
          foldCsv(file, own, `file${i}`);
          merged.merge(own);
        });

        const sequential = new DailyAggregator();
        files.forEach((file, i) => {
          foldCsv(file, sequential, `file${i}`);
        });

        const expectedDays = canonical(oneGo.valuesWithTimes());
        expect(canonical(merged.valuesWithTimes())).toStrictEqual(expectedDays);
        expect(canonical(sequential.valuesWithTimes())).toStrictEqual(expectedDays);

        const report = computeReport1(oneGo.columns(), extractDate);
        expect(computeReport1(merged.columns(), extractDate)).toStrictEqual(report);
        expect(computeReport1(sequential.columns(), extractDate)).toStrictEqual(report);
      }),
      { numRuns: 2_000 },
    );
  });

  it("merge() into a non-empty aggregator or a fresh one gives the one-go days, and never changes or shares the merged-in days", () => {
    fc.assert(
      fc.property(splitRows, ({ rows, files, extractDate }) => {
        const oneGo = new DailyAggregator();
        for (const r of rows) oneGo.add(r.isin, r.date, r.time, r.start, r.min, r.max, r.volume);
        const aggregators = files.map((file, i) => {
          const own = new DailyAggregator();
          foldCsv(file, own, `file${i}`);
          return own;
        });
        const before = aggregators.map((a) => canonical(a.valuesWithTimes()));
        const [head = new DailyAggregator(), ...rest] = aggregators;
        const fresh = new DailyAggregator();
        fresh.merge(head);
        for (const a of rest) {
          head.merge(a);
          fresh.merge(a);
        }
        const expected = canonical(oneGo.valuesWithTimes());
        expect(canonical(head.valuesWithTimes())).toStrictEqual(expected);
        expect(canonical(fresh.valuesWithTimes())).toStrictEqual(expected);
        expect(computeReport1(fresh.columns(), extractDate)).toStrictEqual(computeReport1(oneGo.columns(), extractDate));
        // The later aggregators are read, not modified, even after the target has merged further files.
        expect(rest.map((a) => canonical(a.valuesWithTimes()))).toStrictEqual(before.slice(1));
      }),
      { numRuns: 1_000 },
    );
  });

  it('an aggregator with room reserved, or released after other days and used again, folds to the days of a fresh one', () => {
    fc.assert(
      fc.property(splitRows, splitRows, ({ rows }, { rows: before }) => {
        const fresh = new DailyAggregator();
        const reserved = new DailyAggregator(1 << 12);
        const reused = new DailyAggregator();
        for (const r of before) reused.add(r.isin, r.date, r.time, r.start, r.min, r.max, r.volume);
        reused.release();
        expect(reused.size).toBe(0);
        for (const days of [fresh, reserved, reused]) for (const r of rows) days.add(r.isin, r.date, r.time, r.start, r.min, r.max, r.volume);
        const expected = canonical(fresh.valuesWithTimes());
        expect(canonical(reserved.valuesWithTimes())).toStrictEqual(expected);
        expect(canonical(reused.valuesWithTimes())).toStrictEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('one go equals a naive group-by with the original rules (earliest minute opens, latest closes, ties by row order)', () => {
    fc.assert(
      fc.property(splitRows, ({ rows }) => {
        const oneGo = new DailyAggregator();
        for (const r of rows) oneGo.add(r.isin, r.date, r.time, r.start, r.min, r.max, r.volume);
        expect(canonical(oneGo.valuesWithTimes())).toStrictEqual(naiveDays(rows));
      }),
      { numRuns: 2_000 },
    );
  });

  it('the report built in slices of rows, cut anywhere (also between an instrument\'s days), equals the report built whole', () => {
    fc.assert(
      fc.property(splitRows, fc.uniqueArray(fc.nat(), { maxLength: 6 }), ({ rows, extractDate }, cutSeeds) => {
        const days = new DailyAggregator();
        for (const r of rows) days.add(r.isin, r.date, r.time, r.start, r.min, r.max, r.volume);
        const columns = days.columns();
        const plan = planReport1(columns, extractDate);
        const total = plan.order.length;
        const cuts = [...new Set(cutSeeds.map((seed) => seed % (total + 1)))].sort((a, b) => a - b);
        const slices = [0, ...cuts, total].slice(1).map((end, i, ends) => report1Rows(columns, plan, i === 0 ? 0 : (ends[i - 1] ?? 0), end));
        const joined: Report1 = {
          isin: slices.flatMap((slice) => slice.isin),
          date: slices.flatMap((slice) => slice.date),
          openingPrice: Float64Array.from(slices.flatMap((slice) => [...slice.openingPrice])),
          closingPrice: Float64Array.from(slices.flatMap((slice) => [...slice.closingPrice])),
          minimumPrice: Float64Array.from(slices.flatMap((slice) => [...slice.minimumPrice])),
          maximumPrice: Float64Array.from(slices.flatMap((slice) => [...slice.maximumPrice])),
          dailyTradedVolume: Float64Array.from(slices.flatMap((slice) => [...slice.dailyTradedVolume])),
          changePrevClosing: Float64Array.from(slices.flatMap((slice) => [...slice.changePrevClosing])),
        };
        expect(joined).toStrictEqual(computeReport1(columns, extractDate));
      }),
      { numRuns: 1_000 },
    );
  });
});
