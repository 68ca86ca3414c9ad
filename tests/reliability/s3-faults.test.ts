// Fault matrix: the job against the loopback S3 server through the fault proxy. Every case checks
// the outcome (success after retries, or one clear error), that no partial object is left, that
// the meta file is unchanged after a failure, and that a clean rerun writes the undisturbed report.
import { ListMultipartUploadsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageError, XetraEtlError } from '../../src/common/errors.js';
import { runJob } from '../../src/run-job.js';
import type { FaultRule, RecordedRequest } from '../support/fault-proxy.js';
import { evaluate, loadPolicy } from '../support/iam-policy.js';
import { createBucket } from '../support/s3-server.js';
import { FIRST_DATE, LOCK_KEY, META_KEY, PENDING_KEY, SECRET_ENV, SEEDED_META, TODAY, metaDates, objectText, reports, seedSampleSource, seedTarget, snapshot, startRig, writeRigConfig, type Rig } from '../support/s3-job.js';

let rig: Rig;
let baseline: { rows: string[]; header: string };
const SRC = 'rel-src';
const BIG_SRC = 'rel-big-src';
let bigBaseline: string[];
const BIG_ROWS = 50_000;

/** Fast settings so a stalled request fails in half a second; 3 attempts as the SDK default. */
const FAST = { max_attempts: 3, request_timeout_ms: 500 };

const isReportPut = (r: RecordedRequest): boolean => r.key.startsWith('report1/') && (r.operation === 'PutObject' || r.operation === 'UploadPart');
const isSourceGet = (hour: string) => (r: RecordedRequest): boolean => r.operation === 'GetObject' && r.key === `2017-07-25/2017-07-25_BINS_XETR${hour}.csv`;
const isMetaPut = (r: RecordedRequest): boolean => r.operation === 'PutObject' && r.key === META_KEY;

let bucketCount = 0;
async function freshTarget(): Promise<string> {
  bucketCount += 1;
  const trg = `rel-trg-${bucketCount}`;
  await seedTarget(rig.client, trg);
  return trg;
}

async function run(src: string, trg: string, s3: Record<string, unknown> = FAST): Promise<XetraEtlError | undefined> {
  const configPath = await writeRigConfig({ endpoint: rig.proxy.endpoint, src, trg, s3 });
  try {
    await runJob({ configPath, today: TODAY, env: SECRET_ENV });
    return undefined;
  } catch (error) {
    if (error instanceof XetraEtlError) return error;
    throw error;
  }
}

interface Outcome {
  readonly error: XetraEtlError | undefined;
  readonly faults: number;
  /** The S3 operations the run issued, in order. */
  readonly operations: string[];
  readonly before: Record<string, string>;
  readonly after: Record<string, string>;
  readonly trg: string;
}

/** One faulted run on a fresh target seeded with a meta file. */
async function faulted(rules: FaultRule[], src = SRC, s3: Record<string, unknown> = FAST): Promise<Outcome> {
  const trg = await freshTarget();
  const before = await snapshot(rig.client, trg);
  rig.proxy.reset();
  for (const rule of rules) rig.proxy.addFault(rule);
  const error = await run(src, trg, s3);
  const faults = rig.proxy.faulted.length;
  const operations = rig.proxy.requests.map((r) => r.operation);
  rig.proxy.reset();
  return { error, faults, operations, before, after: await snapshot(rig.client, trg), trg };
}

/** The run failed and left the target exactly as it was: no report, no partial object, meta unchanged, no lock. */
async function expectCleanFailure(outcome: Outcome, message: RegExp): Promise<void> {
  expect(outcome.error).toBeInstanceOf(StorageError);
  expect(outcome.error?.message).toMatch(message);
  expect(outcome.error?.message).not.toContain('\n');
  expect(outcome.after).toEqual(outcome.before);
  expect(await objectText(rig.client, outcome.trg, META_KEY)).toBe(SEEDED_META);
  const uploads = await rig.client.send(new ListMultipartUploadsCommand({ Bucket: outcome.trg }));
  expect(uploads.Uploads ?? []).toEqual([]);
}

