import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, SourceDataError, StorageError, WrongMetaFileError } from '../../src/common/errors.js';
import { runJob } from '../../src/run-job.js';
import { readParquet } from '../support/parquet.js';
import { ensureBuilt, runCli } from '../support/run-cli.js';
import { makeWorkspace, type Workspace } from '../support/workspace.js';

const HEADER = 'ISIN,Mnemonic,SecurityDesc,SecurityType,Currency,SecurityID,Date,Time,StartPrice,MaxPrice,MinPrice,EndPrice,TradedVolume,NumberOfTrades';
const GOOD = '"DE0007164600","SAP","SAP SE O.N.","Common stock","EUR",2504385,2017-07-24,07:00,89.0,89.1,88.9,89.05,100,3';
const KEY = '2017-07-24/2017-07-24_BINS_XETR07.csv';
const META_KEY = 'meta/report1/xetra_report1_meta_file.csv';

const run = (ws: Workspace, env: NodeJS.ProcessEnv = {}) => runJob({ configPath: ws.configPath, today: '2017-07-24', env });

/** Runs the job, expects it to fail with `type` and `message`, and checks that the target bucket did not change. */
async function expectFailure(ws: Workspace, type: new (...args: never[]) => Error, message: string | RegExp, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const before = await ws.targetKeys();
  const error = await run(ws, env).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  expect((error as Error).message).toMatch(message);
  expect((error as Error).message).not.toContain('\n');
  expect(await ws.targetKeys()).toEqual(before);
}

const withSource = (body: string | Uint8Array) => makeWorkspace({ files: { [KEY]: body } });

describe('bad config', () => {
  it('rejects an unknown key and names it', async () => {
    const ws = await makeWorkspace({ edit: (c) => Object.assign(c.target ?? {}, { trg_formt: 'csv' }) });
    await expectFailure(ws, ConfigError, /config\.yml: invalid config: target: unknown key\(s\) 'trg_formt'/);
  });

  it('rejects a missing key and names its path', async () => {
    const ws = await makeWorkspace({ edit: (c) => delete c.source?.src_col_time });
    await expectFailure(ws, ConfigError, /source\.src_col_time: missing; this key is required/);
  });

  it('rejects a wrong type, an impossible date and an unsupported format together', async () => {
    const ws = await makeWorkspace({
      edit: (c) => {
        Object.assign(c.source ?? {}, { src_columns: 'ISIN', src_first_extract_date: '2021-02-30' });
        Object.assign(c.target ?? {}, { trg_format: 'xlsx' });
      },
    });
    await expectFailure(ws, ConfigError, /source\.src_first_extract_date: must be a real date.*source\.src_columns: .*expected array.*target\.trg_format: must be 'parquet' or 'csv'/);
  });

  it('rejects a YAML syntax error with its line', async () => {
    const ws = await makeWorkspace();
    await writeFile(ws.configPath, 's3:\n  src_bucket: [unclosed\nsource: {}\n');
    await expectFailure(ws, ConfigError, /config\.yml:\d+: YAML syntax error/);
  });

  it('rejects a literal access key where an env var name belongs', async () => {
    const ws = await makeWorkspace({ edit: (c) => Object.assign(c.s3 ?? {}, { access_key: 'AKIAIOSFODNN7EXAMPLE', secret_key: 'AWS_SECRET_ACCESS_KEY' }) });
    await expectFailure(ws, ConfigError, /s3\.access_key: looks like a literal AWS access key id/);
  });

  it('names a missing environment variable', async () => {
    const ws = await makeWorkspace({ edit: (c) => Object.assign(c.s3 ?? {}, { src_endpoint_url: 'http://127.0.0.1:9', access_key: 'XETRA_TEST_KEY', secret_key: 'XETRA_TEST_SECRET' }) });
    await expectFailure(ws, ConfigError, /environment variable XETRA_TEST_KEY and XETRA_TEST_SECRET .* is not set/, {});
  });
});

