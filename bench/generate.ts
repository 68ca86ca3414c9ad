/**
 * Seeded synthetic Xetra data in the bucket layout (`YYYY-MM-DD/YYYY-MM-DD_BINS_XETRhh.csv`, 24 files
 * per calendar day), shaped like the real files (../shared/spec/xetra-data.md): the real header, the 5
 * string columns quoted, SecurityDesc with commas and runs of spaces, prices with 0–4 decimals and
 * whole numbers without a decimal point, rows sorted by Time then SecurityID, LF endings. Liquidity is
 * skewed (a few instruments trade every minute, most a few minutes a day), some instruments are listed
 * or delisted mid-week, new listings show up at 04:00 UTC with volume 0 (some with no Mnemonic, so the
 * row is dropped), volume-0 rows at 19:30 UTC, weekends and off-hours are header-only files, and the
 * session moves with DST. Data sets are cached by generator version, seed and size.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Bump whenever the output changes, so cached data sets are regenerated. */
const GENERATOR_VERSION = 1;
const HEADER = 'ISIN,Mnemonic,SecurityDesc,SecurityType,Currency,SecurityID,Date,Time,StartPrice,MaxPrice,MinPrice,EndPrice,TradedVolume,NumberOfTrades';
const SESSION_MINUTES = 511; // 09:00–17:30 Frankfurt, the last minute is the closing auction
const FIRST_SUNDAY = Date.UTC(2017, 6, 2); // the window starts the day before the first Monday
const DAY_MS = 86_400_000;

export interface DatasetSpec {
  readonly name: string;
  readonly tradingDays: number;
  readonly isins: number;
  readonly rowsPerDay: number;
}

export const SIZES: Readonly<Record<string, DatasetSpec>> = {
  smoke: { name: 'smoke', tradingDays: 2, isins: 300, rowsPerDay: 11_000 },
  '1m': { name: '1m', tradingDays: 5, isins: 3_000, rowsPerDay: 226_000 },
  '4m': { name: '4m', tradingDays: 20, isins: 3_000, rowsPerDay: 226_000 },
  '20m': { name: '20m', tradingDays: 100, isins: 3_000, rowsPerDay: 226_000 },
};

export interface Dataset {
  readonly spec: DatasetSpec;
  readonly seed: number;
  /** The source bucket folder: date folders below it. */
  readonly bucketDir: string;
  /** Every calendar day generated, the job's whole window (the first is a Sunday, the day before the extract date). */
  readonly dates: string[];
  readonly firstExtractDate: string;
  readonly today: string;
  readonly files: number;
  readonly rows: number;
  readonly bytes: number;
}

