// The rig for reliability tests: the loopback S3 server, the fault proxy in front of it, and
// helpers to seed buckets, write a job config that points at the proxy, and look at the target.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parse, stringify } from 'yaml';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { repoRoot, runCli, type CliResult } from './run-cli.js';
import { createBucket, getObjectBytes, listAllKeys, startS3Server, type S3TestServer } from './s3-server.js';

/** Known credential values: tests check that none of them ever shows up in any output. */
export const SECRETS = { XETRA_REL_KEY: 'AKIAXETRARELIABLE123', XETRA_REL_SECRET: 'xetra/rel+Secret/Value/0123456789abcdefDEADBEEF' } as const;
export const SECRET_ENV = { ...process.env, ...SECRETS, AWS_SESSION_TOKEN: 'xetra-rel-session-token-FEEDFACE' };

export const META_KEY = 'meta/report1/xetra_report1_meta_file.csv';
export const LOCK_KEY = `${META_KEY}.lock`;
export const PENDING_KEY = `${META_KEY}.pending`;
/** A meta file from an earlier run, outside the window: it must stay byte for byte when a run fails. */
export const SEEDED_META = 'source_date,datetime_of_processing\n2017-07-21,2017-07-22 10:00:00\n';
/** The window the rig's runs cover: --today 2017-07-25 from src_first_extract_date 2017-07-25. */
export const FIRST_DATE = '2017-07-25';
export const TODAY = '2017-07-25';

export interface Rig {
  readonly server: S3TestServer;
  readonly proxy: FaultProxy;
  /** A client straight to the server, never faulted: for seeding and checking. */
  readonly client: S3Client;
  stop(): Promise<void>;
}

export async function startRig(): Promise<Rig> {
  const server = await startS3Server();
  const proxy = await startFaultProxy(server.endpoint);
  return {
    server,
    proxy,
    client: server.client,
    async stop() {
      await proxy.stop();
      await server.stop();
    },
  };
}

/** Uploads the real sample's 2017-07-24 and 2017-07-25 hourly files (48 objects) to `bucket`. */
export async function seedSampleSource(client: S3Client, bucket: string): Promise<void> {
  await createBucket(client, bucket);
  for (const date of ['2017-07-24', '2017-07-25']) {
    for (let hour = 0; hour < 24; hour++) {
      const name = `${date}_BINS_XETR${String(hour).padStart(2, '0')}.csv`;
      const body = await readFile(path.join(repoRoot, 'sample/xetra', date, name));
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${date}/${name}`, Body: body }));
    }
  }
}

/** A target bucket holding SEEDED_META. */
export async function seedTarget(client: S3Client, bucket: string): Promise<void> {
  await createBucket(client, bucket);
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: META_KEY, Body: SEEDED_META }));
}

export interface RigConfig {
  readonly endpoint: string;
  readonly src: string;
  readonly trg: string;
  readonly format?: 'csv' | 'parquet';
  readonly s3?: Record<string, unknown>;
  readonly lock?: Record<string, unknown>;
  readonly logging?: Record<string, unknown>;
  /** Extra keys for the source section. */
  readonly source?: Record<string, unknown>;
  /** The performance section; default: no parsing threads. */
  readonly performance?: Record<string, unknown>;
}

/** configs/local.yml pointed at `endpoint` with env-var credentials, CSV reports and silent logs unless told. */
export async function writeRigConfig(options: RigConfig): Promise<string> {
  const config = parse(await readFile(path.join(repoRoot, 'configs/local.yml'), 'utf8')) as Record<string, Record<string, unknown>>;
  config.s3 = { access_key: 'XETRA_REL_KEY', secret_key: 'XETRA_REL_SECRET', src_endpoint_url: options.endpoint, src_bucket: options.src, trg_endpoint_url: options.endpoint, trg_bucket: options.trg, region: 'eu-central-1', ...options.s3 };
  Object.assign(config.source ?? {}, { src_first_extract_date: FIRST_DATE, ...options.source });
  Object.assign(config.target ?? {}, { trg_format: options.format ?? 'csv' });
  config.logging = { level: 'silent', format: 'json', ...options.logging };
  config.performance = options.performance ?? { workers: 0 };
  if (options.lock) config.lock = options.lock;
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'xetra-rel-')), 'config.yml');
  await writeFile(file, stringify(config));
  return file;
}

export const runRigCli = (config: string, extra: readonly string[] = []): Promise<CliResult> => runCli([config, '--today', TODAY, ...extra], SECRET_ENV);

/** Every object in `bucket` with the sha256 of its bytes. */
export async function snapshot(client: S3Client, bucket: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of await listAllKeys(client, bucket)) out[key] = createHash('sha256').update(await getObjectBytes(client, bucket, key)).digest('hex');
  return out;
}

export async function objectText(client: S3Client, bucket: string, key: string): Promise<string> {
  return Buffer.from(await getObjectBytes(client, bucket, key)).toString('utf8');
}

/** The source dates listed in the meta file, in file order. */
export async function metaDates(client: S3Client, bucket: string): Promise<string[]> {
  const lines = (await objectText(client, bucket, META_KEY)).trimEnd().split('\n');
  return lines.slice(1).map((line) => line.split(',')[0] ?? '');
}

/** The live report objects (CSV) in `bucket`: key and data lines. */
export async function reports(client: S3Client, bucket: string): Promise<{ key: string; header: string; rows: string[] }[]> {
  const out: { key: string; header: string; rows: string[] }[] = [];
  for (const key of await listAllKeys(client, bucket, 'report1/')) {
    const [header = '', ...rows] = (await objectText(client, bucket, key)).trimEnd().split('\n');
    out.push({ key, header, rows });
  }
  return out;
}