describe('missing buckets', () => {
  it('names a missing source folder', async () => {
    const ws = await makeWorkspace({ edit: (c) => Object.assign(c.s3 ?? {}, { src_bucket: 'nope' }) });
    await expectFailure(ws, StorageError, /bucket folder .*buckets\/nope does not exist/);
  });

  it('says an S3 endpoint is unreachable', async () => {
    const ws = await makeWorkspace({ edit: (c) => Object.assign(c.s3 ?? {}, { src_endpoint_url: 'http://127.0.0.1:9', access_key: 'K', secret_key: 'S' }) });
    await expectFailure(ws, StorageError, /cannot reach bucket http:\/\/127\.0\.0\.1:9\/src: the endpoint is unreachable/, { K: 'key', S: 'secret' });
  });
});

describe('bad meta file', () => {
  const withMeta = async (meta: string | Uint8Array) => {
    const ws = await makeWorkspace({ files: { [KEY]: `${HEADER}\n${GOOD}\n` } });
    await mkdir(path.join(ws.trgDir, 'meta/report1'), { recursive: true });
    await writeFile(path.join(ws.trgDir, META_KEY), meta);
    return ws;
  };

  it('refuses a meta file without source_date before reading any source', async () => {
    await expectFailure(await withMeta('wrong_column,datetime_of_processing\n2017-07-20,2017-07-21 10:00:00\n'), WrongMetaFileError, /meta file .*xetra_report1_meta_file\.csv has the columns 'wrong_column,datetime_of_processing'; expected 'source_date,datetime_of_processing'/);
  });

  it('refuses a meta file with an extra column before writing any report', async () => {
    await expectFailure(await withMeta('source_date,datetime_of_processing,x\n2017-07-20,2017-07-21 10:00:00,1\n'), WrongMetaFileError, /has the columns 'source_date,datetime_of_processing,x'; expected 'source_date,datetime_of_processing'/);
  });

  it('names an unparsable date and its line', async () => {
    await expectFailure(await withMeta('source_date,datetime_of_processing\n2017-07-20,x\nyesterday,x\n'), WrongMetaFileError, /line 3: 'yesterday' in column source_date is not a date/);
  });

  it('names the line of a meta file that is not UTF-8', async () => {
    const meta = Buffer.concat([Buffer.from('source_date,datetime_of_processing\n2017-07-20,'), Buffer.from([0xff]), Buffer.from('\n')]);
    await expectFailure(await withMeta(meta), WrongMetaFileError, /meta file unreadable: .*xetra_report1_meta_file\.csv: line 2: not valid UTF-8 text/);
  });

  it('refuses an empty meta file', async () => {
    await expectFailure(await withMeta(''), WrongMetaFileError, /meta file unreadable: .*the object is empty/);
  });
});

describe('bad source objects', () => {
  it('names a missing configured column', async () => {
    const header = HEADER.replace(',TradedVolume', '');
    const row = GOOD.replace(/,100,3$/, ',3');
    await expectFailure(await withSource(`${header}\n${row}\n`), SourceDataError, /2017-07-24_BINS_XETR07\.csv: line 1: the header has no column 'TradedVolume'/);
  });

  it('names a non-numeric price with its line and column', async () => {
    await expectFailure(await withSource(`${HEADER}\n${GOOD}\n${GOOD.replace('89.1,88.9', '89.1,abc')}\n`), SourceDataError, /XETR07\.csv: line 3: column MinPrice has 'abc', which is not a number/);
  });

  it('names a fractional volume', async () => {
    await expectFailure(await withSource(`${HEADER}\n${GOOD.replace(',100,3', ',1.5,3')}\n`), SourceDataError, /line 2: column TradedVolume has '1\.5', which is not a whole number/);
  });

  it('names a row with a wrong field count', async () => {
    await expectFailure(await withSource(`${HEADER}\n${GOOD.replace('"SAP SE O.N."', 'SAP SE, O.N.')}\n`), SourceDataError, /line 2: expected 14 fields as in the header, found 15/);
  });

  it('names an unterminated quote', async () => {
    await expectFailure(await withSource(`${HEADER}\n${GOOD}\n"DE000BASF111,BAS\n`), SourceDataError, /line 3: unterminated quoted field starting on line 3/);
  });

  it('refuses bytes that are not UTF-8', async () => {
    await expectFailure(await withSource(Buffer.concat([Buffer.from(`${HEADER}\n`), Buffer.from([0xff, 0xfe]), Buffer.from(`\n`)])), SourceDataError, /not valid UTF-8 text/);
  });

  it('refuses a 0-byte object', async () => {
    await expectFailure(await withSource(''), SourceDataError, /XETR07\.csv: the object is empty \(0 bytes\)/);
  });

  it('drops rows with an empty or NA value in a configured column, as the original dropna does', async () => {
    const ws = await withSource(`${HEADER}\n${GOOD}\n${GOOD.replace('"SAP"', '"NA"').replace('07:00', '07:01')}\n${GOOD.replace('89.05', '').replace('07:00', '07:02')}\n`);
    const summary = await run(ws);
    expect(summary).toMatchObject({ rows: 3, dropped: 2, reportRows: 1 });
  });
});

