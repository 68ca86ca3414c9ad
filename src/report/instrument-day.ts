/**
 * One instrument on one trading day, folded from its minute rows as they stream past. This is all
 * the report needs, so memory grows with instrument-days, never with rows.
 */
export interface InstrumentDay {
  readonly isin: string;
  readonly date: string;
  /** Earliest `Time` seen and the StartPrice of its row. */
  openTime: string;
  openPrice: number;
  /** Latest `Time` seen and the StartPrice of its row (the original's closing price). */
  closeTime: string;
  closePrice: number;
  minPrice: number;
  maxPrice: number;
  tradedVolume: number;
}

/**
 * Folds rows into instrument-days. Rows must arrive in source order (dates in list order, keys in
 * S3 order, lines in file order): among rows with the same minute the first one opens and the last
 * one closes, the order a stable sort by `Time` gives.
 */
/** Folds a later row of the same instrument and day into `day`. */
export function foldRow(day: InstrumentDay, time: string, startPrice: number, minPrice: number, maxPrice: number, tradedVolume: number): void {
  if (time < day.openTime) {
    day.openTime = time;
    day.openPrice = startPrice;
  }
  if (time >= day.closeTime) {
    day.closeTime = time;
    day.closePrice = startPrice;
  }
  if (minPrice < day.minPrice) day.minPrice = minPrice;
  if (maxPrice > day.maxPrice) day.maxPrice = maxPrice;
  day.tradedVolume += tradedVolume;
}

export class DailyAggregator {
  /** Date → ISIN → day: the date is the same for a whole source file, so the outer lookup is cheap. */
  private readonly byDate = new Map<string, Map<string, InstrumentDay>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  *values(): IterableIterator<InstrumentDay> {
    for (const days of this.byDate.values()) yield* days.values();
  }

  /** Folds one row in and returns its day, which `foldRow` may update directly for later rows. */
  add(isin: string, date: string, time: string, startPrice: number, minPrice: number, maxPrice: number, tradedVolume: number): InstrumentDay {
    const days = this.daysOf(date);
    const day = days.get(isin);
    if (day === undefined) {
      const created = { isin, date, openTime: time, openPrice: startPrice, closeTime: time, closePrice: startPrice, minPrice, maxPrice, tradedVolume };
      days.set(isin, created);
      this.count += 1;
      return created;
    }
    foldRow(day, time, startPrice, minPrice, maxPrice, tradedVolume);
    return day;
  }

  /** Adds the days of an aggregator that read later sources, with the same tie rules as `add`. */
  merge(later: DailyAggregator): void {
    this.mergeDays(later.values());
  }

  /** Adds days folded from later sources (possibly on another thread), with the same tie rules as `add`. */
  mergeDays(later: Iterable<InstrumentDay>): void {
    for (const next of later) {
      const days = this.daysOf(next.date);
      const day = days.get(next.isin);
      if (day === undefined) {
        days.set(next.isin, { ...next });
        this.count += 1;
        continue;
      }
      if (next.openTime < day.openTime) {
        day.openTime = next.openTime;
        day.openPrice = next.openPrice;
      }
      if (next.closeTime >= day.closeTime) {
        day.closeTime = next.closeTime;
        day.closePrice = next.closePrice;
      }
      if (next.minPrice < day.minPrice) day.minPrice = next.minPrice;
      if (next.maxPrice > day.maxPrice) day.maxPrice = next.maxPrice;
      day.tradedVolume += next.tradedVolume;
    }
  }

  private daysOf(date: string): Map<string, InstrumentDay> {
    let days = this.byDate.get(date);
    if (days === undefined) {
      days = new Map();
      this.byDate.set(date, days);
    }
    return days;
  }
}
