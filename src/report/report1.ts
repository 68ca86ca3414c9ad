import type { DayColumns } from './instrument-day.js';
import { roundHalfEven } from './rounding.js';

/**
 * The daily report in the original's column order, one entry per row in each column: columns, not
 * row objects, because a long window has hundreds of thousands of rows.
 */
export interface Report1 {
  readonly isin: readonly string[];
  readonly date: readonly string[];
  readonly openingPrice: Float64Array;
  readonly closingPrice: Float64Array;
  readonly minimumPrice: Float64Array;
  readonly maximumPrice: Float64Array;
  readonly dailyTradedVolume: Float64Array;
  /** NaN where the original has NaN: the instrument's first day in the window, or 0/0. */
  readonly changePrevClosing: Float64Array;
}

/** The days the report lists, in its order, and for each the instrument's previous day in the window (-1: none). */
export interface Report1Plan {
  readonly order: Int32Array;
  readonly previous: Int32Array;
}

/**
 * The original's `transform_report1` after its row-level steps, quirks kept:
 * - the change compares each day's *opening* price with the opening price of the instrument's
 *   previous day in the window, `((open - prev) / prev) * 100`, on unrounded prices;
 * - every price and the change are rounded like numpy (half to even on `x * 100`);
 * - only days on or after `extractDate` are reported (a string comparison, as in the original);
 * - rows are sorted by ISIN, then Date.
 */
export function computeReport1(days: DayColumns, extractDate: string): Report1 {
  const plan = planReport1(days, extractDate);
  return report1Rows(days, plan, 0, plan.order.length);
}

/** Which days the report lists and in what order: all a slice of its rows needs (report1Rows). */
export function planReport1(days: DayColumns, extractDate: string): Report1Plan {
  const sorted = sortByIsinAndDate(days);
  const reported = (day: number): boolean => (days.date[day] ?? '') >= extractDate;
  const rows = sorted.reduce((count, day) => count + (reported(day) ? 1 : 0), 0);
  const plan = { order: new Int32Array(rows), previous: new Int32Array(rows) };
  let row = 0;
  sorted.forEach((day, at) => {
    if (!reported(day)) return;
    // The previous day in the window counts even when it is before the extract date.
    const before = at > 0 ? (sorted[at - 1] ?? 0) : -1;
    plan.order[row] = day;
    plan.previous[row] = before >= 0 && days.isin[before] === days.isin[day] ? before : -1;
    row += 1;
  });
  return plan;
}

/** Rows [start, end) of the report: a long report is written a slice at a time and never exists whole. */
export function report1Rows(days: DayColumns, plan: Report1Plan, start: number, end: number): Report1 {
  const rows = end - start;
  const report = {
    isin: new Array<string>(rows),
    date: new Array<string>(rows),
    openingPrice: new Float64Array(rows),
    closingPrice: new Float64Array(rows),
    minimumPrice: new Float64Array(rows),
    maximumPrice: new Float64Array(rows),
    dailyTradedVolume: new Float64Array(rows),
    changePrevClosing: new Float64Array(rows),
  };
  for (let row = 0; row < rows; row++) {
    const day = plan.order[start + row] ?? 0;
    const before = plan.previous[start + row] ?? -1;
    const prev = before >= 0 ? (days.openPrice[before] ?? NaN) : undefined;
    const open = days.openPrice[day] ?? NaN;
    report.isin[row] = days.isin[day] ?? '';
    report.date[row] = days.date[day] ?? '';
    report.openingPrice[row] = roundHalfEven(open);
    report.closingPrice[row] = roundHalfEven(days.closePrice[day] ?? NaN);
    report.minimumPrice[row] = roundHalfEven(days.minPrice[day] ?? NaN);
    report.maximumPrice[row] = roundHalfEven(days.maxPrice[day] ?? NaN);
    report.dailyTradedVolume[row] = days.tradedVolume[day] ?? NaN;
    report.changePrevClosing[row] = prev === undefined ? NaN : roundHalfEven(((open - prev) / prev) * 100);
  }
  return report;
}

/**
 * The days' indices sorted by ISIN, then Date. A few thousand ISINs and a few dates repeat over many
 * days, so the distinct strings are ranked once and the days sorted by one number each.
 */
function sortByIsinAndDate(days: DayColumns): Int32Array {
  const isinRank = ranks(days.isin);
  const dateRank = ranks(days.date);
  // Each key carries its day's index in its low digits, so a plain numeric sort (no comparator) orders them.
  const n = days.count;
  if (isinRank.size * dateRank.size * n >= Number.MAX_SAFE_INTEGER) throw new RangeError(`too many instrument-days to sort: ${n}`);
  const keys = new Float64Array(n);
  for (let day = 0; day < n; day++) {
    keys[day] = ((isinRank.get(days.isin[day] ?? '') ?? 0) * dateRank.size + (dateRank.get(days.date[day] ?? '') ?? 0)) * n + day;
  }
  keys.sort();
  // A loop, not Int32Array.from(keys, map): that builds a list of every key as a heap number first (9 MiB of
  // garbage for a 244,114-day report).
  const order = new Int32Array(n);
  for (let at = 0; at < n; at++) order[at] = (keys[at] ?? 0) % n;
  return order;
}

function ranks(values: readonly string[]): Map<string, number> {
  const distinct = [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return new Map(distinct.map((value, rank) => [value, rank]));
}