/** The single report's rows, after a successful run. */
async function reportRows(ws: Workspace): Promise<Record<string, unknown>[]> {
  const keys = (await ws.targetKeys()).filter((k) => k.startsWith('report1/'));
  expect(keys).toHaveLength(1);
  return (await readParquet(await readFile(path.join(ws.trgDir, keys[0] ?? '')))).rows;
}

const SAP_ROW = { ISIN: 'DE0007164600', Date: '2017-07-24', opening_price_eur: 89, closing_price_eur: 89, minimum_price_eur: 88.9, maximum_price_eur: 89.1, daily_traded_volume: 100n, 'change_prev_closing_%': null };

describe('source layouts the job accepts (parity: pandas read_csv accepts them too)', () => {
  it('a UTF-8 BOM before the header: the first column is still ISIN', async () => {
    const ws = await withSource(`\uFEFF${HEADER}\n${GOOD}\n`);
    await run(ws);
    expect(await reportRows(ws)).toEqual([SAP_ROW]);
  });

  it('CRLF line ends: no carriage return reaches a value', async () => {
    const ws = await withSource(`${HEADER}\r\n${GOOD}\r\n`);
    await run(ws);
    expect(await reportRows(ws)).toEqual([SAP_ROW]);
  });

  it('reordered columns are found by name', async () => {
    const ws = await withSource(`${HEADER.split(',').reverse().join(',')}\n${GOOD.split(',').reverse().join(',')}\n`);
    await run(ws);
    expect(await reportRows(ws)).toEqual([SAP_ROW]);
  });

  it('an extra column is ignored', async () => {
    const ws = await withSource(`${HEADER},Extra\n${GOOD},x\n`);
    await run(ws);
    expect(await reportRows(ws)).toEqual([SAP_ROW]);
  });

  it('an empty price drops the row, as the original dropna does (parity, spec §8.5): no report, the date is still marked done (§8.9)', async () => {
    const ws = await withSource(`${HEADER}\n${GOOD.replace('89.0,89.1', ',89.1')}\n`);
    expect(await run(ws)).toMatchObject({ rows: 1, dropped: 1, reportRows: 0, reportKey: undefined });
    expect(await ws.targetKeys()).toEqual([META_KEY]);
  });

  it('a header-only file counts as an hour without trading', async () => {
    const ws = await makeWorkspace({ files: { [KEY]: `${HEADER}\n${GOOD}\n`, '2017-07-24/2017-07-24_BINS_XETR08.csv': `${HEADER}\n` } });
    expect(await run(ws)).toMatchObject({ files: 2, headerOnlyFiles: 1, rows: 1, reportRows: 1 });
    expect(await reportRows(ws)).toEqual([SAP_ROW]);
  });

  it('duplicate (ISIN, Date, Time) rows: the first row in key order opens, the last closes (parity quirk §8.8 made deterministic)', async () => {
    const ws = await withSource(`${HEADER}\n${GOOD}\n${GOOD.replace('89.0,89.1', '90.0,90.1')}\n`);
    expect(await run(ws)).toMatchObject({ rows: 2, reportRows: 1 });
    expect(await reportRows(ws)).toEqual([{ ...SAP_ROW, closing_price_eur: 90, maximum_price_eur: 90.1, daily_traded_volume: 200n }]);
  });
});

