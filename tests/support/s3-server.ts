// In-process S3-compatible server for tests: fauxqs 1.9.2 (pinned exactly) on 127.0.0.1, plus the
// few fixes we need on top of it. See docs in /work/shared/notes/engineering-facts.md section 2.
import { readFile, readdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { buildApp } from 'fauxqs';
// fauxqs only exports buildApp/startFauxqs; its stores are internal modules. We import them by path
// (safe because the version is pinned) so we can fix listing order and see objects for If-None-Match.
import { S3Store } from '../../node_modules/fauxqs/dist/s3/s3Store.js';
import type { S3Object } from '../../node_modules/fauxqs/dist/s3/s3Types.js';
import { SnsStore } from '../../node_modules/fauxqs/dist/sns/snsStore.js';
import { SqsStore } from '../../node_modules/fauxqs/dist/sqs/sqsStore.js';

export interface S3TestServer {
  /** e.g. http://127.0.0.1:41234 */
  endpoint: string;
  /** Path-style client for `endpoint`, region us-east-1, dummy static credentials. */
  client: S3Client;
  /** Destroys the client and closes the server (and its sockets) so the test process can exit. */
  stop(): Promise<void>;
}

/** fauxqs's Fastify instance caps bodies at 11 MiB; S3 allows 5 GiB per PUT, 64 MiB is plenty for tests. */
const BODY_LIMIT = 64 * 1024 * 1024;

const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

type ListOptions = NonNullable<Parameters<S3Store['listObjects']>[1]>;
type ListResult = ReturnType<S3Store['listObjects']>;

/**
 * fauxqs sorts listings with localeCompare ('a1' before 'B2') but pages with `key <= startAfter`
 * (UTF-16 order), so paginated listings repeat and drop keys. Real S3 lists in UTF-8 byte order;
 * this re-implements the paging on top of fauxqs's unpaged result.
 */
class ByteOrderS3Store extends S3Store {
  override listObjects(bucket: string, options: ListOptions = {}): ListResult {
    const { prefix = '', delimiter, maxKeys = 1000 } = options;
    const after = options.startAfter ?? options.marker ?? '';
    // Encode each key once: sorting with byteOrder() would re-encode both keys on every comparison.
    const all = super
      .listObjects(bucket, { prefix, maxKeys: Number.MAX_SAFE_INTEGER })
      .objects.map((obj) => ({ obj, bytes: Buffer.from(obj.key) }))
      .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
      .map(({ obj }) => obj);
    const page: (S3Object | string)[] = []; // objects and common prefixes, interleaved as S3 counts them
    let isTruncated = false;
    for (const obj of all) {
      let entry: S3Object | string = obj;
      const cut = delimiter ? obj.key.indexOf(delimiter, prefix.length) : -1;
      if (delimiter && cut >= 0) entry = obj.key.slice(0, cut + delimiter.length);
      const sortKey = typeof entry === 'string' ? entry : entry.key;
      if ((after && byteOrder(sortKey, after) <= 0) || entry === page.at(-1)) continue;
      if (page.length >= maxKeys) {
        isTruncated = true;
        break;
      }
      page.push(entry);
    }
    // fauxqs builds the continuation token from the last *object*, so a page must not end in common
    // prefixes that follow an object, or the next page would repeat them. A shorter page is legal S3.
    if (isTruncated && page.some((e) => typeof e !== 'string')) {
      while (typeof page.at(-1) === 'string') page.pop();
    }
    return {
      objects: page.filter((e): e is S3Object => typeof e !== 'string'),
      commonPrefixes: page.filter((e): e is string => typeof e === 'string'),
      isTruncated,
    };
  }

  has(bucket: string, key: string): boolean {
    try {
      this.headObject(bucket, key);
      return true;
    } catch {
      return false; // NoSuchKey or NoSuchBucket; the write itself reports a missing bucket
    }
  }
}

const PRECONDITION_FAILED_XML =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code>' +
  '<Message>At least one of the pre-conditions you specified did not hold</Message>' +
  '<Condition>If-None-Match</Condition></Error>';

export async function startS3Server(): Promise<S3TestServer> {
  const s3Store = new ByteOrderS3Store();
  // logger: false keeps test output clean (fauxqs defaults to a request logger).
  const app = buildApp({ logger: false, stores: { s3Store, sqsStore: new SqsStore(), snsStore: new SnsStore() } });

  // Fastify keeps the '*' parser under an internal '' key that removeContentTypeParser('*') does not
  // reach, and re-adding '*' overwrites it; remove first anyway in case a later Fastify fixes that.
  app.removeContentTypeParser('*');
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    done(null, body);
  });

  // fauxqs ignores If-None-Match on writes. Emulate S3 conditional writes (PutObject and
  // CompleteMultipartUpload): 412 when the key already exists. The check is atomic without a lock:
  // this hook is synchronous and fauxqs's handler stores the object synchronously, with no I/O in
  // between, so no other request can run between the check and the write (see the race test).
  app.addHook('preHandler', (request, reply, done) => {
    const query = request.query as Record<string, string | undefined>;
    const { bucket, '*': key } = request.params as { bucket?: string; '*'?: string };
    const isWrite =
      (request.method === 'PUT' && query.partNumber === undefined) ||
      (request.method === 'POST' && query.uploadId !== undefined);
    if (isWrite && request.headers['if-none-match'] === '*' && bucket && key && s3Store.has(bucket, key)) {
      void reply.code(412).type('application/xml').send(PRECONDITION_FAILED_XML);
      return;
    }
    done();
  });

  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;

  // The SDK warns once per process that its 2027 releases need Node >= 22; that is known (facts
  // file §1) and would only add noise to every test run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const client = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });

  return {
    endpoint,
    client,
    async stop() {
      client.destroy(); // drops the SDK's keep-alive sockets
      await app.close(); // fauxqs sets forceCloseConnections, so open sockets are closed too
    },
  };
}

export async function createBucket(client: S3Client, name: string): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: name }));
}

/** Uploads every file below `dir`; keys are paths relative to `dir` with '/' separators. Returns the keys. */
export async function uploadFolder(client: S3Client, bucket: string, dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  const keys: string[] = [];
  for (const file of files) {
    const key = path.relative(dir, file).split(path.sep).join('/');
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(file) }));
    keys.push(key);
  }
  return keys.sort(byteOrder);
}

/** All keys under `prefix`, following continuation tokens, in the order S3 returns them. */
export async function listAllKeys(client: S3Client, bucket: string, prefix?: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
    for (const obj of page.Contents ?? []) if (obj.Key !== undefined) keys.push(obj.Key);
  }
  return keys;
}

export async function getObjectBytes(client: S3Client, bucket: string, key: string): Promise<Uint8Array> {
  const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!res.Body) throw new Error(`GetObject ${bucket}/${key} returned no body`);
  return res.Body.transformToByteArray();
}
