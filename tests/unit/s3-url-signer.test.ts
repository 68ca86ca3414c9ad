// The per-key signing that spares the SDK's middleware stack must give, key for key, the very URL the
// SDK's getSignedUrl gives: same host, path encoding, query and signature. The loopback server does not
// check signatures, so equality with the SDK is what proves them right.
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { S3UrlSigner } from '../../src/storage/s3-url-signer.js';

const KEYS = ['2017-07-24/2017-07-24_BINS_XETR08.csv', 'odd keys/a b+c ü (1)!*\'~.csv', 'deep/er/still/x%y&z=1?.csv', '2017-07-25/2017-07-25_BINS_XETR17.csv'];

const clients = {
  'a path-style endpoint (MinIO, a loopback server)': {
    client: new S3Client({ endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } }),
    bucket: 'xetra-source',
  },
  'AWS, virtual-hosted, with a session token': {
    client: new S3Client({ region: 'eu-central-1', credentials: { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token/with+chars=' } }),
    bucket: 'deutsche-boerse-xetra-pds',
  },
};

describe('S3UrlSigner', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-28T09:30:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  for (const [name, { client, bucket }] of Object.entries(clients)) {
    it(`signs every key as getSignedUrl does, on ${name}`, async () => {
      const signer = await S3UrlSigner.create(client, bucket, KEYS[0] ?? '');
      expect(signer).toBeDefined();
      for (const key of KEYS) {
        const expected = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 3600 });
        expect(await signer?.sign(key)).toBe(expected);
      }
    });
  }

  it('puts the bucket in the path on a path-style endpoint and in the host on AWS', async () => {
    const { client, bucket } = clients['AWS, virtual-hosted, with a session token'];
    const url = new URL((await (await S3UrlSigner.create(client, bucket, 'k'))?.sign('2017-07-24/x.csv')) ?? '');
    expect([url.host, url.pathname]).toEqual(['deutsche-boerse-xetra-pds.s3.eu-central-1.amazonaws.com', '/2017-07-24/x.csv']);
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('token/with+chars=');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
  });
});