describe('objects under the prefix that are not Xetra CSV (the original parsed any object as CSV, spec §8.16, and crashed)', () => {
  it('a text object fails the run, naming it and its first line', async () => {
    const ws = await makeWorkspace({ files: { [KEY]: `${HEADER}\n${GOOD}\n`, '2017-07-24/readme.txt': 'hello world\n' } });
    await expectFailure(ws, SourceDataError, /^file:\S+\/buckets\/src\/2017-07-24\/readme\.txt: line 1: the header has no column 'ISIN' \(source\.src_columns\); found: hello world$/);
  });

  it('a binary object fails the run as not UTF-8', async () => {
    const ws = await makeWorkspace({ files: { [KEY]: `${HEADER}\n${GOOD}\n`, '2017-07-24/chart.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]) } });
    await expectFailure(ws, SourceDataError, /^file:\S+\/2017-07-24\/chart\.png: line 1: not valid UTF-8 text; source files must be UTF-8 CSV$/);
  });
});

describe('meta files the job accepts as the original does (spec §3)', () => {
  const withMeta = async (meta: string | Uint8Array) => {
    const ws = await makeWorkspace({ files: { [KEY]: `${HEADER}\n${GOOD}\n` } });
    await mkdir(path.join(ws.trgDir, 'meta/report1'), { recursive: true });
    await writeFile(path.join(ws.trgDir, META_KEY), meta);
    return ws;
  };

  it('duplicate dates count once (a set, as pd.to_datetime(...).dt.date into set())', async () => {
    const ws = await withMeta('source_date,datetime_of_processing\n2017-07-24,2017-07-25 10:00:00\n2017-07-24,2017-07-26 10:00:00\n');
    expect(await run(ws)).toMatchObject({ datesProcessed: [], reportRows: 0 });
    expect(await ws.targetKeys()).toEqual([META_KEY]);
  });

  it('a header-only meta file means nothing is done yet', async () => {
    const ws = await withMeta('source_date,datetime_of_processing\n');
    expect(await run(ws)).toMatchObject({ datesProcessed: ['2017-07-24'], reportRows: 1 });
  });

  it('swapped meta columns are accepted (the original compares column names as a multiset) and kept in their order', async () => {
    const ws = await withMeta('datetime_of_processing,source_date\n2017-07-22 10:00:00,2017-07-21\n');
    expect(await run(ws)).toMatchObject({ datesProcessed: ['2017-07-24'] });
    const meta = await readFile(path.join(ws.trgDir, META_KEY), 'utf8');
    expect(meta).toMatch(/^datetime_of_processing,source_date\n2017-07-22 10:00:00,2017-07-21\n\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,2017-07-24\n$/);
  });
});

describe('unreadable source rows: fail by default, skip on request (source.bad_rows: skip)', () => {
  const badPrice = GOOD.replace('89.1,88.9', '89.1,abc').replace('07:00', '07:01');
  const badCount = GOOD.replace('"SAP SE O.N."', 'SAP SE, O.N.').replace('07:00', '07:02');
  const later = GOOD.replace('07:00', '07:03').replace('89.0,89.1', '89.5,89.6');
  const body = `${HEADER}\n${GOOD}\n${badPrice}\n${badCount}\n${later}\n`;
  const skipping = (files: Record<string, string>) => makeWorkspace({ files, edit: (c) => Object.assign(c.source ?? {}, { bad_rows: 'skip' }) });

  it('by default the first unreadable row fails the run, naming the object and line', async () => {
    await expectFailure(await withSource(body), SourceDataError, /^file:\S+\/2017-07-24_BINS_XETR07\.csv: line 3: column MinPrice has 'abc', which is not a number; fix or remove the row$/);
  });

  it('skip mode goes on, counts the rows and writes them, with object, line and reason, to a rejects object next to the report', async () => {
    const ws = await skipping({ [KEY]: body });
    const summary = await run(ws);
    expect(summary).toMatchObject({ rows: 4, dropped: 0, reportRows: 1, datesProcessed: ['2017-07-24'] });
    expect(summary.rejects).toHaveLength(2);
    const reportKey = summary.reportKey ?? '';
    const rejectsKey = reportKey.replace(/parquet$/, 'rejects.csv');
    expect(summary.rejectsLocation).toBe(`file:${ws.trgDir}/${rejectsKey}`);
    expect((await ws.targetKeys()).sort()).toEqual([META_KEY, reportKey, rejectsKey].sort());
    const where = `file:${ws.srcDir}/${KEY}`;
    expect(await readFile(path.join(ws.trgDir, rejectsKey), 'utf8')).toBe(
      'source_object,line,reason,row\n' +
        `${where},3,"line 3: column MinPrice has 'abc', which is not a number; fix or remove the row","DE0007164600,SAP,SAP SE O.N.,Common stock,EUR,2504385,2017-07-24,07:01,89.0,89.1,abc,89.05,100,3"\n` +
        `${where},4,"line 4: expected 14 fields as in the header, found 15; a field with a comma must be quoted","DE0007164600,SAP,SAP SE, O.N.,Common stock,EUR,2504385,2017-07-24,07:02,89.0,89.1,88.9,89.05,100,3"\n`,
    );
    // The good rows alone make the report: opening 89.0 at 07:00, closing 89.5 at 07:03.
    expect((await readParquet(await readFile(path.join(ws.trgDir, reportKey)))).rows).toEqual([{ ...SAP_ROW, closing_price_eur: 89.5, maximum_price_eur: 89.6, daily_traded_volume: 200n }]);
  });

  it('skip mode: the command line summary counts the rejected rows and says where they are', async () => {
    await ensureBuilt();
    const ws = await skipping({ [KEY]: body });
    const result = await runCli([ws.configPath, '--today', '2017-07-24']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ {2}rows read: {7}4 \(0 dropped for empty values\)\n {2}rows rejected: {3}2 \(source\.bad_rows: skip\), written to file:\S+\/report1\/xetra_daily_report1_\d{8}_\d{6}\.rejects\.csv$/m);
  });

  it('skip mode on the parsing threads (many objects, built CLI): every rejected row, in key order, and the report of the good ones', async () => {
    await ensureBuilt();
    const hours = ['07', '08', '09', '10', '11', '12', '13', '14', '15'];
    const files = Object.fromEntries(
      hours.map((hour) => {
        const good = GOOD.replace('07:00', `${hour}:00`);
        const rows = ['08', '11', '15'].includes(hour) ? [good, badPrice.replace('07:01', `${hour}:01`)] : [good];
        return [`2017-07-24/2017-07-24_BINS_XETR${hour}.csv`, `${HEADER}\n${rows.join('\n')}\n`];
      }),
    );
    const ws = await skipping(files);
    const result = await runCli([ws.configPath, '--today', '2017-07-24']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ {2}rows read: {7}12 \(0 dropped for empty values\)\n {2}rows rejected: {3}3 /m);
    const keys = await ws.targetKeys();
    const rejectsKey = keys.find((key) => key.endsWith('.rejects.csv')) ?? 'missing';
    const lines = (await readFile(path.join(ws.trgDir, rejectsKey), 'utf8')).trim().split('\n').slice(1);
    expect(lines.map((line) => line.split(',').slice(0, 2).join(','))).toEqual(['08', '11', '15'].map((hour) => `file:${ws.srcDir}/2017-07-24/2017-07-24_BINS_XETR${hour}.csv,3`));
    const reportKey = rejectsKey.replace(/rejects\.csv$/, 'parquet');
    expect((await readParquet(await readFile(path.join(ws.trgDir, reportKey)))).rows).toEqual([{ ...SAP_ROW, daily_traded_volume: 900n }]);
  });

  it('skip mode still fails on a header without a configured column, and on CSV that cannot be parsed on (an unterminated quote)', async () => {
    const header = HEADER.replace(',TradedVolume', '');
    await expectFailure(await skipping({ [KEY]: `${header}\n${GOOD.replace(/,100,3$/, ',3')}\n` }), SourceDataError, /line 1: the header has no column 'TradedVolume'/);
    await expectFailure(await skipping({ [KEY]: `${HEADER}\n${GOOD}\n"DE000BASF111,BAS\n` }), SourceDataError, /line 3: unterminated quoted field starting on line 3/);
  });
});
