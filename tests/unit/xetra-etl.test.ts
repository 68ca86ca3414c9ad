// Port of the original's tests/transformers/test_xetra_transformer.py (spec §6.3): the 6 XetraETL
// unit tests, through the real S3ObjectStore, S3BucketConnector and MetaProcess against an
// in-memory S3 behind aws-sdk-client-mock.
//
// The original patches MetaProcess.return_date_list to force (extract_date, extract_date_list).
// Here nothing is patched: each test seeds the meta file in the target bucket and picks "today"
// (a fixed clock) so that XetraETL.create computes those values itself, and asserts that it did.
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/common/clock.js';
import type { Frame } from '../../src/common/frame.js';
import { S3BucketConnector } from '../../src/common/s3.js';
import { loadConfig } from '../../src/config/load-config.js';
import { sourceSchema, type XetraSourceConfig, type XetraTargetConfig } from '../../src/config/schema.js';
import { DailyAggregator, type InstrumentDayWithTimes } from '../../src/report/instrument-day.js';
import { S3ObjectStore } from '../../src/storage/s3-store.js';
import { XetraETL, type Extracted } from '../../src/transformers/xetra-etl.js';
import { mockS3, type MockedS3 } from '../support/mock-s3.js';
import { captureLogger, fixedClock, type CapturedLogger } from './test-helpers.js';
import { readParquet } from '../support/parquet.js';

const ENDPOINT = 'https://s3.eu-central-1.amazonaws.com';
const SRC_BUCKET = 'src-bucket';
const TRG_BUCKET = 'trg-bucket';
const SRC_LOCATION = `${ENDPOINT}/${SRC_BUCKET}`;
const TRG_LOCATION = `${ENDPOINT}/${TRG_BUCKET}`;
const META_KEY = 'meta_key';
const TRG_KEY = 'report1/xetra_daily_report1_';

const configFile = fileURLToPath(new URL('../../configs/local.yml', import.meta.url));

/** The source fixture df_src; row i is stored as its own CSV object under KEYS[i]. */
const SRC_COLUMNS = ['ISIN', 'Mnemonic', 'Date', 'Time', 'StartPrice', 'EndPrice', 'MinPrice', 'MaxPrice', 'TradedVolume'];
type SrcRow = [key: string, isin: string, mnemonic: string, date: string, time: string, start: number, end: number, min: number, max: number, volume: number];
const DF_SRC: readonly SrcRow[] = [
  ['2021-04-15/2021-04-15_BINS_XETR12.csv', 'AT0000A0E9W5', 'SANT', '2021-04-15', '12:00', 20.19, 18.45, 18.2, 20.33, 877],
  ['2021-04-16/2021-04-16_BINS_XETR15.csv', 'AT0000A0E9W5', 'SANT', '2021-04-16', '15:00', 18.27, 21.19, 18.27, 21.34, 987],
  ['2021-04-17/2021-04-17_BINS_XETR13.csv', 'AT0000A0E9W5', 'SANT', '2021-04-17', '13:00', 20.21, 18.27, 18.21, 20.42, 633],
  ['2021-04-17/2021-04-17_BINS_XETR14.csv', 'AT0000A0E9W5', 'SANT', '2021-04-17', '14:00', 18.27, 21.19, 18.27, 21.34, 455],
  ['2021-04-18/2021-04-18_BINS_XETR07.csv', 'AT0000A0E9W5', 'SANT', '2021-04-18', '07:00', 20.58, 19.27, 18.89, 20.58, 9066],
  ['2021-04-18/2021-04-18_BINS_XETR08.csv', 'AT0000A0E9W5', 'SANT', '2021-04-18', '08:00', 19.27, 21.14, 19.27, 21.14, 1220],
  ['2021-04-19/2021-04-19_BINS_XETR07.csv', 'AT0000A0E9W5', 'SANT', '2021-04-19', '07:00', 23.58, 23.58, 23.58, 23.58, 1035],
  ['2021-04-19/2021-04-19_BINS_XETR08.csv', 'AT0000A0E9W5', 'SANT', '2021-04-19', '08:00', 23.58, 24.22, 23.31, 24.34, 1028],
  ['2021-04-19/2021-04-19_BINS_XETR09.csv', 'AT0000A0E9W5', 'SANT', '2021-04-19', '09:00', 24.22, 22.21, 22.21, 25.01, 1523],
];

