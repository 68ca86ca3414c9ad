import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatIsoDate, localDay } from '../../src/common/dates.js';
import { readParquet } from '../support/parquet.js';
import { ensureBuilt, listFiles, repoRoot, runCli, writeJobConfig } from '../support/run-cli.js';
import { createBucket, getObjectBytes, listAllKeys, startS3Server, uploadFolder, type S3TestServer } from '../support/s3-server.js';

const COLUMNS = 'ISIN,Mnemonic,Date,Time,StartPrice,EndPrice,MinPrice,MaxPrice,TradedVolume';
/** The original's integration fixture (spec §6.4): the unit-test rows, with dates counted back from today. */
const FIXTURE: readonly [daysAgo: number, hour: string, row: string][] = [
  [5, '12', 'AT0000A0E9W5,SANT,{d},12:00,20.19,18.45,18.2,20.33,877'],
  [4, '15', 'AT0000A0E9W5,SANT,{d},15:00,18.27,21.19,18.27,21.34,987'],
  [3, '13', 'AT0000A0E9W5,SANT,{d},13:00,20.21,18.27,18.21,20.42,633'],
  [3, '14', 'AT0000A0E9W5,SANT,{d},14:00,18.27,21.19,18.27,21.34,455'],
  [2, '07', 'AT0000A0E9W5,SANT,{d},07:00,20.58,19.27,18.89,20.58,9066'],
  [2, '08', 'AT0000A0E9W5,SANT,{d},08:00,19.27,21.14,19.27,21.14,1220'],
  [1, '07', 'AT0000A0E9W5,SANT,{d},07:00,23.58,23.58,23.58,23.58,1035'],
  [1, '08', 'AT0000A0E9W5,SANT,{d},08:00,23.58,24.22,23.31,24.34,1028'],
  [1, '09', 'AT0000A0E9W5,SANT,{d},09:00,24.22,22.21,22.21,25.01,1523'],
];
const SECRET = { XETRA_IT_KEY: 'it-access-key-id', XETRA_IT_SECRET: 'it-secret-value-do-not-log' };

let server: S3TestServer;
beforeAll(async () => {
  server = await startS3Server();
  await ensureBuilt();
});
afterAll(() => server.stop());

/** A config for the loopback server: credentials come from the env vars it names, as in production. */
async function s3Config(src: string, trg: string, firstDate: string): Promise<string> {
  const config = parse(await readFile(path.join(repoRoot, 'configs/local.yml'), 'utf8')) as Record<string, Record<string, unknown>>;
  config.s3 = { access_key: 'XETRA_IT_KEY', secret_key: 'XETRA_IT_SECRET', src_endpoint_url: server.endpoint, src_bucket: src, trg_endpoint_url: server.endpoint, trg_bucket: trg, region: 'eu-central-1' };
  Object.assign(config.source ?? {}, { src_first_extract_date: firstDate });
  Object.assign(config.logging ?? {}, { level: 'debug', format: 'json' });
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'xetra-it-')), 'prod.yml');
  await writeFile(file, stringify(config));
  return file;
}

const withSecrets = (args: string[]) => runCli(args, { ...process.env, ...SECRET });

