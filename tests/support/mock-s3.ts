// An in-memory S3 behind aws-sdk-client-mock, so unit tests go through the real S3ObjectStore and
// S3BucketConnector (and lib-storage's Upload) without a network or a server. It models only what
// the job sends: PutObject (also what Upload sends for bodies under its 5 MiB part size),
// GetObject, ListObjectsV2 (prefix, byte order, paging) and HeadBucket. Any other command fails
// loudly instead of resolving `undefined`.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  type GetObjectCommandInput,
  type HeadBucketCommandInput,
  type ListObjectsV2CommandInput,
  type ListObjectsV2CommandOutput,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';

export interface StoredObject {
  readonly body: Buffer;
  readonly contentType: string | undefined;
}

/** What ListObjectsV2 answers per page when the request names no smaller MaxKeys (S3's own default). */
const DEFAULT_MAX_KEYS = 1000;

const metadata = (httpStatusCode: number) => ({ httpStatusCode, requestId: 'MOCK', attempts: 1, totalRetryDelay: 0 });

/** S3's listing order: ascending UTF-8 bytes (not UTF-16 code units, not locale order). */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The buckets and objects the mocked client sees. Tests may seed and inspect them directly. */
export class MemoryS3 {
  private readonly buckets = new Map<string, Map<string, StoredObject>>();
  /** Caps every ListObjectsV2 page, so tests can force the paginator to page. */
  maxKeysPerPage = DEFAULT_MAX_KEYS;
  /**
   * ETags as S3 gives them for a plain upload: the quoted MD5 of the body. True models ETags that look
   * the same but are not the MD5 of the body (SSE-KMS objects, some gateways): here one for all objects.
   */
  opaqueEtags = false;

  etag(bucket: string, key: string): string {
    const body = this.getObject(bucket, key)?.body ?? Buffer.alloc(0);
    return `"${createHash('md5').update(this.opaqueEtags ? 'opaque' : body).digest('hex')}"`;
  }

  createBucket(bucket: string): void {
    if (!this.buckets.has(bucket)) this.buckets.set(bucket, new Map());
  }

  hasBucket(bucket: string): boolean {
    return this.buckets.has(bucket);
  }

  /** Stores an object as a client's put_object would (strings as UTF-8, no BOM). */
  putObject(bucket: string, key: string, body: string | Uint8Array, contentType?: string): void {
    this.objects(bucket).set(key, { body: Buffer.from(typeof body === 'string' ? Buffer.from(body, 'utf8') : body), contentType });
  }

  getObject(bucket: string, key: string): StoredObject | undefined {
    return this.objects(bucket).get(key);
  }

  /** The object's bytes decoded as UTF-8; throws when there is no such object. */
  text(bucket: string, key: string): string {
    const object = this.getObject(bucket, key);
    if (object === undefined) throw new Error(`mock S3: no object ${bucket}/${key}`);
    return object.body.toString('utf8');
  }

  /** Every key in the bucket, in S3's listing order. */
  keys(bucket: string, prefix = ''): string[] {
    return [...this.objects(bucket).keys()].filter((key) => key.startsWith(prefix)).sort(byteOrder);
  }

  private objects(bucket: string): Map<string, StoredObject> {
    const objects = this.buckets.get(bucket);
    if (objects === undefined) throw noSuchBucket(bucket);
    return objects;
  }

