import { isLater, timeKey, timeText } from './time-key.js';

/**
 * One instrument on one trading day, folded from its minute rows as they stream past. This is all
 * the report needs, so memory grows with instrument-days, never with rows.
 */
export interface InstrumentDay {
  readonly isin: string;
  readonly date: string;
  /** StartPrice of the row with the earliest `Time`. */
  readonly openPrice: number;
  /** StartPrice of the row with the latest `Time` (the original's closing price). */
  readonly closePrice: number;
  readonly minPrice: number;
  readonly maxPrice: number;
  readonly tradedVolume: number;
}

/** The times that decided the opening and closing price, for inspection and tests. */
export interface InstrumentDayWithTimes extends InstrumentDay {
  readonly openTime: string;
  readonly closeTime: string;
}

/**
 * The days as columns, in the order first seen: what the report reads, with no object per day. Each
 * distinct ISIN and date is one string, shared by all its days.
 */
export interface DayColumns {
  readonly count: number;
  readonly isin: readonly string[];
  readonly date: readonly string[];
  readonly openPrice: Float64Array;
  readonly closePrice: Float64Array;
  readonly minPrice: Float64Array;
  readonly maxPrice: Float64Array;
  readonly tradedVolume: Float64Array;
}

/**
 * An aggregator's arrays, of which the first `count` days are used: what `merge` reads, and what a parsing
 * thread hands over (the block that holds the arrays, which comes back to it once merged).
 */
export interface DaysSnapshot {
  readonly count: number;
  readonly block: ArrayBuffer;
  readonly numbers: Float64Array<ArrayBuffer>;
  readonly ints: Int32Array<ArrayBuffer>;
  readonly isinBytes: Uint8Array<ArrayBuffer>;
  readonly dates: readonly string[];
  readonly longTimes: readonly (readonly [number, string])[];
}

// A day's numbers, NUMBERS apart in one Float64Array.
const OPEN_KEY = 0;
const OPEN_PRICE = 1;
const CLOSE_KEY = 2;
const CLOSE_PRICE = 3;
const MIN_PRICE = 4;
const MAX_PRICE = 5;
const VOLUME = 6;
const NUMBERS = 7;
// A day's integers, INTS apart in one Int32Array: its ISIN's bytes in isinBytes, its date, its ISIN's hash.
const ISIN_START = 0;
const ISIN_END = 1;
const DATE = 2;
const HASH = 3;
const INTS = 4;

/** Room for the instruments of one trading hour without growing. */
const INITIAL_DAYS = 2048;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Folds rows into instrument-days, kept in typed arrays and found by the bytes of the ISIN, so a row
 * costs one hash and no allocation. Rows must arrive in source order (dates in list order, keys in S3
 * order, lines in file order): among rows with the same minute the first one opens and the last one
 * closes, the order a stable sort by `Time` gives.
 */
export class DailyAggregator {
  private count = 0;
  /**
   * Room for this many days in the block (see `allocate`), and for this many bytes of ISINs: kept apart from the
   * views, which read as empty while the block is with a parsing thread, so `adopt` can lay them out again.
   */
  private dayRoom = 0;
  private isinRoom = 0;
  private numbers!: Float64Array<ArrayBuffer>;
  private ints!: Int32Array<ArrayBuffer>;
  /** Room for the hash table at its largest, so growing it reuses its pages instead of leaving old tables to V8. */
  private table!: Int32Array<ArrayBuffer>;
  private isinBytes!: Uint8Array<ArrayBuffer>;
  private isinBytesUsed = 0;
  /** Day index + 1 per slot of an open-addressing table; 0 is a free slot. The prefix of `table` in use. */
  private slots!: Int32Array<ArrayBuffer>;
  private readonly dates: string[] = [];
  private readonly dateIds = new Map<string, number>();
  /** Texts of times longer than six bytes, by day * 2 (open) or day * 2 + 1 (close); ties compare them. */
  private readonly longTimes = new Map<number, string>();

