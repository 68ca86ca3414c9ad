// Checks of the in-memory S3 model (tests/support/mock-s3.ts) the ported unit tests rely on: if the
// model drifted from S3's behaviour, those tests could pass for the wrong reason.
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../src/storage/s3-store.js';
import { mockS3, type MockedS3 } from '../support/mock-s3.js';

const BUCKET = 'test-bucket';
const LOCATION = `https://s3.eu-central-1.amazonaws.com/${BUCKET}`;

describe('mock S3 model', () => {
  let mock: MockedS3;
  let store: S3ObjectStore;

  beforeEach(() => {
    mock = mockS3(BUCKET);
    store = new S3ObjectStore(mock.client, BUCKET, LOCATION);
  });

  afterEach(() => {
    mock.restore();
  });

  it('lists by prefix in UTF-8 byte order across pages', async () => {
    // UTF-16 order would put the astral '😀' (D83D…) before '！' (FF01); UTF-8 bytes put it after.
    const keys = ['p/😀', 'p/！', 'p/b', 'p/B', 'p/a1', 'p/é', 'q/a'];
    for (const key of keys) mock.s3.putObject(BUCKET, key, 'x');
    mock.s3.maxKeysPerPage = 2;

    expect(await store.list('p/')).toEqual(['p/B', 'p/a1', 'p/b', 'p/é', 'p/！', 'p/😀']);
    expect(mock.stub.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(await store.list('none')).toEqual([]);
  });

  it('answers a missing key with an SDK-shaped NoSuchKey', async () => {
    const error: unknown = await mock.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'missing.csv' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(S3ServiceException);
    expect(error).toMatchObject({ name: 'NoSuchKey', $fault: 'client', $metadata: { httpStatusCode: 404 } });
    expect(await store.read('missing.csv')).toBeUndefined();
  });

  it('stores what lib-storage Upload sends for a small body as one PutObject', async () => {
    await store.write('a/b.csv', Buffer.from('col1\nä\n', 'utf8'), 'text/csv');

    expect(mock.stub.commandCalls(PutObjectCommand)).toHaveLength(1);
    expect(mock.s3.getObject(BUCKET, 'a/b.csv')).toEqual({ body: Buffer.from('col1\nä\n', 'utf8'), contentType: 'text/csv' });
    const chunks: Uint8Array[] = [];
    for await (const chunk of (await store.read('a/b.csv')) ?? []) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString('utf8')).toBe('col1\nä\n');
  });

  it('reports a missing bucket as the SDK does and rejects commands it does not model', async () => {
    await expect(store.assertReachable()).resolves.toBeUndefined();
    await expect(new S3ObjectStore(mock.client, 'no-bucket', 'x').assertReachable()).rejects.toThrow('the bucket does not exist');
    await expect(new S3ObjectStore(mock.client, 'no-bucket', 'x').list('')).rejects.toThrow('NoSuchBucket');
    await expect(mock.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'k' }))).rejects.toThrow('not modelled');
  });
});