  /** ListObjectsV2: keys starting with Prefix, byte order, MaxKeys per page, opaque continuation tokens. */
  listObjectsV2(input: ListObjectsV2CommandInput): ListObjectsV2CommandOutput {
    const bucket = input.Bucket ?? '';
    const prefix = input.Prefix ?? '';
    const maxKeys = Math.min(input.MaxKeys ?? DEFAULT_MAX_KEYS, this.maxKeysPerPage);
    const after = input.ContinuationToken !== undefined ? Buffer.from(input.ContinuationToken, 'base64url').toString('utf8') : (input.StartAfter ?? '');
    const matching = this.keys(bucket, prefix).filter((key) => after === '' || byteOrder(key, after) > 0);
    const page = matching.slice(0, maxKeys);
    const isTruncated = matching.length > page.length;
    const last = page.at(-1);
    return {
      $metadata: metadata(200),
      Name: bucket,
      Prefix: prefix,
      MaxKeys: maxKeys,
      KeyCount: page.length,
      IsTruncated: isTruncated,
      ...(input.ContinuationToken !== undefined ? { ContinuationToken: input.ContinuationToken } : {}),
      ...(isTruncated && last !== undefined ? { NextContinuationToken: Buffer.from(last, 'utf8').toString('base64url') } : {}),
      // S3 leaves Contents out entirely when nothing matches.
      ...(page.length > 0
        ? {
            Contents: page.map((key) => ({
              Key: key,
              Size: this.getObject(bucket, key)?.body.length ?? 0,
              ETag: this.etag(bucket, key),
              StorageClass: 'STANDARD' as const,
              LastModified: new Date(0),
            })),
          }
        : {}),
    };
  }
}

function noSuchBucket(bucket: string): NoSuchBucket {
  return new NoSuchBucket({ message: `The specified bucket does not exist: ${bucket}`, $metadata: metadata(404) });
}

/** The body types PutObject gets from this job: Upload passes Buffer/Uint8Array slices of the body. */
async function bodyBytes(body: PutObjectCommandInput['Body']): Promise<Buffer> {
  if (body === undefined) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof Readable) {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks);
  }
  throw new Error(`mock S3: unsupported PutObject body type ${Object.prototype.toString.call(body)}`);
}

export interface MockedS3 {
  /** A real S3Client whose `send` the mock answers; pass it to S3ObjectStore. */
  readonly client: S3Client;
  readonly s3: MemoryS3;
  readonly stub: AwsClientStub<S3Client>;
  /** Restores S3Client.prototype.send; call in afterEach. */
  restore(): void;
}

/**
 * Mocks every S3Client (mockClient on the class) with a fresh in-memory S3 holding `buckets`
 * (created empty). The client carries the original tests' settings: eu-central-1, KEY1/KEY2.
 */
export function mockS3(...buckets: string[]): MockedS3 {
  const s3 = new MemoryS3();
  for (const bucket of buckets) s3.createBucket(bucket);
  const stub = mockClient(S3Client);
  stub.onAnyCommand().callsFake((input: object) => {
    throw new Error(`mock S3: command not modelled: ${JSON.stringify(Object.keys(input))}`);
  });
  stub.on(PutObjectCommand).callsFake(async (input: PutObjectCommandInput) => {
    const bucket = input.Bucket ?? '';
    if (!s3.hasBucket(bucket)) throw noSuchBucket(bucket);
    s3.putObject(bucket, input.Key ?? '', await bodyBytes(input.Body), input.ContentType);
    return { $metadata: metadata(200), ETag: '"mock"' };
  });
  stub.on(GetObjectCommand).callsFake((input: GetObjectCommandInput) => {
    const object = s3.getObject(input.Bucket ?? '', input.Key ?? '');
    if (object === undefined) {
      throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: metadata(404) });
    }
    return {
      $metadata: metadata(200),
      Body: Readable.from([object.body]),
      ContentLength: object.body.length,
      ContentType: object.contentType,
      ETag: s3.etag(input.Bucket ?? '', input.Key ?? ''),
    };
  });
  stub.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => s3.listObjectsV2(input));
  stub.on(HeadBucketCommand).callsFake((input: HeadBucketCommandInput) => {
    // HeadBucket has no error body, so the SDK names a missing bucket 'NotFound'.
    if (!s3.hasBucket(input.Bucket ?? '')) throw new NotFound({ message: 'UnknownError', $metadata: metadata(404) });
    return { $metadata: metadata(200), BucketRegion: 'eu-central-1' };
  });
  const client = new S3Client({
    region: 'eu-central-1',
    endpoint: 'https://s3.eu-central-1.amazonaws.com',
    credentials: { accessKeyId: 'KEY1', secretAccessKey: 'KEY2' },
  });
  return {
    client,
    s3,
    stub,
    restore: () => {
      client.destroy();
      stub.restore();
    },
  };
}