  /**
   * @param reserveDays room for this many days before the block has to grow. A large reservation costs
   *   address space, not memory: the block comes zeroed from the OS, and only the pages written to are resident.
   */
  constructor(reserveDays = INITIAL_DAYS) {
    this.allocate(reserveDays);
  }

  get size(): number {
    return this.count;
  }

  /** Forgets every day but keeps the arrays, so the next object folds without allocating them again. */
  clear(): void {
    this.count = 0;
    this.isinBytesUsed = 0;
    this.slots.fill(0);
    this.dates.length = 0;
    this.dateIds.clear();
    this.longTimes.clear();
  }

  /** Forgets every day and lets go of the arrays, so the memory of a long run's days can serve its report. */
  release(): void {
    this.clear();
    this.allocate(INITIAL_DAYS);
  }

  /**
   * One block for the four arrays. glibc raises its mmap threshold to the size of any mapped block of up to 32 MiB
   * that is freed, and then keeps freed heap memory up to twice that: a run's aggregator as four arrays of 8–56 MiB,
   * let go before the write, sent the write's buffers to the heap, where they stayed resident (19 M rows peaked at
   * 114–116 MiB, at the end of the write; with one 92 MiB block, 110, at the end of the read).
   */
  private allocate(days: number, isinRoom = days * 12): void {
    this.use(new ArrayBuffer(days * (NUMBERS * 8 + INTS * 4) + tableSize(days) * 4 + isinRoom), days, isinRoom);
  }

  private use(block: ArrayBuffer, days: number, isinRoom: number): void {
    this.dayRoom = days;
    this.isinRoom = isinRoom;
    let at = 0;
    this.numbers = new Float64Array(block, at, days * NUMBERS);
    at += this.numbers.byteLength;
    this.ints = new Int32Array(block, at, days * INTS);
    at += this.ints.byteLength;
    // Hashing writes all over the table, so only the prefix in use is handed out: the pages past it stay untouched.
    this.table = new Int32Array(block, at, tableSize(days));
    at += this.table.byteLength;
    this.isinBytes = new Uint8Array(block, at, isinRoom);
    this.slots = this.table.subarray(0, INITIAL_DAYS * 2);
  }

  /**
   * Takes back the block of this aggregator's `view()` after it went to another thread and came back (sending
   * it left this aggregator with detached views), and forgets every day.
   */
  adopt(block: ArrayBuffer): void {
    this.use(block, this.dayRoom, this.isinRoom);
    this.clear();
  }

  /** The arrays as they are (a view: valid until this aggregator changes); `merge` reads this. */
  view(): DaysSnapshot {
    return { count: this.count, block: this.numbers.buffer, numbers: this.numbers, ints: this.ints, isinBytes: this.isinBytes, dates: this.dates, longTimes: [...this.longTimes] };
  }

  /**
   * A copy of the days as columns, for the report: plain loops, and one string per distinct ISIN, found by its hash
   * and bytes. With `Float64Array.from` and a mapping function (which boxes every value) and every day's ISIN
   * decoded, 50,847 days took 80–97 ms instead of 18–19 (36–40 at the first call, against 85–86).
   */
  columns(): DayColumns {
    const { count, numbers: n, ints, isinBytes } = this;
    const field = (at: number): Float64Array => {
      const values = new Float64Array(count);
      for (let day = 0; day < count; day++) values[day] = n[day * NUMBERS + at] ?? NaN;
      return values;
    };
    const madeFor = new Map<number, number[]>(); // ISIN hash → the days whose ISIN text was made
    const isin = new Array<string>(count);
    const date = new Array<string>(count);
    for (let day = 0; day < count; day++) {
      const i = day * INTS;
      const start = ints[i + ISIN_START] ?? 0;
      const end = ints[i + ISIN_END] ?? 0;
      const hash = ints[i + HASH] ?? 0;
      const made = madeFor.get(hash);
      const same = made?.find((other) => sameBytes(isinBytes, ints[other * INTS + ISIN_START] ?? 0, ints[other * INTS + ISIN_END] ?? 0, isinBytes, start, end));
      if (same === undefined) {
        if (made) made.push(day);
        else madeFor.set(hash, [day]);
      }
      isin[day] = same === undefined ? utf8Text(isinBytes, start, end) : (isin[same] ?? '');
      date[day] = this.dates[ints[i + DATE] ?? 0] ?? '';
    }
    return { count, isin, date, openPrice: field(OPEN_PRICE), closePrice: field(CLOSE_PRICE), minPrice: field(MIN_PRICE), maxPrice: field(MAX_PRICE), tradedVolume: field(VOLUME) };
  }

