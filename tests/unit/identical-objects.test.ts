// Small source objects listed with the ETag and size of one already read are served from its bytes
// instead of a second GET (most Xetra hours are the same header line), and only where the ETag is
// the MD5 of the body: every object still yields exactly its own bytes.
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { S3BucketConnector } from '../../src/common/s3.js';
import { S3ObjectStore } from '../../src/storage/s3-store.js';
import { mockS3, type MockedS3 } from '../support/mock-s3.js';
import { XETRA_HEADER } from '../support/xetra-source.js';
import { captureLogger, type CapturedLogger } from './test-helpers.js';

const BUCKET = 'xetra';
const HEADER_ONLY = `${XETRA_HEADER}\n`;
const TRADES = `${HEADER_ONLY}"DE0005190003","BMW","BAYERISCHE MOTOREN WERKE AG ST","Common stock","EUR",2504000,2021-04-16,09:00,80.5,80.6,80.4,80.7,100,2\n`;
/** The size of HEADER_ONLY, other bytes. */
const LOOKALIKE = HEADER_ONLY.toLowerCase();
/** Larger than the objects that are remembered (4 KiB), identical twice. */
const LARGE = HEADER_ONLY + TRADES.slice(HEADER_ONLY.length).repeat(40);

describe('S3BucketConnector: identical small objects', () => {
  let mock: MockedS3;
  let logs: CapturedLogger;
  let conn: S3BucketConnector;

  beforeEach(() => {
    mock = mockS3(BUCKET);
    logs = captureLogger();
    conn = new S3BucketConnector(new S3ObjectStore(mock.client, BUCKET, `http://s3/${BUCKET}`), logs.logger);
    const objects: Record<string, string> = { '08.csv': TRADES, '09.csv': LARGE, '10.csv': LARGE, '17.csv': HEADER_ONLY, '18.csv': HEADER_ONLY, '19.csv': HEADER_ONLY, '20.csv': HEADER_ONLY, '21.csv': LOOKALIKE };
    for (const [key, body] of Object.entries(objects)) mock.s3.putObject(BUCKET, `2021-04-16/${key}`, body);
  });

  afterEach(() => {
    mock.restore();
  });

  /** Each listed key with the text streamObject gave for it, read one after another. */
  async function readAll(): Promise<[string, string][]> {
    const read: [string, string][] = [];
    for (const key of await conn.listFilesInPrefix('2021-04-16/')) {
      const chunks: Uint8Array[] = [];
      expect(await conn.streamObject(key, (chunk) => chunks.push(chunk))).toBe(true);
      read.push([key.slice(-6), Buffer.concat(chunks).toString('utf8')]);
    }
    return read;
  }

  const expected: [string, string][] = [['08.csv', TRADES], ['09.csv', LARGE], ['10.csv', LARGE], ['17.csv', HEADER_ONLY], ['18.csv', HEADER_ONLY], ['19.csv', HEADER_ONLY], ['20.csv', HEADER_ONLY], ['21.csv', LOOKALIKE]];

  it('downloads a small object once when others have its ETag (the MD5 of its bytes) and size', async () => {
    expect(await readAll()).toEqual(expected);
    const fetched = mock.stub.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Key?.slice(-6));
    expect(fetched).toEqual(['08.csv', '09.csv', '10.csv', '17.csv', '21.csv']);
    // Every object is still logged as read, as the original logs each key.
    expect(logs.messages().filter((m) => m.startsWith('Reading file'))).toHaveLength(8);
  });

  it('downloads every object when ETags are not the MD5 of the bytes (SSE-KMS, some gateways), even when they are equal', async () => {
    mock.s3.opaqueEtags = true;
    expect(await readAll()).toEqual(expected);
    expect(mock.stub.commandCalls(GetObjectCommand)).toHaveLength(8);
  });

  it('gives each reader its own copy: a receiver that takes the buffer over does not spoil the next read', async () => {
    const keys = await conn.listFilesInPrefix('2021-04-16/');
    const [first, second] = keys.slice(3);
    let taken: Uint8Array | undefined;
    await conn.streamObject(first ?? '', (chunk) => {
      taken = chunk;
    });
    await conn.streamObject(second ?? '', (chunk) => {
      chunk.fill(0); // what a transfer to a parsing thread does to the sender's view, near enough
    });
    const third: Uint8Array[] = [];
    await conn.streamObject(keys[5] ?? '', (chunk) => third.push(chunk));
    expect(Buffer.from(taken ?? []).toString('utf8')).toBe(HEADER_ONLY);
    expect(Buffer.concat(third).toString('utf8')).toBe(HEADER_ONLY);
    expect(mock.stub.commandCalls(GetObjectCommand)).toHaveLength(1);
  });
});