/** Returns the cached data set for `spec` and `seed`, generating it first if needed. */
export async function ensureDataset(spec: DatasetSpec, seed: number, cacheRoot = path.join(tmpdir(), 'xetra-etl-bench')): Promise<Dataset> {
  const dir = path.join(cacheRoot, `g${GENERATOR_VERSION}-seed${seed}-${spec.name}`);
  const manifest = path.join(dir, 'manifest.json');
  if (existsSync(manifest)) return JSON.parse(await readFile(manifest, 'utf8')) as Dataset;
  const partial = `${dir}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  const counts = await generate(spec, seed, path.join(partial, 'xetra'));
  const dataset: Dataset = { spec, seed, bucketDir: path.join(dir, 'xetra'), ...counts };
  await writeFile(path.join(partial, 'manifest.json'), JSON.stringify(dataset, null, 2));
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  return dataset;
}

/** sfc32: small, fast, seedable; `next()` is uniform in [0, 1). */
class Rng {
  private s: Uint32Array;
  constructor(seed: number) {
    this.s = new Uint32Array([0x9e3779b9, 0x243f6a88, 0xb7e15162, seed >>> 0]);
    for (let i = 0; i < 15; i++) this.next();
  }
  next(): number {
    const s = this.s;
    const t = (((s[0] ?? 0) + (s[1] ?? 0)) >>> 0) + (s[3] ?? 0);
    s[3] = (s[3] ?? 0) + 1;
    s[0] = (s[1] ?? 0) ^ ((s[1] ?? 0) >>> 9);
    s[1] = (s[2] ?? 0) + ((s[2] ?? 0) << 3);
    s[2] = (((s[2] ?? 0) << 21) | ((s[2] ?? 0) >>> 11)) + t;
    return (t >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
  /** Fisher–Yates, in place. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
    }
    return xs;
  }
  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next());
  }
}

interface Instrument {
  readonly isin: string;
  readonly mnemonic: string;
  readonly desc: string;
  readonly type: string;
  readonly currency: string;
  securityId: number;
  /** Expected trading minutes per day. */
  readonly minutesPerDay: number;
  readonly decimals: number;
  ticks: number;
  readonly step: number;
  readonly lot: number;
  /** Trading-day indices of the first and last listed day. */
  readonly firstDay: number;
  readonly lastDay: number;
}

const TYPES: readonly [string, number, readonly string[]][] = [
  ['Common stock', 0.44, ['DE', 'DE', 'DE', 'US', 'US', 'FR', 'CH', 'NL', 'GB', 'AT', 'DK', 'IT']],
  ['ETF', 0.49, ['IE', 'IE', 'LU', 'LU', 'DE', 'FR']],
  ['ETC', 0.05, ['DE', 'JE', 'IE', 'XS']],
  ['ETN', 0.015, ['DE', 'XS', 'GB']],
  ['Other', 0.005, ['CH', 'DE']],
];
const NAMES = 'ALLIANZ SIEMENS DEUTSCHE BANK ZURICH INSUR.GR CITIGROUP STE GENERALE LLOYDS BKG GRP AIXTRON ADIDAS LYXOR ISHARES XTRACKERS AMUNDI MSCI WORLD EUROPE STOXX CORE DAX GLOBAL DIVIDEND GOLD SILVER BNPP BOERSE HOLDING TECH ENERGY PHARMA REAL ESTATE'.split(' ');
const STOCK_SUFFIXES = ['INH. O.N.', 'NA O.N.', 'DL -,01', 'EO 1,25', 'LS-,10', 'SF 0,10', 'VZO O.N.', 'AG', 'SE', 'INC.', 'NAM. DK 5', 'O.N.', 'VNA', 'PLC', 'S.A.', 'N.V.'];
const FUND_SUFFIXES = ['UCITS ETF', 'ETF(DR)1C', 'UC.ETF DL', 'ETF EUR ACC', 'DL -,01 ETF', 'ETC', 'UECDL'];
const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const CHARS = Array.from(ALNUM);
const LETTERS = CHARS.slice(10);

function isinCheckDigit(body: string): number {
  const digits = Array.from(body, (c) => String(ALNUM.indexOf(c))).join('');
  let sum = 0;
  for (let i = digits.length - 1, double = true; i >= 0; i--, double = !double) {
    const d = Number(digits[i]) * (double ? 2 : 1);
    sum += d > 9 ? d - 9 : d;
  }
  return (10 - (sum % 10)) % 10;
}

function makeInstruments(spec: DatasetSpec, rng: Rng): Instrument[] {
  const used = new Set<string>();
  const listings = Math.round(spec.tradingDays * 2); // about two new listings and one delisting a day
  const out: Instrument[] = [];
  for (let i = 0; i < spec.isins; i++) {
    let u = rng.next();
    const [type, , countries] = TYPES.find(([, share]) => (u -= share) < 0) ?? ['Common stock', 1, ['DE']];
    let isin = '';
    while (isin === '' || used.has(isin)) {
      const country = rng.pick(countries);
      const body = country + (country === 'DE' ? '000' : '') + Array.from({ length: country === 'DE' ? 6 : 9 }, () => (rng.next() < 0.7 ? String(rng.int(10)) : rng.pick(CHARS))).join('');
      isin = body + String(isinCheckDigit(body));
    }
    used.add(isin);
    const mnemonic = rng.next() < 0.05 ? String(100 + rng.int(9900)) : Array.from({ length: 3 + rng.int(2) }, (_, k) => (k > 0 || rng.next() < 0.9 ? rng.pick(LETTERS) : String(rng.int(10)))).join('');
    const suffixes = type === 'Common stock' || type === 'Other' ? STOCK_SUFFIXES : FUND_SUFFIXES;
    const desc = `${rng.pick(NAMES)}${rng.next() < 0.15 ? '     ' : ' '}${rng.pick(NAMES)} ${rng.pick(suffixes)}`.slice(0, 25).trimEnd();
    const price = rng.next() < 0.005 ? 10_000 * 30 ** rng.next() : Math.min(5_000, 30 * Math.exp(1.3 * rng.normal()));
    const decimals = price < 1 ? 4 : price < 10 ? 3 : price < 500 ? 2 : price < 2_000 ? 1 : 0;
    const ticks = Math.max(1, Math.round(price * 10 ** decimals));
    const newListing = i >= spec.isins - listings && spec.tradingDays > 1;
    const delisted = !newListing && rng.next() < spec.tradingDays / 2 / spec.isins;
    out.push({
      isin, mnemonic, desc, type,
      currency: type === 'ETF' && rng.next() < 0.01 ? rng.pick(['USD', 'SEK']) : 'EUR',
      securityId: 0,
      minutesPerDay: 0,
      decimals, ticks,
      step: Math.max(0.6, ticks * 0.0008),
      lot: Math.max(1, Math.round(3_000 / price)),
      firstDay: newListing ? 1 + rng.int(spec.tradingDays - 1) : 0,
      lastDay: delisted ? rng.int(spec.tradingDays - 1) : spec.tradingDays - 1,
    });
  }
  // SecurityIDs ascend in listing order: existing instruments first, new listings above them.
  rng.shuffle(out).sort((a, b) => a.firstDay - b.firstDay);
  let id = 2_504_156;
  for (const instrument of out) instrument.securityId = id += 1 + rng.int(instrument.firstDay > 0 ? 20_000 : 150);
  // Skewed liquidity: minutes/day is lognormal (sigma 2.5), capped at 505, its median chosen so the expected rows/day hit
  // the target: about 5 % of the instruments trade nearly every minute, the median one ~10 minutes, a fifth less than once a day.
  const z = out.map(() => rng.normal());
  const perDay = (mu: number): number => z.reduce((sum, zi) => sum + Math.min(505, Math.exp(mu + 2.5 * zi)), 0);
  let [lo, hi] = [-20, 20];
  for (let k = 0; k < 60; k++) [lo, hi] = perDay((lo + hi) / 2) < spec.rowsPerDay ? [(lo + hi) / 2, hi] : [lo, (lo + hi) / 2];
  return out.map((instrument, i) => ({ ...instrument, minutesPerDay: Math.min(505, Math.exp(lo + 2.5 * (z[i] ?? 0))) }));
}

/** Intraday activity: busier after the open and before the close, the closing auction busiest. Mean 1. */
function minuteWeights(): Float64Array {
  const w = new Float64Array(SESSION_MINUTES).map((_, m) => 0.75 + 0.5 * Math.exp(-m / 60) + 0.6 * Math.exp(-(SESSION_MINUTES - 1 - m) / 90));
  w[SESSION_MINUTES - 1] = 3;
  const mean = w.reduce((a, b) => a + b, 0) / w.length;
  return w.map((x) => x / mean);
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

async function generate(spec: DatasetSpec, seed: number, bucketDir: string): Promise<Omit<Dataset, 'spec' | 'seed' | 'bucketDir'>> {
  const rng = new Rng(seed);
  const instruments = makeInstruments(spec, rng);
  const weights = minuteWeights();
  const pow = [1, 10, 100, 1_000, 10_000];
  const price = (t: number, d: number): string => String(t / (pow[d] ?? 1));
  const line = (x: Instrument, date: string, time: string, open: number, high: number, low: number, close: number, volume: number, trades: number, mnemonic = x.mnemonic): string =>
    `"${x.isin}","${mnemonic}","${x.desc}","${x.type}","${x.currency}",${x.securityId},${date},${time},${price(open, x.decimals)},${price(high, x.decimals)},${price(low, x.decimals)},${price(close, x.decimals)},${volume},${trades}`;
  const dates: string[] = [];
  let [files, rows, bytes, tradingDay] = [0, 0, 0, 0];
  for (let day = 0; tradingDay < spec.tradingDays; day++) {
    const t = FIRST_SUNDAY + day * DAY_MS;
    const date = new Date(t).toISOString().slice(0, 10);
    dates.push(date);
    // Lines are joined in small batches: keeping 200,000 short-lived strings a day alive costs more GC than generating them.
    const hours: { parts: string[]; batch: string[]; rows: number }[] = Array.from({ length: 24 }, () => ({ parts: [], batch: [], rows: 0 }));
    const emit = (hour: number, text: string): void => {
      const h = hours[hour];
      if (!h) return;
      h.rows++;
      if (h.batch.push(text) >= 1024) h.parts.push(h.batch.splice(0).join('\n'));
    };
    const weekday = new Date(t).getUTCDay();
    if (weekday >= 1 && weekday <= 5) {
      const d = tradingDay++;
      const winter = t >= Date.UTC(2017, 9, 29); // CET from the last Sunday of October 2017
      const open = winter ? 8 : 7;
      const listed = instruments.filter((x) => x.firstDay <= d && d <= x.lastDay);
      for (const x of listed.filter((y) => y.firstDay === d && d > 0 && rng.next() < 0.7)) {
        emit(open - 3, line(x, date, `${pad2(open - 3)}:00`, x.ticks, x.ticks, x.ticks, x.ticks, 0, 1, rng.next() < 0.2 ? '' : x.mnemonic));
      }
      const activity = listed.map((x) => (x.minutesPerDay / SESSION_MINUTES) * Math.exp(0.5 * rng.normal() - 0.125));
      for (let m = 0; m < SESSION_MINUTES; m++) {
        const hour = open + Math.floor(m / 60);
        const time = `${pad2(hour)}:${pad2(m % 60)}`;
        const w = weights[m] ?? 1;
        for (let i = 0; i < listed.length; i++) {
          if (rng.next() >= (activity[i] ?? 0) * w) continue;
          const x = listed[i] as Instrument;
          const first = Math.max(1, x.ticks + (rng.next() < 0.1 ? Math.round(rng.normal() * x.step) : 0));
          const last = Math.max(1, first + Math.round(rng.normal() * x.step));
          const high = Math.max(first, last) + (rng.next() < 0.3 ? rng.int(Math.ceil(x.step)) : 0);
          const low = Math.max(1, Math.min(first, last) - (rng.next() < 0.3 ? rng.int(Math.ceil(x.step)) : 0));
          const volume = rng.next() < 0.002 ? 0 : Math.max(1, Math.round(x.lot * Math.exp(1.2 * rng.normal())));
          emit(hour, line(x, date, time, first, high, low, last, volume, 1 + Math.floor(-Math.log(1 - rng.next()) * 2)));
          x.ticks = last;
        }
      }
      const late = rng.shuffle([...listed.keys()]).slice(0, 1 + Math.floor(rng.next() ** 3 * 52)).sort((a, b) => a - b);
      for (const x of late.map((i) => listed[i] as Instrument)) emit(open + 12, line(x, date, `${pad2(open + 12)}:30`, x.ticks, x.ticks, x.ticks, x.ticks, 0, 1));
    }
    await mkdir(path.join(bucketDir, date), { recursive: true });
    for (let hour = 0; hour < 24; hour++) {
      const { parts, batch, rows: n } = hours[hour] ?? { parts: [], batch: [], rows: 0 };
      const body = [HEADER, ...parts, ...(batch.length ? [batch.join('\n')] : [])].join('\n') + '\n';
      await writeFile(path.join(bucketDir, date, `${date}_BINS_XETR${pad2(hour)}.csv`), body);
      [files, rows, bytes] = [files + 1, rows + n, bytes + Buffer.byteLength(body)];
    }
  }
  return { dates, firstExtractDate: dates[1] ?? '', today: dates.at(-1) ?? '', files, rows, bytes };
}
