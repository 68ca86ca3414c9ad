import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type S3TestServer,
  createBucket,
  getObjectBytes,
  listAllKeys,
  startS3Server,
  uploadFolder,
} from './s3-server.js';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Runs `fn` and returns the S3 error it throws (fails the test if it does not throw one). */
async function s3Error(fn: () => Promise<unknown>): Promise<S3ServiceException> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(S3ServiceException);
    return err as S3ServiceException;
  }
  throw new Error('expected an S3 error');
}

describe('in-process S3 server (fauxqs)', () => {
  let s3: S3TestServer;
  const bucket = 'test-bucket';

  beforeAll(async () => {
    s3 = await startS3Server();
    await createBucket(s3.client, bucket);
  });
  afterAll(async () => {
    await s3.stop();
  });

  it('listens on loopback only', () => {
    expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('round-trips an object', async () => {
    const body = new TextEncoder().encode('ISIN,Date\nDE000A0D6554,2022-01-03\n');
    await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'rt/one.csv', Body: body }));
    expect(await getObjectBytes(s3.client, bucket, 'rt/one.csv')).toEqual(body);
  });

  it('lists a prefix in UTF-8 byte order across pages', async () => {
    // Mixed case, punctuation and non-ASCII: orders where locale collation and byte order differ.
    const stems = ['many/a', 'many/B', 'many/a-', 'many/a_', 'many/é', 'many/Z'];
    const keys = stems.flatMap((stem) =>
      Array.from({ length: 201 }, (_, i) => stem + String(i).padStart(4, '0')),
    ); // 1,206 keys
    await Promise.all(
      keys.map((Key) => s3.client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x' }))),
    );
    await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'other/x', Body: 'x' }));

    const expected = [...keys].sort(byteOrder);
    expect(await listAllKeys(s3.client, bucket, 'many/')).toEqual(expected); // 2 pages of <= 1000

    // Small pages make every page boundary a chance to skip or repeat a key.
    const small: string[] = [];
    for await (const page of paginateListObjectsV2(
      { client: s3.client, pageSize: 50 },
      { Bucket: bucket, Prefix: 'many/' },
    )) {
      expect(page.KeyCount).toBeLessThanOrEqual(50);
      small.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
    }
    expect(small).toEqual(expected);
  });

  it('groups common prefixes with a delimiter without repeating them across pages', async () => {
    for (const Key of ['d/a/1', 'd/a/2', 'd/B/1', 'd/c', 'd/e/1', 'd/f']) {
      await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x' }));
    }
    const entries: string[] = [];
    for await (const page of paginateListObjectsV2(
      { client: s3.client, pageSize: 2 },
      { Bucket: bucket, Prefix: 'd/', Delimiter: '/' },
    )) {
      entries.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix ?? ''));
      entries.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
    }
    expect(entries.sort(byteOrder)).toEqual(['d/B/', 'd/a/', 'd/c', 'd/e/', 'd/f']);
  });

  it('reports NoSuchKey with 404', async () => {
    const err = await s3Error(() =>
      s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'missing.csv' })),
    );
    expect(err.name).toBe('NoSuchKey');
    expect(err.$metadata.httpStatusCode).toBe(404);
  });

  it('reports NoSuchBucket with 404', async () => {
    const err = await s3Error(() => s3.client.send(new ListObjectsV2Command({ Bucket: 'no-such-bucket' })));
    expect(err.name).toBe('NoSuchBucket');
    expect(err.$metadata.httpStatusCode).toBe(404);
  });

  it('accepts a 20 MB single PutObject (body limit raised above 11 MiB)', async () => {
    const body = randomBytes(20_000_000);
    await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'big/single.bin', Body: body }));
    expect(sha256(await getObjectBytes(s3.client, bucket, 'big/single.bin'))).toBe(sha256(body));
  });

  it('round-trips a 20 MB multipart upload via lib-storage', async () => {
    const body = randomBytes(20_000_000);
    const parts: number[] = [];
    const upload = new Upload({
      client: s3.client,
      params: { Bucket: bucket, Key: 'big/multipart.bin', Body: body },
      partSize: 5 * 1024 * 1024,
    });
    upload.on('httpUploadProgress', (p) => {
      if (p.part !== undefined) parts.push(p.part);
    });
    await upload.done();
    expect(new Set(parts).size).toBe(4); // really multipart: 3 x 5 MiB + remainder
    expect(sha256(await getObjectBytes(s3.client, bucket, 'big/multipart.bin'))).toBe(sha256(body));
  });

  it('honours If-None-Match: * on PutObject (412 when the key exists)', async () => {
    const put = (Body: string) =>
      s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'lock/run.lock', Body, IfNoneMatch: '*' }));
    await put('first');
    const err = await s3Error(() => put('second'));
    expect(err.name).toBe('PreconditionFailed');
    expect(err.$metadata.httpStatusCode).toBe(412);
    expect(new TextDecoder().decode(await getObjectBytes(s3.client, bucket, 'lock/run.lock'))).toBe('first');
  });

  it('lets exactly one of many concurrent If-None-Match: * writers win', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        s3.client.send(
          new PutObjectCommand({ Bucket: bucket, Key: 'lock/race.lock', Body: `w${i}`, IfNoneMatch: '*' }),
        ),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect((r.reason as S3ServiceException).$metadata.httpStatusCode).toBe(412);
    }
  });

  it('uploads a folder with relative, slash-separated keys', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 's3-server-test-'));
    try {
      await mkdir(path.join(dir, '2022-01-03', 'nested'), { recursive: true });
      await writeFile(path.join(dir, 'top.csv'), 'a');
      await writeFile(path.join(dir, '2022-01-03', 'x.csv'), 'b');
      await writeFile(path.join(dir, '2022-01-03', 'nested', 'y.csv'), 'c');
      await createBucket(s3.client, 'folder-bucket');
      const keys = await uploadFolder(s3.client, 'folder-bucket', dir);
      const expected = ['2022-01-03/nested/y.csv', '2022-01-03/x.csv', 'top.csv'];
      expect(keys).toEqual(expected);
      expect(await listAllKeys(s3.client, 'folder-bucket')).toEqual(expected);
      const nested = await getObjectBytes(s3.client, 'folder-bucket', '2022-01-03/nested/y.csv');
      expect(new TextDecoder().decode(nested)).toBe('c');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
