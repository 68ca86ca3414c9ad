import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/common/errors.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { openObjectStore } from '../../src/storage/open-store.js';
import { createBucket, startS3Server, type S3TestServer } from '../support/s3-server.js';

async function collect(body: AsyncIterable<Uint8Array> | undefined): Promise<string | undefined> {
  if (body === undefined) return undefined;
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

const KEYS = ['2021-04-16/b.csv', '2021-04-16/a.csv', '2021-04-16x/c.csv', '2021-04-17/a.csv', 'meta/m.csv', '2021-04-16/Z.csv', '2021-04-16/é.csv'];

/** One contract, two backends: the job must not be able to tell a `file:` folder from S3. */
function objectStoreContract(name: string, open: (bucket: string) => Promise<ObjectStore>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let store: ObjectStore;
    beforeAll(async () => {
      store = await open('bucket');
      for (const key of KEYS) await store.write(key, Buffer.from(`body of ${key}`), 'text/csv');
    });

    it('lists every key starting with a bare prefix, in UTF-8 byte order, like S3', async () => {
      expect(await store.list('2021-04-16')).toEqual(['2021-04-16/Z.csv', '2021-04-16/a.csv', '2021-04-16/b.csv', '2021-04-16/é.csv', '2021-04-16x/c.csv']);
      expect(await store.list('2021-04-16/')).toHaveLength(4);
      expect(await store.list('no-prefix/')).toEqual([]);
    });

    it('reads back what was written and answers undefined for a missing key', async () => {
      expect(await collect(await store.read('meta/m.csv'))).toBe('body of meta/m.csv');
      expect(await store.read('meta/missing.csv')).toBeUndefined();
    });

    it('replaces an object on a second write', async () => {
      await store.write('meta/m2.csv', Buffer.from('one'), 'text/csv');
      await store.write('meta/m2.csv', Buffer.from('two'), 'text/csv');
      expect(await collect(await store.read('meta/m2.csv'))).toBe('two');
      expect(await store.list('meta/m2')).toEqual(['meta/m2.csv']);
    });

    it('is reachable when the bucket exists, and says what to fix when it does not', async () => {
      await expect(store.assertReachable()).resolves.toBeUndefined();
      const missing = await open('missing-bucket');
      await expect(missing.assertReachable()).rejects.toThrow(StorageError);
      await expect(missing.assertReachable()).rejects.toThrow(/does not exist/);
    });
  });
}

let server: S3TestServer;
beforeAll(async () => {
  server = await startS3Server();
  await createBucket(server.client, 'bucket');
});
afterAll(() => server.stop());

const localRoot = mkdtemp(path.join(tmpdir(), 'xetra-store-'));
objectStoreContract('file: folder', async (bucket) => {
  const root = await localRoot;
  if (bucket === 'bucket') await mkdir(path.join(root, bucket), { recursive: true });
  return openObjectStore(`file:${root}`, bucket, { baseDir: '/' });
});
objectStoreContract('S3 (loopback server)', (bucket) =>
  openObjectStore(server.endpoint, bucket, { baseDir: '/', accessKeyEnv: 'K', secretKeyEnv: 'S', env: { K: 'test', S: 'test' } }),
);
