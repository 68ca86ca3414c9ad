// The parsing threads of the built job downloading S3 objects themselves, from URLs the main thread signs, through
// the fault proxy in front of the loopback S3 server. A thread folds what it downloads exactly as the main thread
// folds the same bytes; a download that breaks in any way comes back as DownloadFailed with nothing of it kept (the
// job then reads the object through the S3 client); a bad row is a SourceDataError, as from any other path.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SourceDataError } from '../../src/common/errors.js';
import { DailyAggregator } from '../../src/report/instrument-day.js';
import type { ObjectStore, SignedUrl } from '../../src/storage/object-store.js';
import { openObjectStore } from '../../src/storage/open-store.js';
import { DownloadFailed } from '../../src/storage/download-failed.js';
import { openFoldPool, type FoldPool } from '../../src/transformers/fold-pool.js';
import { ObjectFold, type PartialFold } from '../../src/transformers/object-fold.js';
import { cliPath, ensureBuilt, repoRoot } from '../support/run-cli.js';
import { getObjectBytes } from '../support/s3-server.js';
import { META_KEY, SECRET_ENV, SECRETS, SEEDED_META, TODAY, objectText, reports, runRigCli, seedSampleSource, seedTarget, snapshot, startRig, writeRigConfig, type Rig } from '../support/s3-job.js';
import { XETRA_SOURCE } from '../support/xetra-source.js';

const BUCKET = 'dl-src';
/** The sample's 2017-07-24 trading hours as one object, larger than several socket reads. */
const DAY_KEY = 'joined/2017-07-24_BINS_XETR_DAY.csv';
const HOUR_KEY = '2017-07-24/2017-07-24_BINS_XETR09.csv';

let rig: Rig;
let pool: FoldPool;
let store: ObjectStore;

async function dayObject(): Promise<Buffer> {
  const hours = await Promise.all(Array.from({ length: 24 }, (_, h) => readFile(path.join(repoRoot, 'sample/xetra/2017-07-24', `2017-07-24_BINS_XETR${String(h).padStart(2, '0')}.csv`), 'utf8')));
  const [header = ''] = (hours[0] ?? '').split('\n');
  return Buffer.from([header, ...hours.map((text) => text.slice(text.indexOf('\n') + 1).trimEnd()).filter((rows) => rows !== '')].join('\n') + '\n');
}

async function signed(key: string, timeoutMs?: number): Promise<SignedUrl> {
  const url = await store.signedUrl?.(key);
  if (url === undefined) throw new Error('no signed URL');
  return timeoutMs === undefined ? url : { ...url, timeoutMs };
}

/** The days of a fold with their times, as a run merges them; a thread's arrays go back to it. */
function merged(fold: PartialFold): unknown[] {
  const days = new DailyAggregator();
  days.merge(fold.days);
  fold.giveBack?.();
  return [...days.valuesWithTimes()];
}

async function foldOnMain(key: string): Promise<{ rows: number; days: unknown[] }> {
  const fold = new ObjectFold(`s3/${key}`, XETRA_SOURCE);
  fold.push(await getObjectBytes(rig.client, BUCKET, key));
  const result = fold.end();
  return { rows: result.rows, days: merged(result) };
}

async function foldOnThread(key: string): Promise<{ rows: number; days: unknown[] }> {
  const fold = await pool.foldUrl?.(`s3/${key}`, await signed(key));
  if (fold === undefined || fold instanceof DownloadFailed) throw new Error(`not folded: ${String(fold)}`);
  return { rows: fold.rows, days: merged(fold) };
}

