// Port of the original's tests/common/test_s3.py (spec §6.1): the 7 S3BucketConnector unit tests,
// run through the real S3ObjectStore against an in-memory S3 behind aws-sdk-client-mock.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WrongFormatError } from '../../src/common/errors.js';
import type { Frame } from '../../src/common/frame.js';
import { S3BucketConnector } from '../../src/common/s3.js';
import { LocalObjectStore } from '../../src/storage/local-store.js';
import { S3ObjectStore } from '../../src/storage/s3-store.js';
import { mockS3, type MockedS3 } from '../support/mock-s3.js';
import { captureLogger, type CapturedLogger } from './test-helpers.js';
import { readParquet } from '../support/parquet.js';

const BUCKET = 'test-bucket';
const LOCATION = `https://s3.eu-central-1.amazonaws.com/${BUCKET}`;

/** `pd.DataFrame([['A','B'],['C','D']], columns=['col1','col2'])` */
const DF_AB_CD: Frame = {
  columns: [
    { name: 'col1', type: 'string', values: ['A', 'C'] },
    { name: 'col2', type: 'string', values: ['B', 'D'] },
  ],
};

describe('S3BucketConnector (test_s3.py)', () => {
  let mock: MockedS3;
  let logs: CapturedLogger;
  let conn: S3BucketConnector;

  beforeEach(() => {
    mock = mockS3(BUCKET);
    logs = captureLogger();
    conn = new S3BucketConnector(new S3ObjectStore(mock.client, BUCKET, LOCATION), logs.logger);
  });

  afterEach(() => {
    mock.restore();
  });

  it('list_files_in_prefix_ok', async () => {
    const prefixExp = 'prefix/';
    const key1Exp = `${prefixExp}test1.csv`;
    const key2Exp = `${prefixExp}test2.csv`;
    const csvContent = 'col1,col2\n        valA,valB';
    mock.s3.putObject(BUCKET, key1Exp, csvContent);
    mock.s3.putObject(BUCKET, key2Exp, csvContent);
    // Not in the original: a key outside the prefix, so a listing that ignores the prefix fails.
    mock.s3.putObject(BUCKET, 'prefixless/test3.csv', csvContent);

    const listResult = await conn.listFilesInPrefix(prefixExp);

    // The original checks length 2 and membership; S3 order is ascending bytes, so the order is fixed too.
    expect(listResult).toEqual([key1Exp, key2Exp]);
    expect(logs.messages()).toEqual([]);
  });

  it('list_files_in_prefix_wrong_prefix', async () => {
    // Not in the original: objects exist, just none under the prefix asked for.
    mock.s3.putObject(BUCKET, 'prefix/test1.csv', 'col1,col2\nvalA,valB');

    const listResult = await conn.listFilesInPrefix('no-prefix/');

    expect(listResult).toEqual([]);
  });

  it('read_csv_to_df_ok', async () => {
    const key = 'test.csv';
    mock.s3.putObject(BUCKET, key, 'col1,col2\nval1,val2');

    const df = await conn.readCsvToFrame(key);

    expect(logs.records).toEqual([{ level: 'info', msg: `Reading file ${LOCATION}/${key}` }]);
    // Port: a Frame of string columns instead of a DataFrame; shape (1, 2).
    expect(df?.columns.map((c) => c.name)).toEqual(['col1', 'col2']);
    expect(df?.columns.map((c) => c.values.length)).toEqual([1, 1]);
    expect(df?.columns[0]?.values[0]).toBe('val1');
    expect(df?.columns[1]?.values[0]).toBe('val2');
  });

  it('write_df_to_s3_empty', async () => {
    const result = await conn.writeFrameToS3({ columns: [] }, 'key.csv', 'csv');

    // Port: undefined where the original returns None.
    expect(result).toBeUndefined();
    expect(logs.records).toEqual([{ level: 'info', msg: 'The dataframe is empty! No file will be written!' }]);
    expect(mock.s3.keys(BUCKET)).toEqual([]);
  });

  it('write_df_to_s3_csv', async () => {
    const key = 'test.csv';

    const result = await conn.writeFrameToS3(DF_AB_CD, key, 'csv');

    expect(result).toBe(true);
    expect(logs.records).toEqual([{ level: 'info', msg: `Writing file to ${LOCATION}/${key}` }]);
    // pandas' to_csv(index=False) on Linux: header, LF line ends, trailing newline, no BOM.
    expect(mock.s3.text(BUCKET, key)).toBe('col1,col2\nA,B\nC,D\n');
    // The original's round trip: reading the object back as CSV gives the input frame.
    expect(await conn.readCsvToFrame(key)).toEqual(DF_AB_CD);
  });

  it('write_df_to_s3_parquet', async () => {
    const key = 'test.parquet';

    const result = await conn.writeFrameToS3(DF_AB_CD, key, 'parquet');

    expect(result).toBe(true);
    expect(logs.records).toEqual([{ level: 'info', msg: `Writing file to ${LOCATION}/${key}` }]);
    // The original's pd.read_parquet(...).equals(df): same columns, order, string type and cells; no index column.
    const object = mock.s3.getObject(BUCKET, key);
    expect(object).toBeDefined();
    const parquet = await readParquet(object?.body ?? new Uint8Array());
    expect(parquet.columns).toEqual([
      { name: 'col1', type: 'BYTE_ARRAY', annotation: 'UTF8' },
      { name: 'col2', type: 'BYTE_ARRAY', annotation: 'UTF8' },
    ]);
    expect(parquet.rows).toStrictEqual([
      { col1: 'A', col2: 'B' },
      { col1: 'C', col2: 'D' },
    ]);
  });

  it('write_df_to_s3_wrong_format', async () => {
    const key = 'test.parquet';
    const formatWrong = 'wrong_format';

    // Port: WrongFormatError where the original raises WrongFormatException.
    await expect(conn.writeFrameToS3(DF_AB_CD, key, formatWrong)).rejects.toThrow(WrongFormatError);

    expect(logs.records).toEqual([{ level: 'info', msg: `The file format ${formatWrong} is not supported to be written to s3!` }]);
    expect(mock.s3.keys(BUCKET)).toEqual([]);
  });
});

describe('S3BucketConnector.readsLocalFiles', () => {
  it('is true for a local folder, whose files the parsing threads read themselves, and false for S3', () => {
    const { logger } = captureLogger();
    const mock = mockS3(BUCKET);
    try {
      expect(new S3BucketConnector(new LocalObjectStore('/tmp/no-such-bucket', 'file:/tmp/no-such-bucket'), logger).readsLocalFiles).toBe(true);
      expect(new S3BucketConnector(new S3ObjectStore(mock.client, BUCKET, LOCATION), logger).readsLocalFiles).toBe(false);
    } finally {
      mock.restore();
    }
  });
});
