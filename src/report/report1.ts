import type { InstrumentDay } from './instrument-day.js';
import { roundHalfEven } from './rounding.js';

/** One row of the daily report, in the original's column order. */
export interface Report1Row {
  readonly isin: string;
  readonly date: string;
  readonly openingPrice: number;
  readonly closingPrice: number;
  readonly minimumPrice: number;
  readonly maximumPrice: number;
  readonly dailyTradedVolume: number;
  /** null where the original has NaN: the instrument's first day in the window, or 0/0. */
  readonly changePrevClosing: number | null;
}

/**
 * The original's `transform_report1` after its row-level steps, quirks kept:
 * - the change compares each day's *opening* price with the opening price of the instrument's
 *   previous day in the window, `((open - prev) / prev) * 100`, on unrounded prices;
 * - every price and the change are rounded like numpy (half to even on `x * 100`);
 * - only days on or after `extractDate` are reported (a string comparison, as in the original);
 * - rows are sorted by ISIN, then Date.
 */
export function computeReport1(days: Iterable<InstrumentDay>, extractDate: string): Report1Row[] {
  const sorted = sortByIsinAndDate([...days]);
  const report: Report1Row[] = [];
  let previous: InstrumentDay | undefined;
  for (const day of sorted) {
    const prev = previous?.isin === day.isin ? previous.openPrice : undefined;
    previous = day;
    if (day.date < extractDate) continue;
    const change = prev === undefined ? NaN : ((day.openPrice - prev) / prev) * 100;
    report.push({
      isin: day.isin,
      date: day.date,
      openingPrice: roundHalfEven(day.openPrice),
      closingPrice: roundHalfEven(day.closePrice),
      minimumPrice: roundHalfEven(day.minPrice),
      maximumPrice: roundHalfEven(day.maxPrice),
      dailyTradedVolume: day.tradedVolume,
      changePrevClosing: Number.isNaN(change) ? null : roundHalfEven(change),
    });
  }
  return report;
}

/**
 * Sorted by ISIN, then Date. A few thousand ISINs and a few dates repeat over many days, so the
 * distinct strings are ranked once and the days sorted by one number each.
 */
function sortByIsinAndDate(days: InstrumentDay[]): InstrumentDay[] {
  const isinRank = ranks(days.map((d) => d.isin));
  const dateRank = ranks(days.map((d) => d.date));
  // Each key carries its day's index in its low digits, so a plain numeric sort (no comparator) orders them.
  const n = days.length;
  if (isinRank.size * dateRank.size * n >= Number.MAX_SAFE_INTEGER) throw new RangeError(`too many instrument-days to sort: ${n}`);
  const keys = new Float64Array(n);
  days.forEach((day, i) => {
    keys[i] = ((isinRank.get(day.isin) ?? 0) * dateRank.size + (dateRank.get(day.date) ?? 0)) * n + i;
  });
  return Array.from(keys.sort(), (key) => days[key % n] as InstrumentDay);
}

function ranks(values: readonly string[]): Map<string, number> {
  const distinct = [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return new Map(distinct.map((value, rank) => [value, rank]));
}