  /** The instrument-days, in the order they were first seen. */
  *values(): IterableIterator<InstrumentDay> {
    const { numbers: n, ints } = this;
    for (let day = 0; day < this.count; day++) {
      const o = day * NUMBERS;
      const i = day * INTS;
      yield {
        isin: utf8Text(this.isinBytes, ints[i + ISIN_START] ?? 0, ints[i + ISIN_END] ?? 0),
        date: this.dates[ints[i + DATE] ?? 0] ?? '',
        openPrice: n[o + OPEN_PRICE] ?? NaN,
        closePrice: n[o + CLOSE_PRICE] ?? NaN,
        minPrice: n[o + MIN_PRICE] ?? NaN,
        maxPrice: n[o + MAX_PRICE] ?? NaN,
        tradedVolume: n[o + VOLUME] ?? NaN,
      };
    }
  }

  /** The same days with the times that decided their opening and closing price. */
  *valuesWithTimes(): IterableIterator<InstrumentDayWithTimes> {
    let day = 0;
    for (const value of this.values()) {
      const o = day * NUMBERS;
      yield { ...value, openTime: timeText(this.numbers[o + OPEN_KEY] ?? 0, this.longTimes.get(day * 2)), closeTime: timeText(this.numbers[o + CLOSE_KEY] ?? 0, this.longTimes.get(day * 2 + 1)) };
      day += 1;
    }
  }

  /** The id of a date text, which `dayOf` takes. */
  dateId(date: string): number {
    let id = this.dateIds.get(date);
    if (id === undefined) {
      id = this.dates.length;
      this.dates.push(date);
      this.dateIds.set(date, id);
    }
    return id;
  }

  /** The day of the ISIN whose UTF-8 bytes are `buf[start..end)` on date `dateId`, created empty if new. */
  dayOf(buf: Uint8Array, start: number, end: number, dateId: number): number {
    let hash = 0x811c9dc5;
    for (let p = start; p < end; p++) hash = Math.imul(hash ^ (buf[p] ?? 0), 0x01000193);
    // FNV's multiplications carry only upwards: mix the high bits into the low ones the table uses.
    return this.find(buf, start, end, Math.imul(hash ^ (hash >>> 16), 0x45d9f3b), dateId);
  }

  /**
   * Folds one row into `day`. `time` is the row's time key (`timeKey`); `longTime` its text, needed
   * only when the key is of a time longer than six bytes.
   */
  fold(day: number, time: number, longTime: string | undefined, startPrice: number, minPrice: number, maxPrice: number, tradedVolume: number): void {
    const n = this.numbers;
    const o = day * NUMBERS;
    // Different keys decide at once; only equal keys may need the texts of long times.
    const open = n[o + OPEN_KEY] ?? 0;
    if (time !== open ? time < open : isLater(open, this.longTimes.get(day * 2), time, longTime, false)) this.setTime(day, OPEN_KEY, time, longTime, startPrice);
    const close = n[o + CLOSE_KEY] ?? 0;
    if (time !== close ? time > close : isLater(time, longTime, close, this.longTimes.get(day * 2 + 1), true)) this.setTime(day, CLOSE_KEY, time, longTime, startPrice);
    if (minPrice < (n[o + MIN_PRICE] ?? NaN)) n[o + MIN_PRICE] = minPrice;
    if (maxPrice > (n[o + MAX_PRICE] ?? NaN)) n[o + MAX_PRICE] = maxPrice;
    n[o + VOLUME] = (n[o + VOLUME] ?? 0) + tradedVolume;
  }