/** A run without faults on the same target now writes exactly the undisturbed report and records the window once. */
async function expectRerunMatchesBaseline(trg: string, expected = baseline.rows, src = SRC): Promise<void> {
  expect(await run(src, trg)).toBeUndefined();
  const written = await reports(rig.client, trg);
  expect(written).toHaveLength(1);
  expect(written[0]?.rows).toEqual(expected);
  expect(await metaDates(rig.client, trg)).toEqual(['2017-07-21', FIRST_DATE]);
  expect(Object.keys(await snapshot(rig.client, trg)).filter((k) => k === LOCK_KEY || k === PENDING_KEY)).toEqual([]);
}

/** Succeeded after retries: the report equals the undisturbed one and the meta file records the window once. */
async function expectRecovered(outcome: Outcome, faults: number, expected = baseline.rows): Promise<void> {
  expect(outcome.error).toBeUndefined();
  expect(outcome.faults).toBe(faults);
  const written = await reports(rig.client, outcome.trg);
  expect(written).toHaveLength(1);
  expect(written[0]?.rows).toEqual(expected);
  expect(await metaDates(rig.client, outcome.trg)).toEqual(['2017-07-21', FIRST_DATE]);
  expect(Object.keys(outcome.after).filter((k) => k === LOCK_KEY || k === PENDING_KEY)).toEqual([]);
}

/** 50,000 instruments with 80-character ISINs on 2017-07-25: a CSV report over 5 MiB, so lib-storage uploads it in parts. */
async function seedBigSource(): Promise<void> {
  await createBucket(rig.client, BIG_SRC);
  const header = 'ISIN,Mnemonic,SecurityDesc,SecurityType,Currency,SecurityID,Date,Time,StartPrice,MaxPrice,MinPrice,EndPrice,TradedVolume,NumberOfTrades';
  for (const date of ['2017-07-24', '2017-07-25']) {
    const lines = [header];
    for (let i = 0; date === '2017-07-25' && i < BIG_ROWS; i++) {
      const price = (100 + (i % 997) / 7).toFixed(4);
      lines.push(`DE${String(i).padStart(78, '0')},M,D,S,EUR,${i},${date},09:00,${price},${price},${price},${price},${100 + i},1`);
    }
    await rig.client.send(new PutObjectCommand({ Bucket: BIG_SRC, Key: `${date}/${date}_BINS_XETR09.csv`, Body: `${lines.join('\n')}\n` }));
  }
}

beforeAll(async () => {
  rig = await startRig();
  await seedSampleSource(rig.client, SRC);
  await seedBigSource();
  const trg = await freshTarget();
  expect(await run(SRC, trg)).toBeUndefined();
  const [report] = await reports(rig.client, trg);
  baseline = { rows: report?.rows ?? [], header: report?.header ?? '' };
  expect(baseline.rows.length).toBeGreaterThan(20);
  const big = await freshTarget();
  expect(await run(BIG_SRC, big)).toBeUndefined();
  bigBaseline = (await reports(rig.client, big))[0]?.rows ?? [];
  expect(bigBaseline).toHaveLength(BIG_ROWS);
  expect(rig.proxy.requests.some((r) => r.operation === 'UploadPart')).toBe(true);
}, 120_000);
afterAll(() => rig.stop());

