// Credentials never leave the process: runs with known secret values (successful, failing in every
// way we know, at the most verbose log level, JSON and pretty) and a scan of every byte they print
// or write for those values, raw, base64 and URL-encoded.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliResult } from '../support/run-cli.js';
import { ensureBuilt, runCli } from '../support/run-cli.js';
import { getObjectBytes, listAllKeys } from '../support/s3-server.js';
import { LOCK_KEY, SECRETS, SECRET_ENV, TODAY, seedSampleSource, seedTarget, startRig, writeRigConfig, type Rig } from '../support/s3-job.js';

let rig: Rig;
beforeAll(async () => {
  await ensureBuilt();
  rig = await startRig();
  await seedSampleSource(rig.client, 'sec-src');
});
afterAll(() => rig.stop());

const SECRET_VALUES = [SECRETS.XETRA_REL_KEY, SECRETS.XETRA_REL_SECRET, SECRET_ENV.AWS_SESSION_TOKEN];
/** Every form a secret could take on its way out: raw, base64, base64url, URL-encoded. */
const FORMS = [...new Set(SECRET_VALUES.flatMap((v) => [v, Buffer.from(v).toString('base64'), Buffer.from(v).toString('base64url'), encodeURIComponent(v)]))];

/** The secret forms found in `bytes`. */
function leaks(bytes: Buffer): string[] {
  return FORMS.filter((form) => bytes.includes(Buffer.from(form)));
}

/** stdout, stderr and every object in the target bucket, as one buffer. */
async function allOutput(result: CliResult, trg: string): Promise<Buffer> {
  const parts = [Buffer.from(result.stdout), Buffer.from(result.stderr)];
  for (const key of await listAllKeys(rig.client, trg)) parts.push(Buffer.from(await getObjectBytes(rig.client, trg, key)));
  return Buffer.concat(parts);
}

let n = 0;
async function scenario(options: { logging?: Record<string, unknown>; s3?: Record<string, unknown>; prepare?: (trg: string) => Promise<void> } = {}): Promise<{ result: CliResult; bytes: Buffer }> {
  n += 1;
  const trg = `sec-trg-${n}`;
  await seedTarget(rig.client, trg);
  await options.prepare?.(trg);
  const config = await writeRigConfig({ endpoint: rig.proxy.endpoint, src: 'sec-src', trg, logging: { level: 'trace', format: 'json', ...options.logging }, ...(options.s3 ? { s3: options.s3 } : {}) });
  const result = await runCli([config, '--today', TODAY], SECRET_ENV);
  return { result, bytes: await allOutput(result, trg) };
}

describe('credentials never appear in logs, errors or the report', () => {
  it('the scanner finds a planted secret in each form (positive control)', () => {
    for (const form of FORMS) expect(leaks(Buffer.from(`log line with ${form} inside`))).toContain(form);
    expect(leaks(Buffer.from("log line with nothing inside"))).toEqual([]);
  });

  it('a successful run at log level trace (JSON), report and meta included; the requests were signed with the secret key id', async () => {
    rig.proxy.reset();
    const { result, bytes } = await scenario();
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('"msg":"Xetra ETL job finished."'); // the logs were written
    expect(leaks(bytes)).toEqual([]);
    expect(rig.proxy.requests.length).toBeGreaterThan(10);
    expect(new Set(rig.proxy.requests.map((r) => r.accessKeyId))).toEqual(new Set([SECRETS.XETRA_REL_KEY]));
  });

  it('a successful run with pretty logs at debug', async () => {
    const { result, bytes } = await scenario({ logging: { level: 'debug', format: 'pretty' } });
    expect(result.code).toBe(0);
    expect(leaks(bytes)).toEqual([]);
  });

  it('a run refused with 403 AccessDenied on every attempt', async () => {
    rig.proxy.reset();
    rig.proxy.addFault({ match: (r) => r.operation === 'GetObject' && r.key.startsWith('2017-07-25/'), fault: 'access-denied', times: Infinity });
    const { result, bytes } = await scenario();
    rig.proxy.reset();
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/xetra-etl: error: cannot read '2017-07-25\/2017-07-25_BINS_XETR\d\d\.csv' from \S+: access denied; check the credentials and the bucket policy \(AccessDenied: Access Denied\)/);
    expect(leaks(bytes)).toEqual([]);
  });

  it('a run that times out, one that cannot connect, and one held off by the lock', async () => {
    rig.proxy.reset();
    rig.proxy.addFault({ match: (r) => r.operation === 'ListObjectsV2', fault: 'stall', times: Infinity });
    const stalled = await scenario({ s3: { max_attempts: 2, request_timeout_ms: 300 } });
    rig.proxy.reset();
    expect(stalled.result.stderr).toContain('no answer within s3.request_timeout_ms on any of 2 attempts');
    const unreachable = await writeRigConfig({ endpoint: 'http://127.0.0.1:9', src: 'sec-src', trg: 'sec-none', logging: { level: 'trace' } });
    const refused = await runCli([unreachable, '--today', TODAY], SECRET_ENV);
    expect(refused.stderr).toContain('the endpoint is unreachable');
    const locked = await scenario({ prepare: (trg) => rig.client.send(new PutObjectCommand({ Bucket: trg, Key: LOCK_KEY, Body: JSON.stringify({ owner: 'o', host: 'h', pid: 1, started: new Date().toISOString() }) })).then(() => undefined) });
    expect(locked.result.stderr).toContain('another run holds the lock');
    for (const bytes of [stalled.bytes, Buffer.from(refused.stdout + refused.stderr), locked.bytes]) expect(leaks(bytes)).toEqual([]);
  });

  it('a bad source object prints no secret either', async () => {
    const bad = await scenario({ prepare: () => rig.client.send(new PutObjectCommand({ Bucket: 'sec-src', Key: '2017-07-25/2017-07-25_BINS_XETR99.csv', Body: 'ISIN,Date\nX,2017-07-25\n' })).then(() => undefined) });
    expect(bad.result.code).toBe(1);
    expect(bad.result.stderr).toMatch(/XETR99\.csv: line 1: the header has no column/);
    expect(leaks(bad.bytes)).toEqual([]);
  });
});

describe('a literal key in the config is refused without being echoed', () => {
  for (const [field, value, message] of [
    ['access_key', 'AKIAIOSFODNN7EXAMPLE', 's3.access_key: looks like a literal AWS access key id'],
    ['secret_key', 'wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY1', 's3.secret_key: looks like a literal AWS secret access key'],
    ['secret_key', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 's3.secret_key: must be the NAME of an environment variable'],
  ] as const) {
    it(`${field} = a literal ${field === 'access_key' ? 'key id' : 'secret'} (${value.includes('/') ? 'with /' : 'alphanumeric'})`, async () => {
      const config = await writeRigConfig({ endpoint: rig.proxy.endpoint, src: 'sec-src', trg: 'sec-none', s3: field === 'access_key' ? { access_key: value } : { secret_key: value } });
      const result = await runCli([config, '--today', TODAY], SECRET_ENV);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stdout + result.stderr).not.toContain(value);
    });
  }
});