  /** Folds one row given as texts (the general reader, tests). */
  add(isin: string, date: string, time: string, startPrice: number, minPrice: number, maxPrice: number, tradedVolume: number): void {
    const isinBytes = encoder.encode(isin);
    const timeBytes = encoder.encode(time);
    const key = timeKey(timeBytes, 0, timeBytes.length);
    const day = this.dayOf(isinBytes, 0, isinBytes.length, this.dateId(date));
    this.fold(day, key, timeBytes.length > 6 ? time : undefined, startPrice, minPrice, maxPrice, tradedVolume);
  }

  /** Adds the days of an aggregator that read later sources, with the same tie rules as `fold`. */
  merge(later: DailyAggregator | DaysSnapshot): void {
    if (later instanceof DailyAggregator) {
      this.merge(later.view());
      return;
    }
    const n = later.numbers;
    const longTimes = new Map(later.longTimes);
    for (let day = 0; day < later.count; day++) {
      const o = day * NUMBERS;
      const i = day * INTS;
      const date = this.dateId(later.dates[later.ints[i + DATE] ?? 0] ?? '');
      const into = this.find(later.isinBytes, later.ints[i + ISIN_START] ?? 0, later.ints[i + ISIN_END] ?? 0, later.ints[i + HASH] ?? 0, date);
      const m = this.numbers;
      const t = into * NUMBERS;
      const openText = longTimes.get(day * 2);
      const closeText = longTimes.get(day * 2 + 1);
      if (isLater(m[t + OPEN_KEY] ?? 0, this.longTimes.get(into * 2), n[o + OPEN_KEY] ?? 0, openText, false)) this.setTime(into, OPEN_KEY, n[o + OPEN_KEY] ?? 0, openText, n[o + OPEN_PRICE] ?? NaN);
      if (isLater(n[o + CLOSE_KEY] ?? 0, closeText, m[t + CLOSE_KEY] ?? 0, this.longTimes.get(into * 2 + 1), true)) this.setTime(into, CLOSE_KEY, n[o + CLOSE_KEY] ?? 0, closeText, n[o + CLOSE_PRICE] ?? NaN);
      if ((n[o + MIN_PRICE] ?? NaN) < (m[t + MIN_PRICE] ?? NaN)) m[t + MIN_PRICE] = n[o + MIN_PRICE] ?? NaN;
      if ((n[o + MAX_PRICE] ?? NaN) > (m[t + MAX_PRICE] ?? NaN)) m[t + MAX_PRICE] = n[o + MAX_PRICE] ?? NaN;
      m[t + VOLUME] = (m[t + VOLUME] ?? 0) + (n[o + VOLUME] ?? 0);
    }
  }

  private setTime(day: number, at: typeof OPEN_KEY | typeof CLOSE_KEY, time: number, longTime: string | undefined, price: number): void {
    this.numbers[day * NUMBERS + at] = time;
    this.numbers[day * NUMBERS + at + 1] = price;
    if (longTime !== undefined) this.longTimes.set(day * 2 + (at === OPEN_KEY ? 0 : 1), longTime);
  }