describe('S3 faults that retries absorb: the run succeeds with the undisturbed report', () => {
  it('500 InternalError on a source GetObject', async () => {
    await expectRecovered(await faulted([{ match: isSourceGet('09'), fault: 'internal-error' }]), 1);
  });

  it('503 SlowDown twice on ListObjectsV2 (two retries of three attempts)', async () => {
    await expectRecovered(await faulted([{ match: (r) => r.operation === 'ListObjectsV2', fault: 'slow-down', times: 2 }]), 2);
  });

  it('connection reset halfway through the report upload body', async () => {
    await expectRecovered(await faulted([{ match: isReportPut, fault: 'reset-request-body' }]), 1);
  });

  it('a source GetObject that stalls past s3.request_timeout_ms', async () => {
    await expectRecovered(await faulted([{ match: isSourceGet('10'), fault: 'stall' }]), 1);
  });

  it('a multipart part that fails once (500 on UploadPart 2)', async () => {
    await expectRecovered(await faulted([{ match: (r) => r.operation === 'UploadPart' && r.query.get('partNumber') === '2', fault: 'internal-error' }], BIG_SRC), 1, bigBaseline);
  });

  it('the lock write reaches S3 but its answer is lost: the retry sees its own lock (412) and goes on', async () => {
    await expectRecovered(await faulted([{ match: (r) => r.key === LOCK_KEY && r.operation === 'PutObject', fault: 'drop-response' }]), 1);
  });
});