/** df_src.loc[i:i] as a frame, the way the original's setUp writes each source object. */
function srcRowFrame(row: SrcRow): Frame {
  const [, isin, mnemonic, date, time, start, end, min, max, volume] = row;
  return {
    columns: [
      { name: 'ISIN', type: 'string', values: [isin] },
      { name: 'Mnemonic', type: 'string', values: [mnemonic] },
      { name: 'Date', type: 'string', values: [date] },
      { name: 'Time', type: 'string', values: [time] },
      { name: 'StartPrice', type: 'double', values: [start] },
      { name: 'EndPrice', type: 'double', values: [end] },
      { name: 'MinPrice', type: 'double', values: [min] },
      { name: 'MaxPrice', type: 'double', values: [max] },
      { name: 'TradedVolume', type: 'int64', values: [volume] },
    ],
  };
}

/** The expected report df_report, numbers copied from the spec. */
const REPORT_COLUMNS = ['ISIN', 'Date', 'opening_price_eur', 'closing_price_eur', 'minimum_price_eur', 'maximum_price_eur', 'daily_traded_volume', 'change_prev_closing_%'];
const DF_REPORT: Frame = {
  columns: [
    { name: 'ISIN', type: 'string', values: ['AT0000A0E9W5', 'AT0000A0E9W5', 'AT0000A0E9W5'] },
    { name: 'Date', type: 'string', values: ['2021-04-17', '2021-04-18', '2021-04-19'] },
    { name: 'opening_price_eur', type: 'double', values: [20.21, 20.58, 23.58] },
    { name: 'closing_price_eur', type: 'double', values: [18.27, 19.27, 24.22] },
    { name: 'minimum_price_eur', type: 'double', values: [18.21, 18.89, 22.21] },
    { name: 'maximum_price_eur', type: 'double', values: [21.34, 21.14, 25.01] },
    { name: 'daily_traded_volume', type: 'int64', values: [1088, 10286, 3586] },
    { name: 'change_prev_closing_%', type: 'double', values: [10.62, 1.83, 14.58] },
  ],
};
/** df_report as hyparquet reads it back: strings, doubles as numbers, INT64 as bigint. */
const DF_REPORT_PARQUET_ROWS = [
  { ISIN: 'AT0000A0E9W5', Date: '2021-04-17', opening_price_eur: 20.21, closing_price_eur: 18.27, minimum_price_eur: 18.21, maximum_price_eur: 21.34, daily_traded_volume: 1088n, 'change_prev_closing_%': 10.62 },
  { ISIN: 'AT0000A0E9W5', Date: '2021-04-18', opening_price_eur: 20.58, closing_price_eur: 19.27, minimum_price_eur: 18.89, maximum_price_eur: 21.14, daily_traded_volume: 10286n, 'change_prev_closing_%': 1.83 },
  { ISIN: 'AT0000A0E9W5', Date: '2021-04-19', opening_price_eur: 23.58, closing_price_eur: 24.22, minimum_price_eur: 22.21, maximum_price_eur: 25.01, daily_traded_volume: 3586n, 'change_prev_closing_%': 14.58 },
];
/** The Parquet schema pandas/pyarrow gives df_report: Date a UTF-8 string, volume INT64, no index column. */
const DF_REPORT_PARQUET_COLUMNS = [
  { name: 'ISIN', type: 'BYTE_ARRAY', annotation: 'UTF8' },
  { name: 'Date', type: 'BYTE_ARRAY', annotation: 'UTF8' },
  { name: 'opening_price_eur', type: 'DOUBLE', annotation: undefined },
  { name: 'closing_price_eur', type: 'DOUBLE', annotation: undefined },
  { name: 'minimum_price_eur', type: 'DOUBLE', annotation: undefined },
  { name: 'maximum_price_eur', type: 'DOUBLE', annotation: undefined },
  { name: 'daily_traded_volume', type: 'INT64', annotation: undefined },
  { name: 'change_prev_closing_%', type: 'DOUBLE', annotation: undefined },
];

