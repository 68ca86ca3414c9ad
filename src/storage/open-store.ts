import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { requireWithCodeCache, type CachedModule } from '../common/code-cache.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../common/constants.js';
import * as errors from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { LocalObjectStore } from './local-store.js';
import type { ObjectStore } from './object-store.js';

export interface StoreOptions {
  /** Names of the environment variables holding the keys; absent or empty: the SDK's default chain. */
  readonly accessKeyEnv?: string | undefined;
  readonly secretKeyEnv?: string | undefined;
  readonly region?: string | undefined;
  /** Relative `file:` endpoints resolve against this folder (the config file's). */
  readonly baseDir: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Attempts per request, the first included (SDK standard retry strategy); default 3. */
  readonly maxAttempts?: number | undefined;
  /** A request whose socket is idle this long fails (and is retried); default 60 s. */
  readonly requestTimeoutMs?: number | undefined;
  readonly logger?: Logger;
}

/**
 * The store behind an endpoint url: `file:` names a local folder whose sub-folders are buckets. The AWS
 * SDK is loaded only for S3 endpoints: importing it takes about a quarter of a second.
 */
export async function openObjectStore(endpointUrl: string, bucket: string, options: StoreOptions): Promise<ObjectStore> {
  if (endpointUrl.startsWith('file:')) {
    const folder = path.join(localRoot(endpointUrl, options.baseDir), bucket);
    return new LocalObjectStore(folder, `file:${folder}`);
  }
  const credentials = staticCredentials(options);
  return s3Store(await (s3Code ??= loadS3Code(options.logger)), endpointUrl, bucket, options, credentials);
}

export type S3Code = typeof import('./s3-store.js');

/**
 * Built, the S3 code is a CommonJS file of its own with V8's code cache beside it (scripts/build.mjs); from the
 * sources, it is the module itself.
 */
const S3_BUNDLE = fileURLToPath(new URL('./s3-store.cjs', import.meta.url));
let s3Code: Promise<S3Code> | undefined;

/** The bundle throws the job's own errors, which `instanceof` knows: it asks for them by this name (scripts/build.mjs). */
export const requireS3Bundle = (file: string): CachedModule<S3Code> => requireWithCodeCache<S3Code>(file, { 'xetra-etl:errors': errors });

async function loadS3Code(logger: Logger | undefined): Promise<S3Code> {
  if (!existsSync(S3_BUNDLE)) return import('./s3-store.js');
  const started = performance.now();
  const { exports, cache } = requireS3Bundle(S3_BUNDLE);
  logger?.debug({ file: S3_BUNDLE, codeCache: cache, ms: Math.round(performance.now() - started) }, 'S3 code loaded');
  return exports;
}

/** A store on S3 made with the given S3 code; the build's warm-up (scripts/warm-s3-code.ts) makes its store here too. */
export function s3Store(code: S3Code, endpointUrl: string, bucket: string, options: StoreOptions, credentials = staticCredentials(options)): InstanceType<S3Code['S3ObjectStore']> {
  const config = s3ClientConfig(endpointUrl, options, credentials);
  return new code.S3ObjectStore(new code.S3Client(config), bucket, `${endpointUrl.replace(/\/+$/, '')}/${bucket}`, config.requestHandler.socketTimeout);
}

function localRoot(endpointUrl: string, baseDir: string): string {
  const rest = endpointUrl.slice('file:'.length);
  if (rest.startsWith('//')) return fileURLToPath(endpointUrl);
  return path.resolve(baseDir, decodeURIComponent(rest));
}

/** AWS's own global endpoint is better left to the SDK, which then picks the bucket region's endpoint. */
const AWS_DEFAULT_ENDPOINT = /^https:\/\/s3\.amazonaws\.com\/?$/;

function s3ClientConfig(endpointUrl: string, options: StoreOptions, credentials: StaticCredentials | undefined): S3ClientConfig & { requestHandler: RequestHandlerOptions } {
  const isAws = /\.amazonaws\.com(\.cn)?\/?$/.test(endpointUrl);
  return {
    ...(AWS_DEFAULT_ENDPOINT.test(endpointUrl) ? {} : { endpoint: endpointUrl }),
    region: options.region ?? options.env?.AWS_REGION ?? process.env.AWS_REGION ?? 'us-east-1',
    forcePathStyle: !isAws,
    followRegionRedirects: true,
    credentials,
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: requestHandlerOptions(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS),
  };
}

/**
 * The wait for an answer and the longest silence inside a body are both bounded by `timeoutMs`.
 * Without throwOnRequestTimeout this SDK only logs a warning and a stalled request hangs forever;
 * requestTimeout ends at the response headers, so socketTimeout covers a body that stops midway.
 */
interface RequestHandlerOptions {
  requestTimeout: number;
  socketTimeout: number;
  connectionTimeout: number;
  throwOnRequestTimeout: true;
}

function requestHandlerOptions(timeoutMs: number): RequestHandlerOptions {
  return { requestTimeout: timeoutMs, socketTimeout: timeoutMs, connectionTimeout: Math.min(timeoutMs, 10_000), throwOnRequestTimeout: true };
}

interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

function staticCredentials(options: StoreOptions): StaticCredentials | undefined {
  const { accessKeyEnv, secretKeyEnv } = options;
  if (!accessKeyEnv && !secretKeyEnv) return undefined;
  if (!accessKeyEnv || !secretKeyEnv) {
    throw new errors.ConfigError('s3.access_key and s3.secret_key must be set together (names of environment variables), or both left out to use the default AWS credential chain');
  }
  const env = options.env ?? process.env;
  const missing = [accessKeyEnv, secretKeyEnv].filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new errors.ConfigError(`environment variable ${missing.join(' and ')} (named by s3.access_key/s3.secret_key) is not set; export it, or remove both keys from the s3 section to use the default AWS credential chain`);
  }
  return { accessKeyId: env[accessKeyEnv] ?? '', secretAccessKey: env[secretKeyEnv] ?? '', sessionToken: env.AWS_SESSION_TOKEN };
}
