// The shipped sample run (`npm start`: configs/local.yml, --today 2017-07-28) through the real CLI, with
// the target moved to a temp folder, the Parquet report read back with hyparquet, and the meta file's
// behaviour over three runs: first run, rerun with the same --today, and a later --today over a weekend.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readParquet, type ParquetContent } from '../support/parquet.js';
import { ensureBuilt, listFiles, runCli, sampleXetra, writeJobConfig, type CliResult } from '../support/run-cli.js';

const META_KEY = 'meta/report1/xetra_report1_meta_file.csv';
const COLUMNS = ['ISIN', 'Date', 'opening_price_eur', 'closing_price_eur', 'minimum_price_eur', 'maximum_price_eur', 'daily_traded_volume', 'change_prev_closing_%'];
const STAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

type Row = Record<string, unknown>;

let work: string;
let target: string;
let config: string;
let first: CliResult;
let reportKey: string;
let reportBytes: Uint8Array;
let rows: Row[];
let report: ParquetContent;
let metaAfterFirst: string;

beforeAll(async () => {
  await ensureBuilt();
  work = await mkdtemp(path.join(os.tmpdir(), 'xetra-sample-'));
  target = path.join(work, 'output', 'xetra-target');
  // configs/local.yml as shipped (first date 2017-07-24, parquet, meta key), only the endpoints moved.
  config = await writeJobConfig(work, { sourceBucketDir: sampleXetra, targetBucketDir: target });
  first = await runCli(['--config', config, '--today', '2017-07-28']);
  const reports = (await listFiles(target)).filter((f) => f.startsWith('report1/'));
  reportKey = reports.length === 1 ? (reports[0] ?? '') : `expected one report, found ${JSON.stringify(reports)}`;
  if (reports.length === 1) {
    reportBytes = new Uint8Array(await readFile(path.join(target, reportKey)));
    report = await readParquet(reportBytes);
    rows = report.rows;
  }
  metaAfterFirst = await readFile(path.join(target, META_KEY), 'utf8').catch(() => '');
}, 180_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

function row(isin: string, date: string): Row | undefined {
  return rows.find((r) => r.ISIN === isin && r.Date === date);
}

/** Reads a meta CSV into its timestamp column values, after checking the dates column. */
function metaStamps(text: string, dates: string[]): string[] {
  const lines = text.split('\n');
  expect(lines.at(-1)).toBe(''); // ends with a newline
  expect(lines[0]).toBe('source_date,datetime_of_processing');
  const body = lines.slice(1, -1).map((line) => line.split(','));
  expect(body.map((fields) => fields[0])).toEqual(dates);
  for (const fields of body) {
    expect(fields).toHaveLength(2);
    expect(fields[1]).toMatch(STAMP);
  }
  return body.map((fields) => fields[1] ?? '');
}

describe('sample run: configs/local.yml with --today 2017-07-28', () => {
  it('exits 0, writes one Parquet report and the meta file, and names the report on stdout', async () => {
    expect(first.code, first.stderr).toBe(0);
    expect(reportKey).toMatch(/^report1\/xetra_daily_report1_\d{8}_\d{6}\.parquet$/);
    expect(await listFiles(target)).toEqual([META_KEY, reportKey]);
    expect(first.stdout).toContain(`xetra-etl: report written to file:${path.join(target, reportKey)}\n`);
    expect(first.stdout).toContain('dates processed: 2017-07-24 .. 2017-07-28 (5)');
    expect(first.stdout).toContain('report rows:     144');
  });

  it('has the original columns, in order, with string dates and int64 volumes', () => {
    expect(report.columns.map((c) => c.name)).toEqual(COLUMNS);
    expect(report.columns.map((c) => c.type)).toEqual(['BYTE_ARRAY', 'BYTE_ARRAY', 'DOUBLE', 'DOUBLE', 'DOUBLE', 'DOUBLE', 'INT64', 'DOUBLE']);
    expect(report.columns.slice(0, 2).map((c) => c.annotation)).toEqual(['UTF8', 'UTF8']);
    expect(Object.keys(rows[0] ?? {})).toEqual(COLUMNS);
  });

  it('has one row per ISIN and trading day 2017-07-24 .. 28, sorted by ISIN then Date', () => {
    // 144 = distinct (ISIN, Date) pairs in sample/xetra/2017-07-2[4-8]/*.csv (Python csv module count).
    expect(rows).toHaveLength(144);
    const keys = rows.map((r) => `${String(r.ISIN)} ${String(r.Date)}`);
    expect(new Set(keys).size).toBe(144);
    expect(keys).toEqual([...keys].sort());
    // 39 of the sample's 40 ISINs trade in 07-24 .. 28 (one only on Friday 07-21).
    expect(new Set(rows.map((r) => r.ISIN)).size).toBe(39);
    // Nothing before the first extract date: the day before (Sunday 07-23) only feeds the change.
    expect([...new Set(rows.map((r) => r.Date))].sort()).toEqual(['2017-07-24', '2017-07-25', '2017-07-26', '2017-07-27', '2017-07-28']);
  });

  it('has no change on Monday 2017-07-24: the look-back is one calendar day (Sunday)', () => {
    const monday = rows.filter((r) => r.Date === '2017-07-24');
    expect(monday.length).toBeGreaterThan(20);
    expect(monday.map((r) => r['change_prev_closing_%'])).toEqual(monday.map(() => null));
    // ...while later days do have changes.
    expect(rows.filter((r) => r.Date === '2017-07-25' && typeof r['change_prev_closing_%'] === 'number').length).toBeGreaterThan(20);
  });

  it('matches hand-computed values from the sample CSV lines', () => {
    // SAP DE0007164600 2017-07-25: 505 rows in sample/xetra/2017-07-25/*.csv.
    //   earliest minute: ...,2017-07-25,07:00,88.8,89,88.8,89,3112,11          -> open  = StartPrice 88.8
    //   latest minute:   ...,2017-07-25,15:29,89.12,89.13,89.01,89.06,11597,53 -> close = StartPrice 89.12 (EndPrice is 89.06)
    //   lowest MinPrice  ...,2017-07-25,09:01,88.55,88.6,88.53,88.57,10689,35  -> min 88.53
    //   highest MaxPrice ...,2017-07-25,13:03,89.47,89.49,89.46,89.46,2118,18  -> max 89.49
    //   TradedVolume summed over the 505 rows = 1426245
    //     (grep -h '^"DE0007164600"' sample/xetra/2017-07-25/*.csv | awk -F, '{v+=$13} END{print v}')
    //   change vs 2017-07-24 open (2017-07-24,07:00,89.29,...): (88.8 - 89.29) / 89.29 * 100 = -0.5487... -> -0.55
    expect(row('DE0007164600', '2017-07-25')).toEqual({
      ISIN: 'DE0007164600',
      Date: '2017-07-25',
      opening_price_eur: 88.8,
      closing_price_eur: 89.12,
      minimum_price_eur: 88.53,
      maximum_price_eur: 89.49,
      daily_traded_volume: 1426245n,
      'change_prev_closing_%': -0.55,
    });

    // RAIFFEISEN AT0000606306 2017-07-27: 26 rows.
    //   earliest: ...,2017-07-27,07:05,24.485,24.485,24.485,24.485,198,1 -> open 24.485; 24.485*100 = 2448.5 in float64,
    //             a tie, rounds half-even to 2448 -> 24.48 (half-up would give 24.49)
    //   latest:   ...,2017-07-27,15:29,24.9,24.9,24.9,24.9,191,1          -> close 24.9
    //   lowest:   ...,2017-07-27,10:03,24.52,24.52,24.245,24.495,268,4     -> min 24.245 -> 2424.5 -> 24.24 (half-even)
    //   highest:  ...,2017-07-27,12:33,24.91,24.91,24.91,24.91,150,1       -> max 24.91
    //   volume sum of the 26 rows = 12331
    //   change vs 2017-07-26 open (07:04,23.6): (24.485 - 23.6) / 23.6 * 100 = 3.7499999999999916 -> 3.75
    expect(row('AT0000606306', '2017-07-27')).toEqual({
      ISIN: 'AT0000606306',
      Date: '2017-07-27',
      opening_price_eur: 24.48,
      closing_price_eur: 24.9,
      minimum_price_eur: 24.24,
      maximum_price_eur: 24.91,
      daily_traded_volume: 12331n,
      'change_prev_closing_%': 3.75,
    });

    // S IMMO AT0000652250 2017-07-28: one row ...,2017-07-28,13:09,12.505,12.505,12.505,12.505,1000,1
    //   12.505*100 = 1250.5 (a float64 tie) -> 1250 -> 12.5 for all four prices (half-up: 12.51).
    //   Its previous data day is 2017-07-21, outside the window (07-23 .. 07-28) -> change null.
    expect(row('AT0000652250', '2017-07-28')).toEqual({
      ISIN: 'AT0000652250',
      Date: '2017-07-28',
      opening_price_eur: 12.5,
      closing_price_eur: 12.5,
      minimum_price_eur: 12.5,
      maximum_price_eur: 12.5,
      daily_traded_volume: 1000n,
      'change_prev_closing_%': null,
    });

    // ETFS DE000A0V9YZ7 2017-07-25: three rows
    //   08:05,33.84,33.84,33.84,33.84,6006 / 09:05,33.93,...,20 / 11:45,33.78,...,20
    //   open 33.84, close 33.78, min 33.78, max 33.93, volume 6006+20+20 = 6046
    //   change vs 2017-07-24 (one row 08:58,34.07,...,0): (33.84 - 34.07) / 34.07 * 100 = -0.675... -> -0.68
    expect(row('DE000A0V9YZ7', '2017-07-25')).toEqual({
      ISIN: 'DE000A0V9YZ7',
      Date: '2017-07-25',
      opening_price_eur: 33.84,
      closing_price_eur: 33.78,
      minimum_price_eur: 33.78,
      maximum_price_eur: 33.93,
      daily_traded_volume: 6046n,
      'change_prev_closing_%': -0.68,
    });
    // ...and its Monday: one row with volume 0, kept; no change (Sunday is the day before).
    expect(row('DE000A0V9YZ7', '2017-07-24')).toMatchObject({ opening_price_eur: 34.07, closing_price_eur: 34.07, daily_traded_volume: 0n, 'change_prev_closing_%': null });

    // LINDT CH0010570767 2017-07-27: 07:41,4845,4845,4845,4845,1 / 09:33,4816.05,4816.05,4816,4816.05,27 /
    //   13:17,4839.25,4839.25,4839.25,4839.25,3 -> open 4845, close 4839.25, min 4816 (a MinPrice below every
    //   StartPrice), max 4845, volume 31; vs 2017-07-26 open 4855.7: (4845 - 4855.7) / 4855.7 * 100 = -0.2203... -> -0.22
    expect(row('CH0010570767', '2017-07-27')).toEqual({
      ISIN: 'CH0010570767',
      Date: '2017-07-27',
      opening_price_eur: 4845,
      closing_price_eur: 4839.25,
      minimum_price_eur: 4816,
      maximum_price_eur: 4845,
      daily_traded_volume: 31n,
      'change_prev_closing_%': -0.22,
    });
  });

  it('writes the meta file: source_date 2017-07-24 .. 28, all with one local timestamp of this run', () => {
    const stamps = metaStamps(metaAfterFirst, ['2017-07-24', '2017-07-25', '2017-07-26', '2017-07-27', '2017-07-28']);
    expect(new Set(stamps).size).toBe(1);
    // Local wall-clock time of the run, not the pinned --today (child and test share TZ).
    const [date = '', time = ''] = (stamps[0] ?? '').split(' ');
    const [y = 0, mo = 0, d = 0] = date.split('-').map(Number);
    const [h = 0, mi = 0, s = 0] = time.split(':').map(Number);
    expect(Math.abs(new Date(y, mo - 1, d, h, mi, s).getTime() - Date.now())).toBeLessThan(10 * 60_000);
  });

  describe('later runs on the same target', () => {
    it('a rerun with the same --today writes no report and leaves the meta file byte-identical', async () => {
      const before = await readFile(path.join(target, META_KEY));
      const again = await runCli(['--config', config, '--today', '2017-07-28']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain('xetra-etl: no report written');
      expect(again.stdout).toContain('dates processed: none');
      expect(await listFiles(target)).toEqual([META_KEY, reportKey]);
      expect(Buffer.compare(await readFile(path.join(target, META_KEY)), before)).toBe(0);
    });

    it('--today 2017-07-30 records the weekend 07-29/30 in the meta file but writes no report', async () => {
      // Dates missing: 07-29, 07-30 -> extract 07-28 .. 07-30; 07-28 only feeds the change and the weekend files
      // are header-only, so the report is empty and not written, yet both days are marked processed.
      const weekend = await runCli(['--config', config, '--today', '2017-07-30']);
      expect(weekend.code, weekend.stderr).toBe(0);
      expect(weekend.stdout).toContain('xetra-etl: no report written');
      expect(weekend.stdout).toContain('dates processed: 2017-07-29 .. 2017-07-30 (2)');
      expect(await listFiles(target)).toEqual([META_KEY, reportKey]);
      const meta = await readFile(path.join(target, META_KEY), 'utf8');
      expect(meta.startsWith(metaAfterFirst)).toBe(true);
      const stamps = metaStamps(meta, ['2017-07-24', '2017-07-25', '2017-07-26', '2017-07-27', '2017-07-28', '2017-07-29', '2017-07-30']);
      expect(stamps[5]).toBe(stamps[6]);
    });
  });
});