beforeAll(async () => {
  await ensureBuilt();
  rig = await startRig();
  await seedSampleSource(rig.client, BUCKET);
  const day = await dayObject();
  expect(day.byteLength).toBeGreaterThan(4 * 65_536);
  await rig.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: DAY_KEY, Body: day }));
  store = await openObjectStore(rig.proxy.endpoint, BUCKET, { accessKeyEnv: 'XETRA_REL_KEY', secretKeyEnv: 'XETRA_REL_SECRET', env: SECRET_ENV, region: 'eu-central-1', baseDir: repoRoot });
  pool = openFoldPool(XETRA_SOURCE, 2, { downloads: true, workerFile: pathToFileURL(path.join(repoRoot, 'dist/fold-worker.cjs')) });
}, 120_000);

afterAll(async () => {
  await pool.close();
  await rig.stop();
});

beforeEach(() => {
  rig.proxy.reset();
});

describe('parsing threads downloading S3 objects themselves', () => {
  it('fold a downloaded object exactly as the main thread folds its bytes, with a signed GET and no other request', async () => {
    expect('foldUrl' in pool).toBe(true);
    const [thread, main] = await Promise.all([foldOnThread(DAY_KEY), foldOnMain(DAY_KEY)]);
    expect(main.rows).toBeGreaterThan(2_500);
    expect(thread).toStrictEqual(main);
    const gets = rig.proxy.requests.filter((r) => r.operation === 'GetObject' && r.key === DAY_KEY);
    expect(gets.map((r) => [r.query.get('X-Amz-SignedHeaders'), r.query.has('X-Amz-Signature')])).toEqual([['host', true]]);
  });

  const faults = [
    { fault: 'reset-response-body', says: /^the body broke off after \d+ of \d+ bytes/ },
    { fault: 'stall-response-body', says: /^no data for 400 ms \(s3\.request_timeout_ms\)$/ },
    { fault: 'access-denied', says: /^HTTP 403$/ },
    { fault: 'internal-error', says: /^HTTP 500$/ },
  ] as const;
  for (const { fault, says } of faults) {
    it(`report a download that meets ${fault} as failed, keep nothing of it, and fold the next object whole`, async () => {
      rig.proxy.addFault({ match: (r) => r.key === DAY_KEY, fault });
      const failed = await pool.foldUrl?.(`s3/${DAY_KEY}`, await signed(DAY_KEY, 400));
      expect(failed).toBeInstanceOf(DownloadFailed);
      expect((failed as DownloadFailed).message).toMatch(says);
      // Both threads, so the one that failed folds again: its arrays must hold nothing of the broken object.
      const again = await Promise.all([foldOnThread(DAY_KEY), foldOnThread(DAY_KEY)]);
      const main = await foldOnMain(DAY_KEY);
      for (const thread of again) expect(thread).toStrictEqual(main);
    });
  }

  it('report a key that is not there as failed (the S3 client then says it is gone)', async () => {
    const failed = await pool.foldUrl?.('s3/missing.csv', await signed('2017-07-24/missing.csv'));
    expect(failed).toBeInstanceOf(DownloadFailed);
    expect((failed as DownloadFailed).message).toBe('HTTP 404');
  });

  it('fail on a bad row with the object, line and column, as a SourceDataError, not as a failed download', async () => {
    const good = Buffer.from(await getObjectBytes(rig.client, BUCKET, HOUR_KEY));
    const bad = Buffer.concat([good, Buffer.from('"DE0000000001","X","N","Common stock","EUR",1,2017-07-24,09:05,abc,1,1,1,1,1\n')]);
    await rig.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'bad/row.csv', Body: bad }));
    const lines = good.toString('utf8').trimEnd().split('\n').length;
    const failure = pool.foldUrl?.('s3/bad/row.csv', await signed('bad/row.csv'));
    await expect(failure).rejects.toMatchObject({ name: SourceDataError.name });
    await expect(failure).rejects.toThrow(`s3/bad/row.csv: line ${lines + 1}: column StartPrice has 'abc', which is not a number; fix or remove the row`);
  });
});

