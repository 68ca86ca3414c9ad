// Port of the original's tests/common/test_meta_process.py (spec §6.2): the 8 MetaProcess unit
// tests. The original reads the real datetime.today(); here a fixed clock stands in for it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WrongMetaFileError } from '../../src/common/errors.js';
import { MetaProcess } from '../../src/common/meta-process.js';
import { S3BucketConnector } from '../../src/common/s3.js';
import { S3ObjectStore } from '../../src/storage/s3-store.js';
import { mockS3, type MockedS3 } from '../support/mock-s3.js';
import { captureLogger, daysBefore, fixedClock, type CapturedLogger } from './test-helpers.js';

const BUCKET = 'test-bucket';
const LOCATION = `https://s3.eu-central-1.amazonaws.com/${BUCKET}`;
const META_KEY = 'meta.csv';

// "Now" for every test: 2021-07-14 09:30:15 local time.
const CLOCK = fixedClock(new Date(2021, 6, 14, 9, 30, 15));
const TODAY = CLOCK.today();
const NOW_STAMP = '2021-07-14 09:30:15';
/** self.dates: dates[0] is today, dates[k] is k days before. */
const dates = Array.from({ length: 8 }, (_, k) => daysBefore(TODAY, k));

describe('MetaProcess (test_meta_process.py)', () => {
  let mock: MockedS3;
  let logs: CapturedLogger;
  let meta: MetaProcess;

  beforeEach(() => {
    mock = mockS3(BUCKET);
    logs = captureLogger();
    meta = new MetaProcess(META_KEY, new S3BucketConnector(new S3ObjectStore(mock.client, BUCKET, LOCATION), logs.logger), CLOCK);
  });

  afterEach(() => {
    mock.restore();
  });

  /** The meta file's rows as [source_date, datetime_of_processing], header checked. */
  function metaRows(): string[][] {
    const [header, ...rows] = mock.s3.text(BUCKET, META_KEY).split('\n');
    expect(header).toBe('source_date,datetime_of_processing');
    expect(rows.pop()).toBe(''); // the file ends with a newline
    return rows.map((row) => row.split(','));
  }

  it('update_meta_file_no_meta_file', async () => {
    const dateListExp = ['2021-04-16', '2021-04-17'];

    expect(await meta.updateMetaFile(dateListExp)).toBe(true);

    const rows = metaRows();
    expect(rows.map((r) => r[0])).toEqual(dateListExp);
    // The original compares pd.to_datetime(...).dt.date with today; the exact stamp is stricter.
    expect(rows.map((r) => r[1])).toEqual([NOW_STAMP, NOW_STAMP]);
    expect(rows.map((r) => r[1]?.slice(0, 10))).toEqual([dates[0], dates[0]]);
    expect(logs.messages()).toEqual([`Reading file ${LOCATION}/${META_KEY}`, `Writing file to ${LOCATION}/${META_KEY}`]);
  });

  it('update_meta_file_empty_date_list', async () => {
    const result = await meta.updateMetaFile([]);

    expect(result).toBe(true);
    // The read is logged before the key turns out to be missing, then nothing is written.
    expect(logs.records).toEqual([
      { level: 'info', msg: `Reading file ${LOCATION}/${META_KEY}` },
      { level: 'info', msg: 'The dataframe is empty! No file will be written!' },
    ]);
    expect(mock.s3.keys(BUCKET)).toEqual([]);
  });

  it('update_meta_file_meta_file_ok', async () => {
    const dateListOld = ['2021-04-12', '2021-04-13'];
    const dateListNew = ['2021-04-16', '2021-04-17'];
    // The original stamps the old rows with datetime.today() too; an earlier time of the same day
    // keeps its "all processing dates are today" check true and shows old rows are kept verbatim.
    const oldStamp = '2021-07-14 08:00:00';
    mock.s3.putObject(BUCKET, META_KEY, `source_date,datetime_of_processing\n${dateListOld[0]},${oldStamp}\n${dateListOld[1]},${oldStamp}`);

    expect(await meta.updateMetaFile(dateListNew)).toBe(true);

    const rows = metaRows();
    expect(rows.map((r) => r[0])).toEqual([...dateListOld, ...dateListNew]);
    expect(rows.map((r) => r[1])).toEqual([oldStamp, oldStamp, NOW_STAMP, NOW_STAMP]);
    expect(rows.map((r) => r[1]?.slice(0, 10))).toEqual([dates[0], dates[0], dates[0], dates[0]]);
  });

  it('update_meta_file_meta_file_wrong', async () => {
    const dateListOld = ['2021-04-12', '2021-04-13'];
    const content = `wrong_column,datetime_of_processing\n${dateListOld[0]},${NOW_STAMP}\n${dateListOld[1]},${NOW_STAMP}`;
    mock.s3.putObject(BUCKET, META_KEY, content);

    // Port: WrongMetaFileError where the original raises WrongMetaFileException.
    await expect(meta.updateMetaFile(['2021-04-16', '2021-04-17'])).rejects.toThrow(WrongMetaFileError);

    expect(mock.s3.text(BUCKET, META_KEY)).toBe(content);
  });

  it('return_date_list_no_meta_file', async () => {
    const firstDate = dates[2] ?? '';

    const [minDate, dateList] = await meta.returnDateList(firstDate);

    expect(minDate).toBe(dates[2]);
    // The original compares sets; the list is also ascending, from the day before first_date to today.
    expect(dateList).toEqual([dates[3], dates[2], dates[1], dates[0]]);
    expect(logs.messages()).toEqual([`Reading file ${LOCATION}/${META_KEY}`]);
  });

  it('return_date_list_meta_file_ok', async () => {
    mock.s3.putObject(BUCKET, META_KEY, `source_date,datetime_of_processing\n${dates[3]},${dates[0]}\n${dates[4]},${dates[0]}`);
    const firstDates = [dates[1], dates[4], dates[7]];
    const minDatesExp = [dates[1], dates[2], dates[7]];
    const dateListsExp = [
      [dates[2], dates[1], dates[0]],
      [dates[3], dates[2], dates[1], dates[0]],
      // From first_date - 1 to today, days already in the meta file (dates[4], dates[3]) included.
      [daysBefore(TODAY, 8), dates[7], dates[6], dates[5], dates[4], dates[3], dates[2], dates[1], dates[0]],
    ];

    for (const [i, firstDate] of firstDates.entries()) {
      const [minDate, dateList] = await meta.returnDateList(firstDate ?? '');
      expect(minDate).toBe(minDatesExp[i]);
      expect(dateList).toEqual(dateListsExp[i]);
    }
  });

  it('return_date_list_meta_file_wrong', async () => {
    mock.s3.putObject(BUCKET, META_KEY, `wrong_column,datetime_of_processing\n${dates[3]},${dates[0]}\n${dates[4]},${dates[0]}`);

    // Port: a WrongMetaFileError naming the file and the expected source_date column, where the
    // original raises a bare KeyError('source_date').
    const error: unknown = await meta.returnDateList(dates[1] ?? '').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WrongMetaFileError);
    expect((error as Error).message).toContain(`${LOCATION}/${META_KEY}`);
    expect((error as Error).message).toContain('source_date');
  });

  it('return_date_list_empty_date_list', async () => {
    mock.s3.putObject(BUCKET, META_KEY, `source_date,datetime_of_processing\n${dates[0]},${dates[0]}\n${dates[1]},${dates[0]}`);

    const [minDate, dateList] = await meta.returnDateList(dates[0] ?? '');

    expect(minDate).toBe('2200-01-01');
    expect(dateList).toEqual([]);
  });
});