  private find(buf: Uint8Array, start: number, end: number, hash: number, dateId: number): number {
    const mask = this.slots.length - 1;
    for (let slot = (hash ^ Math.imul(dateId + 1, 0x9e3779b1)) & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot] ?? 0;
      if (entry === 0) return this.create(slot, buf, start, end, hash, dateId);
      const i = (entry - 1) * INTS;
      const ints = this.ints;
      if (ints[i + HASH] === hash && ints[i + DATE] === dateId && sameBytes(this.isinBytes, ints[i + ISIN_START] ?? 0, ints[i + ISIN_END] ?? 0, buf, start, end)) return entry - 1;
    }
  }

  /** A new empty day: its first row then sets every field (any time is earlier than +∞ and later than −∞). */
  private create(slot: number, buf: Uint8Array, start: number, end: number, hash: number, dateId: number): number {
    const day = this.count;
    if (day === this.dayRoom) this.grow(Math.max(day * 2, INITIAL_DAYS), Math.max(this.isinRoom, day * 24));
    if (this.isinBytesUsed + end - start > this.isinRoom) this.grow(this.dayRoom, Math.max(this.isinRoom * 2, this.isinBytesUsed + end - start));
    // A loop, not set(subarray()): the view was 88 bytes of garbage per new day, 21 MiB over a 244,114-day read.
    for (let p = start, to = this.isinBytesUsed; p < end; p++, to++) this.isinBytes[to] = buf[p] ?? 0;
    const i = day * INTS;
    this.ints[i + ISIN_START] = this.isinBytesUsed;
    this.ints[i + ISIN_END] = this.isinBytesUsed + end - start;
    this.ints[i + DATE] = dateId;
    this.ints[i + HASH] = hash;
    this.isinBytesUsed += end - start;
    const o = day * NUMBERS;
    this.numbers[o + OPEN_KEY] = Infinity;
    this.numbers[o + OPEN_PRICE] = NaN;
    this.numbers[o + CLOSE_KEY] = -Infinity;
    this.numbers[o + CLOSE_PRICE] = NaN;
    this.numbers[o + MIN_PRICE] = Infinity;
    this.numbers[o + MAX_PRICE] = -Infinity;
    this.numbers[o + VOLUME] = 0;
    this.count += 1;
    this.slots[slot] = day + 1;
    if (this.count * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    return day;
  }

  /** A larger block, with the days and the table copied over (a slot found before still holds). */
  private grow(days: number, isinRoom: number): void {
    const { numbers, ints, isinBytes, slots, count } = this;
    this.allocate(days, isinRoom);
    this.numbers.set(numbers.subarray(0, count * NUMBERS));
    this.ints.set(ints.subarray(0, count * INTS));
    this.isinBytes.set(isinBytes.subarray(0, this.isinBytesUsed));
    this.table.set(slots);
    this.slots = this.table.subarray(0, slots.length);
  }

  /**
   * The table at `size` slots, in the pages it had (the block has room for a table of twice its days): built
   * again from the days, not from the old slots. A new table per doubling left the old ones to V8, which at 244,114
   * days still held 1–2 MiB of them at the read's end.
   */
  private rehash(size: number): void {
    this.slots = this.table.subarray(0, size);
    this.slots.fill(0);
    const mask = size - 1;
    for (let day = 0; day < this.count; day++) {
      const i = day * INTS;
      let slot = ((this.ints[i + HASH] ?? 0) ^ Math.imul((this.ints[i + DATE] ?? 0) + 1, 0x9e3779b1)) & mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
      this.slots[slot] = day + 1;
    }
  }
}

/** ISINs are ASCII: building the string from char codes is much cheaper than a TextDecoder call. */
function utf8Text(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let p = start; p < end; p++) {
    const byte = bytes[p] ?? 0;
    if (byte >= 0x80) return decoder.decode(bytes.subarray(start, end));
    text += String.fromCharCode(byte);
  }
  return text;
}

/** Slots for `days` days at most half full: a power of two, as `find` masks the hash. */
function tableSize(days: number): number {
  let size = INITIAL_DAYS * 2;
  while (size < days * 2) size *= 2;
  return size;
}

function sameBytes(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let k = 0; k < aEnd - aStart; k++) if (a[aStart + k] !== b[bStart + k]) return false;
  return true;
}