describe('the job with parsing threads that download', () => {
  const signedGet = (r: { operation: string; query: URLSearchParams }): boolean => r.operation === 'GetObject' && r.query.has('X-Amz-Signature');
  let baseline: string[];
  let runs = 0;

  /** A run of the built CLI through the proxy into a fresh target; its report's rows and its stderr. */
  async function run(performance: Record<string, unknown>): Promise<{ code: number; stderr: string; rows: string[] | undefined }> {
    runs += 1;
    const trg = `dl-trg-${runs}`;
    await seedTarget(rig.client, trg);
    const config = await writeRigConfig({ endpoint: rig.proxy.endpoint, src: BUCKET, trg, performance, logging: { level: 'warn', format: 'json' } });
    const { code, stderr } = await runRigCli(config);
    return { code, stderr, rows: (await reports(rig.client, trg))[0]?.rows };
  }

  beforeAll(async () => {
    rig.proxy.reset();
    const inline = await run({ workers: 0 });
    expect(inline.code).toBe(0);
    baseline = inline.rows ?? [];
    expect(baseline.length).toBeGreaterThan(10);
    expect(rig.proxy.requests.filter(signedGet)).toEqual([]);
  }, 120_000);

  it('downloads the objects on the threads, signed with the configured key, and writes the same report', async () => {
    const { code, rows } = await run({ workers: 2 });
    expect(code).toBe(0);
    expect(rows).toEqual(baseline);
    const gets = rig.proxy.requests.filter(signedGet);
    expect(gets.length).toBeGreaterThan(10);
    expect(new Set(gets.map((r) => r.accessKeyId))).toEqual(new Set([SECRETS.XETRA_REL_KEY]));
  });

  it('after a download on a thread breaks, reads that object and the rest through the S3 client, with one warning, and writes the same report', async () => {
    rig.proxy.addFault({ match: signedGet, fault: 'reset-response-body' });
    const { code, stderr, rows } = await run({ workers: 2, download_concurrency: 1 });
    expect(code).toBe(0);
    expect(rows).toEqual(baseline);
    const [broken] = rig.proxy.faulted.map((f) => f.request);
    const warnings = stderr.split('\n').filter((line) => line.includes("the parsing thread's download failed"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${broken?.key}: the parsing thread's download failed (the body broke off after`);
    const after = rig.proxy.requests.slice(rig.proxy.requests.indexOf(broken as never) + 1).filter((r) => r.operation === 'GetObject');
    expect(after[0]?.key).toBe(broken?.key);
    expect(after.length).toBeGreaterThan(5);
    expect(after.filter(signedGet)).toEqual([]);
  });

  it('stops at SIGTERM without waiting for a download that hangs: exit 143 at once, no report, the meta file unchanged', async () => {
    runs += 1;
    const trg = `dl-trg-${runs}`;
    await seedTarget(rig.client, trg);
    const config = await writeRigConfig({ endpoint: rig.proxy.endpoint, src: BUCKET, trg, performance: { workers: 2 }, logging: { level: 'warn' } });
    rig.proxy.reset();
    rig.proxy.addFault({ match: signedGet, fault: 'hold' }); // never answered until released: the download hangs
    const child = spawn(process.execPath, [cliPath, config, '--today', TODAY], { stdio: ['ignore', 'ignore', 'pipe'], env: SECRET_ENV });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { resolve(code); }));
    await rig.proxy.waitForFault();
    const killedAt = Date.now();
    child.kill('SIGTERM');
    const code = await exited;
    const seconds = (Date.now() - killedAt) / 1000;
    rig.proxy.releaseHeld();
    expect(code).toBe(143);
    expect(seconds).toBeLessThan(5); // the hung download alone would hold it to the 20 s grace
    expect(stderr).toContain('xetra-etl: stopped by SIGTERM: no report was written and the meta file is unchanged');
    expect(await objectText(rig.client, trg, META_KEY)).toBe(SEEDED_META);
    expect(Object.keys(await snapshot(rig.client, trg))).toEqual([META_KEY]);
  });
});