describe('S3 faults that outlast the retries: one clear error, the target untouched, a rerun matches', () => {
  it('500 on every attempt of a source GetObject', async () => {
    const outcome = await faulted([{ match: isSourceGet('09'), fault: 'internal-error', times: Infinity }]);
    await expectCleanFailure(outcome, /^cannot read '2017-07-25\/2017-07-25_BINS_XETR09\.csv' from http:\/\/127\.0\.0\.1:\d+\/rel-src: the server failed \(HTTP 500\) on all 3 attempts \(s3\.max_attempts\); rerun later \(InternalError: We encountered an internal error\. Please try again\.\)$/);
    expect(outcome.faults).toBe(3);
    await expectRerunMatchesBaseline(outcome.trg);
  });

  it('503 SlowDown on every attempt of the report PutObject', async () => {
    const outcome = await faulted([{ match: isReportPut, fault: 'slow-down', times: Infinity }]);
    await expectCleanFailure(outcome, /^cannot write 'report1\/xetra_daily_report1_\d{8}_\d{6}\.csv' to http:\/\/127\.0\.0\.1:\d+\/rel-trg-\d+: the server failed \(HTTP 503\) on all 3 attempts \(s3\.max_attempts\); rerun later \(SlowDown: Please reduce your request rate\.\)$/);
    await expectRerunMatchesBaseline(outcome.trg);
  });

  it('connection reset in the middle of a source object body (not retried by the SDK once the body streams)', async () => {
    const outcome = await faulted([{ match: isSourceGet('09'), fault: 'reset-response-body' }]);
    await expectCleanFailure(outcome, /^cannot read http:\/\/127\.0\.0\.1:\d+\/rel-src\/2017-07-25\/2017-07-25_BINS_XETR09\.csv: the download broke off midway \(aborted\); nothing was written, rerun the job$/);
    await expectRerunMatchesBaseline(outcome.trg);
  });

  it('a source object body that stops halfway and stays silent past s3.request_timeout_ms', async () => {
    const outcome = await faulted([{ match: isSourceGet('11'), fault: 'stall-response-body' }]);
    await expectCleanFailure(outcome, /^cannot read http:\/\/127\.0\.0\.1:\d+\/rel-src\/2017-07-25\/2017-07-25_BINS_XETR11\.csv: the download broke off midway \(.*the request socket timed out after 500 ms of inactivity.*\); nothing was written, rerun the job$/);
    await expectRerunMatchesBaseline(outcome.trg);
  });

  it('the meta GetObject stalls on every attempt: times out after 3 × 0.5 s, before any work', async () => {
    const outcome = await faulted([{ match: (r) => r.operation === 'GetObject' && r.key === META_KEY, fault: 'stall', times: Infinity }]);
    await expectCleanFailure(outcome, /^cannot read 'meta\/report1\/xetra_report1_meta_file\.csv' from http:\/\/127\.0\.0\.1:\d+\/rel-trg-\d+: no answer within s3\.request_timeout_ms on any of 3 attempts; the server is overloaded or the network is down: rerun later \(TimeoutError: /);
    await expectRerunMatchesBaseline(outcome.trg);
  });

  it('a multipart part that fails on every attempt: the upload is aborted and no object or part is left', async () => {
    const outcome = await faulted([{ match: (r) => r.operation === 'UploadPart' && r.query.get('partNumber') === '2', fault: 'internal-error', times: Infinity }], BIG_SRC);
    await expectCleanFailure(outcome, /^cannot write 'report1\/xetra_daily_report1_\d{8}_\d{6}\.csv' to http:\/\/127\.0\.0\.1:\d+\/rel-trg-\d+: the server failed \(HTTP 500\) on all 3 attempts \(s3\.max_attempts\); rerun later \(InternalError: /);
    expect(outcome.operations).toContain('CreateMultipartUpload');
    expect(outcome.operations).toContain('AbortMultipartUpload');
    await expectRerunMatchesBaseline(outcome.trg, bigBaseline, BIG_SRC);
  });

  it('the target bucket answers 500 to HeadBucket: the run stops before the lock', async () => {
    const outcome = await faulted([{ match: (r) => r.operation === 'HeadBucket' && r.bucket.startsWith('rel-trg-'), fault: 'internal-error', times: Infinity }]);
    await expectCleanFailure(outcome, /^cannot reach bucket http:\/\/127\.0\.0\.1:\d+\/rel-trg-\d+: the server failed \(HTTP 500\) on all 3 attempts \(s3\.max_attempts\); rerun later/);
    await expectRerunMatchesBaseline(outcome.trg);
  });
});

describe('a fault after the report is written', () => {
  it('the meta PutObject fails on every attempt: the run fails, and the next run records the written report instead of writing it again', async () => {
    const outcome = await faulted([{ match: isMetaPut, fault: 'internal-error', times: Infinity }]);
    expect(outcome.error?.message).toMatch(/^cannot write 'meta\/report1\/xetra_report1_meta_file\.csv' to .*: the server failed \(HTTP 500\) on all 3 attempts/);
    expect(await objectText(rig.client, outcome.trg, META_KEY)).toBe(SEEDED_META);
    // The report is complete (one PUT is atomic) and the journal names it.
    const [written] = await reports(rig.client, outcome.trg);
    expect(written?.rows).toEqual(baseline.rows);
    expect(Object.keys(outcome.after)).toContain(PENDING_KEY);

    expect(await run(SRC, outcome.trg)).toBeUndefined();
    const after = await reports(rig.client, outcome.trg);
    expect(after.map((r) => r.key)).toEqual([written?.key]);
    expect(await metaDates(rig.client, outcome.trg)).toEqual(['2017-07-21', FIRST_DATE]);
    expect(Object.keys(await snapshot(rig.client, outcome.trg))).not.toContain(PENDING_KEY);
  });
});

describe('bad input only S3 can hold', () => {
  it('a zero-byte folder marker YYYY-MM-DD/ under the prefix is skipped with a warning (the original crashed in read_csv)', async () => {
    await createBucket(rig.client, 'rel-marker-src');
    await rig.client.send(new PutObjectCommand({ Bucket: 'rel-marker-src', Key: '2017-07-25/', Body: '' }));
    for (const hour of ['09', '10']) {
      const key = `2017-07-25/2017-07-25_BINS_XETR${hour}.csv`;
      await rig.client.send(new PutObjectCommand({ Bucket: 'rel-marker-src', Key: key, Body: await objectText(rig.client, SRC, key) }));
    }
    const trg = await freshTarget();
    const warnings: string[] = [];
    const configPath = await writeRigConfig({ endpoint: rig.proxy.endpoint, src: 'rel-marker-src', trg, s3: FAST });
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push((JSON.parse(line) as { msg: string }).msg) });
    const summary = await runJob({ configPath, today: TODAY, env: SECRET_ENV, logger });
    expect(summary).toMatchObject({ files: 2, datesProcessed: [FIRST_DATE] });
    expect(warnings).toEqual([`Skipping folder marker ${rig.proxy.endpoint}/rel-marker-src/2017-07-25/`]);
  });
});