describe('the original integration test, against a real S3 server on 127.0.0.1', () => {
  it('int_etl_report1_no_metafile: reports the three full days and records today too', async () => {
    const today = localDay(new Date());
    const dates = Array.from({ length: 6 }, (_, k) => formatIsoDate(today - k));
    await createBucket(server.client, 'xetra-int-test-src');
    await createBucket(server.client, 'xetra-int-test-trg');
    for (const [daysAgo, hour, row] of FIXTURE) {
      const d = dates[daysAgo] ?? '';
      const body = `${COLUMNS}\n${row.replace('{d}', d)}\n`;
      await server.client.send(new PutObjectCommand({ Bucket: 'xetra-int-test-src', Key: `${d}/${d}_BINS_XETR${hour}.csv`, Body: body }));
    }
    const config = await s3Config('xetra-int-test-src', 'xetra-int-test-trg', dates[3] ?? '');

    const result = await withSecrets([config, '--today', dates[0] ?? '']);

    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    // The S3 code ran from the code cache the build wrote (src/common/code-cache.ts), once for both buckets.
    const loads = result.stderr.split('\n').filter((line) => line.includes('"S3 code loaded"'));
    expect(loads.map((line) => (JSON.parse(line) as { codeCache: string }).codeCache)).toEqual(['accepted']);
    const keys = await listAllKeys(server.client, 'xetra-int-test-trg');
    const reportKey = keys.find((k) => k.startsWith('report1/xetra_daily_report1_'));
    expect(reportKey).toMatch(/^report1\/xetra_daily_report1_\d{8}_\d{6}\.parquet$/);
    expect(result.stdout).toContain(`report written to ${server.endpoint}/xetra-int-test-trg/${reportKey ?? ''}`);
    expect((await readParquet(await getObjectBytes(server.client, 'xetra-int-test-trg', reportKey ?? ''))).rows).toEqual([
      { ISIN: 'AT0000A0E9W5', Date: dates[3], opening_price_eur: 20.21, closing_price_eur: 18.27, minimum_price_eur: 18.21, maximum_price_eur: 21.34, daily_traded_volume: 1088n, 'change_prev_closing_%': 10.62 },
      { ISIN: 'AT0000A0E9W5', Date: dates[2], opening_price_eur: 20.58, closing_price_eur: 19.27, minimum_price_eur: 18.89, maximum_price_eur: 21.14, daily_traded_volume: 10286n, 'change_prev_closing_%': 1.83 },
      { ISIN: 'AT0000A0E9W5', Date: dates[1], opening_price_eur: 23.58, closing_price_eur: 24.22, minimum_price_eur: 22.21, maximum_price_eur: 25.01, daily_traded_volume: 3586n, 'change_prev_closing_%': 14.58 },
    ]);
    const meta = Buffer.from(await getObjectBytes(server.client, 'xetra-int-test-trg', 'meta/report1/xetra_report1_meta_file.csv')).toString('utf8');
    const lines = meta.trimEnd().split('\n');
    expect(lines[0]).toBe('source_date,datetime_of_processing');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual([dates[3], dates[2], dates[1], dates[0]]);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[1])).size).toBe(1);
    // The keys' values were in the environment all along: none of them may reach the logs or the output.
    for (const secret of Object.values(SECRET)) expect(result.stdout + result.stderr).not.toContain(secret);
  });

  it('gives the same report from S3 as from the local folder on the real sample week', async () => {
    await createBucket(server.client, 'sample-src');
    await createBucket(server.client, 'sample-trg');
    await uploadFolder(server.client, 'sample-src', path.join(repoRoot, 'sample/xetra'));
    const fromS3 = await withSecrets(['--config', await s3Config('sample-src', 'sample-trg', '2017-07-24'), '--today', '2017-07-28']);
    expect(fromS3.code).toBe(0);
    const s3Report = (await listAllKeys(server.client, 'sample-trg', 'report1/'))[0] ?? '';
    const s3Rows = (await readParquet(await getObjectBytes(server.client, 'sample-trg', s3Report))).rows;

    const localTarget = await mkdtemp(path.join(tmpdir(), 'xetra-it-local-'));
    const localConfig = await writeJobConfig(localTarget, { sourceBucketDir: path.join(repoRoot, 'sample/xetra'), targetBucketDir: path.join(localTarget, 'trg') });
    expect((await runCli(['--config', localConfig, '--today', '2017-07-28'])).code).toBe(0);
    const localReport = (await listFiles(path.join(localTarget, 'trg'))).find((k) => k.startsWith('report1/')) ?? '';
    const localRows = (await readParquet(await readFile(path.join(localTarget, 'trg', localReport)))).rows;

    expect(s3Rows).toHaveLength(144);
    expect(s3Rows).toEqual(localRows);
  });

  it('fails with exit 1 and a clear line when the target bucket does not exist, writing nothing', async () => {
    const result = await withSecrets(['--config', await s3Config('sample-src', 'no-such-target', '2017-07-24'), '--today', '2017-07-28']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`xetra-etl: error: cannot reach bucket ${server.endpoint}/no-such-target: the bucket does not exist`));
  });

  it('fails with exit 2 when an env var named by the config is missing', async () => {
    const config = await s3Config('sample-src', 'sample-trg', '2017-07-24');
    const env = { ...process.env };
    delete env.XETRA_IT_KEY;
    delete env.XETRA_IT_SECRET;
    const result = await runCli(['--config', config], env);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/^xetra-etl: error: environment variable XETRA_IT_KEY and XETRA_IT_SECRET .* is not set/);
  });
});
