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
export class DailyAggregator {
  private readonly days = new Map<string, InstrumentDay>();

  get size(): number {
    return this.days.size;
  }

  values(): IterableIterator<InstrumentDay> {
    return this.days.values();
  }

  add(isin: string, date: string, time: string, startPrice: number, minPrice: number, maxPrice: number, tradedVolume: number): void {
    const key = `${isin}\u0000${date}`;
    const day = this.days.get(key);
    if (day === undefined) {
      this.days.set(key, { isin, date, openTime: time, openPrice: startPrice, closeTime: time, closePrice: startPrice, minPrice, maxPrice, tradedVolume });
      return;
    }
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

  /** Adds the days of an aggregator that read later sources, with the same tie rules as `add`. */
  merge(later: DailyAggregator): void {
    for (const [key, next] of later.days) {
      const day = this.days.get(key);
      if (day === undefined) {
        this.days.set(key, { ...next });
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
}