/** Meta rows already processed before each run: 2021-04-01 (src_first_extract_date) to `lastDay` of April. */
function seededMeta(lastDay: number): string[] {
  return Array.from({ length: lastDay }, (_, i) => `2021-04-${String(i + 1).padStart(2, '0')},2021-04-${String(lastDay).padStart(2, '0')} 09:00:00`);
}

/** "Now" on 2021-04-`day` at 10:15:30 local time; today is that date. */
function clockOn(day: number): Clock {
  return fixedClock(new Date(2021, 3, day, 10, 15, 30));
}

describe('XetraETL (test_xetra_transformer.py)', () => {
  let mock: MockedS3;
  let logs: CapturedLogger;
  let src: S3BucketConnector;
  let trg: S3BucketConnector;
  let sourceConfig: XetraSourceConfig;
  let targetConfig: XetraTargetConfig;

  beforeEach(async () => {
    mock = mockS3(SRC_BUCKET, TRG_BUCKET);
    logs = captureLogger();
    src = new S3BucketConnector(new S3ObjectStore(mock.client, SRC_BUCKET, SRC_LOCATION), logs.logger);
    trg = new S3BucketConnector(new S3ObjectStore(mock.client, TRG_BUCKET, TRG_LOCATION), logs.logger);
    const { config } = await loadConfig(configFile);
    sourceConfig = sourceSchema.parse({ ...config.source, src_first_extract_date: '2021-04-01' });
    targetConfig = config.target;
    for (const row of DF_SRC) await src.writeFrameToS3(srcRowFrame(row), row[0], 'csv');
    expect(mock.s3.keys(SRC_BUCKET)).toEqual(DF_SRC.map(([key]) => key));
    // What pandas' to_csv writes for df_src.loc[0:0] (floats in repr form: 18.20 -> 18.2).
    expect(mock.s3.text(SRC_BUCKET, DF_SRC[0]?.[0] ?? '')).toBe(`${SRC_COLUMNS.join(',')}\nAT0000A0E9W5,SANT,2021-04-15,12:00,20.19,18.45,18.2,20.33,877\n`);
    logs.clear(); // setUp's writes are outside the original's assertLogs blocks
  });

  afterEach(() => {
    mock.restore();
  });

  /**
   * Seeds the meta file with 2021-04-01..2021-04-`metaUpTo`, builds the ETL on 2021-04-`today`
   * and clears the logs, so each test sees only the lines of the method it runs.
   */
  async function createEtl(metaUpTo: number, today: number): Promise<XetraETL> {
    mock.s3.putObject(TRG_BUCKET, META_KEY, `source_date,datetime_of_processing\n${seededMeta(metaUpTo).join('\n')}\n`);
    const etl = await XetraETL.create(src, trg, META_KEY, sourceConfig, targetConfig, { logger: logs.logger, clock: clockOn(today) });
    expect(logs.messages()).toEqual([`Reading file ${TRG_LOCATION}/${META_KEY}`]);
    logs.clear();
    return etl;
  }

  /** The meta file's source_date column. */
  function metaSourceDates(): string[] {
    const [header, ...rows] = mock.s3.text(TRG_BUCKET, META_KEY).trimEnd().split('\n');
    expect(header).toBe('source_date,datetime_of_processing');
    return rows.map((row) => row.split(',')[0] ?? '');
  }

  /** The single report under trg_key, read back from Parquet; checks its key against the clock. */
  async function readReport(expectedKey: string): Promise<Awaited<ReturnType<typeof readParquet>>> {
    expect(mock.s3.keys(TRG_BUCKET, TRG_KEY)).toEqual([expectedKey]);
    const object = mock.s3.getObject(TRG_BUCKET, expectedKey);
    expect(object).toBeDefined();
    return readParquet(object?.body ?? new Uint8Array());
  }

  function expectReportIsDfReport(report: Awaited<ReturnType<typeof readParquet>>): void {
    expect(report.columns).toEqual(DF_REPORT_PARQUET_COLUMNS);
    expect(report.numRows).toBe(3n);
    // toStrictEqual compares types too: 1088n (INT64) is not 1088, and every price must be a number.
    expect(report.rows).toStrictEqual(DF_REPORT_PARQUET_ROWS);
    for (const row of report.rows) {
      expect(Object.keys(row)).toEqual(REPORT_COLUMNS);
      expect(typeof row.daily_traded_volume).toBe('bigint');
      expect(typeof row['change_prev_closing_%']).toBe('number');
    }
  }

  it('extract_no_files', async () => {
    // Patched in the original: ('2200-01-02', []). return_date_list cannot return that pair; the
    // equivalent situation is "nothing missing": every day up to today is in the meta file, so the
    // date list is empty (with the sentinel '2200-01-01'), while source files do exist.
    const etl = await createEtl(20, 20);
    expect([etl.extractDate, etl.extractDateList]).toEqual(['2200-01-01', []]);

    const extracted = await etl.extract();

    // Port: extract folds rows into instrument-days; "df.empty" is "no file, no row, no day".
    expect(extracted.files).toBe(0);
    expect(extracted.rows).toBe(0);
    expect(extracted.days.size).toBe(0);
    expect(logs.messages()).toEqual(['Extracting Xetra source files started...', 'Extracting Xetra source files finished.']);
  });

  it('extract_files', async () => {
    const etl = await createEtl(16, 20);
    expect([etl.extractDate, etl.extractDateList]).toEqual(['2021-04-17', ['2021-04-16', '2021-04-17', '2021-04-18', '2021-04-19', '2021-04-20']]);

    const extracted = await etl.extract();

    // Port: the original returns df_src.loc[1:8] (2021-04-15 is outside the window, 2021-04-20 has
    // no files); the port returns those 8 rows folded per (ISIN, Date), in the order read.
    expect([...extracted.days.valuesWithTimes()]).toEqual<InstrumentDayWithTimes[]>([
      { isin: 'AT0000A0E9W5', date: '2021-04-16', openTime: '15:00', openPrice: 18.27, closeTime: '15:00', closePrice: 18.27, minPrice: 18.27, maxPrice: 21.34, tradedVolume: 987 },
      { isin: 'AT0000A0E9W5', date: '2021-04-17', openTime: '13:00', openPrice: 20.21, closeTime: '14:00', closePrice: 18.27, minPrice: 18.21, maxPrice: 21.34, tradedVolume: 1088 },
      { isin: 'AT0000A0E9W5', date: '2021-04-18', openTime: '07:00', openPrice: 20.58, closeTime: '08:00', closePrice: 19.27, minPrice: 18.89, maxPrice: 21.14, tradedVolume: 10286 },
      { isin: 'AT0000A0E9W5', date: '2021-04-19', openTime: '07:00', openPrice: 23.58, closeTime: '09:00', closePrice: 24.22, minPrice: 22.21, maxPrice: 25.01, tradedVolume: 3586 },
    ]);
    expect({ files: extracted.files, rows: extracted.rows, dropped: extracted.dropped, headerOnlyFiles: extracted.headerOnlyFiles }).toEqual({ files: 8, rows: 8, dropped: 0, headerOnlyFiles: 0 });
    // One read per object, dates in list order and keys in S3 order, as df_src.loc[1:8].
    expect(logs.messages()).toEqual([
      'Extracting Xetra source files started...',
      ...DF_SRC.slice(1).map(([key]) => `Reading file ${SRC_LOCATION}/${key}`),
      'Extracting Xetra source files finished.',
    ]);
  });

  it('transform_report1_emptydf', async () => {
    const etl = await createEtl(16, 18);
    expect([etl.extractDate, etl.extractDateList]).toEqual(['2021-04-17', ['2021-04-16', '2021-04-17', '2021-04-18']]);
    // Port: pd.DataFrame() is an extraction that read no row.
    const empty: Extracted = { days: new DailyAggregator(), files: 0, headerOnlyFiles: 0, rows: 0, dropped: 0 };

    const report = etl.transformReport1(empty);

    expect(report).toEqual({ columns: [] });
    expect(logs.records).toEqual([{ level: 'info', msg: 'The dataframe is empty. No transformations will be applied.' }]);
  });

  it('transform_report1_ok', async () => {
    const etl = await createEtl(16, 19);
    expect([etl.extractDate, etl.extractDateList]).toEqual(['2021-04-17', ['2021-04-16', '2021-04-17', '2021-04-18', '2021-04-19']]);
    // Port: df_src.loc[1:8] is fed row by row, in its order, into the instrument-day fold extract uses.
    const days = new DailyAggregator();
    for (const [, isin, , date, time, start, , min, max, volume] of DF_SRC.slice(1)) days.add(isin, date, time, start, min, max, volume);
    const input: Extracted = { days, files: 8, headerOnlyFiles: 0, rows: 8, dropped: 0 };

    const report = etl.transformReport1(input);

    // The report's number columns are typed arrays; compared as plain arrays with the original's numbers.
    expect({ columns: report.columns.map((column) => ({ ...column, values: Array.from(column.values as ArrayLike<unknown>) })) }).toStrictEqual(DF_REPORT);
    expect(logs.records).toEqual([
      { level: 'info', msg: 'Applying transformations to Xetra source data for report 1 started...' },
      { level: 'info', msg: 'Applying transformations to Xetra source data finished...' },
    ]);
  });

  it('load', async () => {
    const etl = await createEtl(16, 19);
    expect([etl.extractDate, etl.extractDateList]).toEqual(['2021-04-17', ['2021-04-16', '2021-04-17', '2021-04-18', '2021-04-19']]);
    const reportKey = `${TRG_KEY}20210419_101530.parquet`;

    const loaded = await etl.load(DF_REPORT);

    expect(loaded).toEqual({ reportKey, reportRows: 3 });
    expect(logs.messages()).toEqual([
      `Writing file to ${TRG_LOCATION}/${reportKey}`,
      'Xetra target data successfully written.',
      `Reading file ${TRG_LOCATION}/${META_KEY}`,
      `Writing file to ${TRG_LOCATION}/${META_KEY}`,
      'Xetra meta file successfully updated.',
    ]);
    expectReportIsDfReport(await readReport(reportKey));
    // The original's trg bucket had no meta file (return_date_list was patched), so its meta holds
    // just the three dates; here they are appended after the seeded rows, which stay as they were.
    expect(metaSourceDates()).toEqual([...seededMeta(16).map((row) => row.slice(0, 10)), '2021-04-17', '2021-04-18', '2021-04-19']);
    expect(mock.s3.text(TRG_BUCKET, META_KEY).endsWith('2021-04-17,2021-04-19 10:15:30\n2021-04-18,2021-04-19 10:15:30\n2021-04-19,2021-04-19 10:15:30\n')).toBe(true);
  });

  it('etl_report1', async () => {
    const etl = await createEtl(16, 19);
    expect([etl.extractDate, etl.extractDateList]).toEqual(['2021-04-17', ['2021-04-16', '2021-04-17', '2021-04-18', '2021-04-19']]);
    const reportKey = `${TRG_KEY}20210419_101530.parquet`;

    const result = await etl.etlReport1();

    // Port: etl_report1 returns what it did instead of True.
    expect(result).toMatchObject({ files: 8, rows: 8, dropped: 0, reportKey, reportRows: 3 });
    expectReportIsDfReport(await readReport(reportKey));
    // As in `load`: the three dates follow the seeded rows.
    expect(metaSourceDates().slice(-4)).toEqual(['2021-04-16', '2021-04-17', '2021-04-18', '2021-04-19']);
    expect(metaSourceDates()).toHaveLength(16 + 3);
  });
});