describe('skip mode on S3', () => {
  it('an unreadable row is skipped and written to the rejects object next to the report, under the report prefix the policy allows', async () => {
    await createBucket(rig.client, 'rel-skip-src');
    const key = '2017-07-25/2017-07-25_BINS_XETR09.csv';
    const lines = (await objectText(rig.client, SRC, key)).split('\n');
    lines[2] = (lines[2] ?? '').replace(/,(\d+),(\d+)$/, ',12x,$2');
    await rig.client.send(new PutObjectCommand({ Bucket: 'rel-skip-src', Key: key, Body: lines.join('\n') }));
    const trg = await freshTarget();
    const configPath = await writeRigConfig({ endpoint: rig.proxy.endpoint, src: 'rel-skip-src', trg, s3: FAST, source: { bad_rows: 'skip' } });
    const summary = await runJob({ configPath, today: TODAY, env: SECRET_ENV });
    expect(summary.rejects).toHaveLength(1);
    const keys = Object.keys(await snapshot(rig.client, trg));
    const rejectsKey = (summary.reportKey ?? '').replace(/csv$/, 'rejects.csv');
    expect(keys).toContain(rejectsKey);
    expect(await objectText(rig.client, trg, rejectsKey)).toMatch(/^source_object,line,reason,row\n\S+\/rel-skip-src\/2017-07-25\/2017-07-25_BINS_XETR09\.csv,3,"line 3: column TradedVolume has '12x', which is not a whole number; fix or remove the row",/);
  });
});

describe('least privilege: docs/iam-policy.json', () => {
  it('allows every request the job issued in this file (faults, retries, multipart, aborts, lock, journal, recovery), and each statement is needed', async () => {
    const statements = await loadPolicy();
    const decisions = evaluate(statements, rig.proxy.allRequests, { roleOf: (b) => (b.endsWith('-src') ? 'SOURCE_BUCKET' : 'TARGET_BUCKET'), trgKey: 'report1/xetra_daily_report1_', metaKey: META_KEY });
    expect(decisions.filter((d) => d.allowedBy === undefined).map((d) => `${d.request.operation} → ${d.action} on ${d.resource}`)).toEqual([]);
    expect(new Set(decisions.map((d) => d.request.operation))).toEqual(
      new Set(['HeadBucket', 'ListObjectsV2', 'GetObject', 'PutObject', 'DeleteObject', 'CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload', 'AbortMultipartUpload']),
    );
    expect(new Set(decisions.map((d) => d.allowedBy))).toEqual(new Set(statements.map((s) => s.Sid)));
    // And it is tight: the job never reads a report back, never deletes a report or the meta file.
    expect(decisions.filter((d) => d.request.key.startsWith('report1/') && d.action !== 's3:PutObject' && d.action !== 's3:AbortMultipartUpload')).toEqual([]);
    expect(decisions.filter((d) => d.action === 's3:DeleteObject' && !/\.(lock|pending)$/.test(d.request.key))).toEqual([]);
  });

  it('the evaluator is not a rubber stamp: it refuses a source write, a report read and a meta delete', async () => {
    const statements = await loadPolicy();
    const fake = (operation: string, bucket: string, key: string): RecordedRequest => ({ method: 'X', bucket, key, query: new URLSearchParams(), operation, ifNoneMatch: undefined, accessKeyId: undefined });
    const decisions = evaluate(statements, [fake('PutObject', SRC, '2017-07-25/x.csv'), fake('GetObject', 't', 'report1/xetra_daily_report1_1.csv'), fake('DeleteObject', 't', META_KEY), fake('GetObject', 't', 'other/key')], {
      roleOf: (b) => (b === SRC ? 'SOURCE_BUCKET' : 'TARGET_BUCKET'),
      trgKey: 'report1/xetra_daily_report1_',
      metaKey: META_KEY,
    });
    expect(decisions.map((d) => d.allowedBy)).toEqual([undefined, undefined, undefined, undefined]);
  });
});
