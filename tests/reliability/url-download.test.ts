// Downloads from a signed URL check the body against the checksum S3 sends, as the SDK checks its own
// responses. The expected values are the algorithms' published check values for "123456789" (and SHA
// digests computed here), not the code under test.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadFailed } from '../../src/storage/download-failed.js';
import { downloadUrl } from '../../src/storage/url-download.js';

const BODY = '123456789';
const CHECK_VALUES = {
  'x-amz-checksum-crc32': 'y/Q5Jg==', // 0xCBF43926
  'x-amz-checksum-crc32c': '4waSgw==', // 0xE3069283
  'x-amz-checksum-crc64nvme': 'rosUhgp5mIg=', // 0xAE8B14860A799888
  'x-amz-checksum-sha256': 'FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=',
  'x-amz-checksum-sha1': '98O8HYCOBHMq32eZZczDTKeuNEE=',
} as const;

let server: http.Server;
let base: string;
beforeAll(async () => {
  // Answers /?<header>=<value>&… with BODY, in two chunks, and those headers.
  server = http.createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    res.writeHead(200, { 'content-length': BODY.length, ...Object.fromEntries(query) });
    res.write(BODY.slice(0, 4));
    setTimeout(() => res.end(BODY.slice(4)), 5);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => { resolve(); })));

async function download(headers: Record<string, string>): Promise<string> {
  const chunks: Uint8Array[] = [];
  await downloadUrl({ url: `${base}?${new URLSearchParams(headers).toString()}`, timeoutMs: 2_000 }, (chunk) => chunks.push(Buffer.from(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

describe('downloadUrl checks the checksum S3 gives', () => {
  for (const [header, value] of Object.entries(CHECK_VALUES)) {
    const algorithm = header.slice('x-amz-checksum-'.length).toUpperCase();
    it(`accepts a body whose ${algorithm} matches and fails one whose ${algorithm} differs`, async () => {
      await expect(download({ [header]: value })).resolves.toBe(BODY);
      const wrong = Buffer.from(value, 'base64').map((b) => b ^ 1);
      const failure = download({ [header]: Buffer.from(wrong).toString('base64') });
      await expect(failure).rejects.toBeInstanceOf(DownloadFailed);
      await expect(failure).rejects.toThrow(`the body's ${algorithm} checksum is ${value}, S3 gave `);
    });
  }

  it('checks the first checksum in the order the SDK uses (SHA256, SHA1, CRC32, CRC32C, CRC64NVME) and only that one', async () => {
    await expect(download({ 'x-amz-checksum-crc64nvme': 'AAAAAAAAAAA=', 'x-amz-checksum-crc32': CHECK_VALUES['x-amz-checksum-crc32'] })).resolves.toBe(BODY);
    await expect(download({ 'x-amz-checksum-crc64nvme': CHECK_VALUES['x-amz-checksum-crc64nvme'], 'x-amz-checksum-crc32': 'AAAAAA==' })).rejects.toThrow("the body's CRC32 checksum");
  });

  it('leaves a multipart checksum of part checksums (…-N) and a response without checksum unchecked', async () => {
    await expect(download({ 'x-amz-checksum-crc32': 'AAAAAA==-3' })).resolves.toBe(BODY);
    await expect(download({})).resolves.toBe(BODY);
  });
});

describe('downloadUrl lets a body flow only at its turn', () => {
  it('holds a body that has arrived until its turn, longer than the timeout, then delivers all of it', async () => {
    const chunks: Uint8Array[] = [];
    let startTurn!: () => void;
    const turn = new Promise<void>((resolve) => { startTurn = resolve; });
    let settled = false;
    const done = downloadUrl({ url: `${base}?x-amz-checksum-crc32=${encodeURIComponent(CHECK_VALUES['x-amz-checksum-crc32'])}`, timeoutMs: 100 }, (chunk) => chunks.push(Buffer.from(chunk)), turn)
      .finally(() => { settled = true; });
    // The server sent the whole body within 5 ms; waiting three timeouts long must neither deliver nor fail it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(chunks).toHaveLength(0);
    expect(settled).toBe(false);
    startTurn();
    await done;
    expect(Buffer.concat(chunks).toString('utf8')).toBe(BODY);
  });

  it('still fails a body that stops once its turn has come', async () => {
    const stalling = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-length': BODY.length });
      res.write(BODY.slice(0, 4)); // and nothing more
    });
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(stalling.address() as AddressInfo).port}/`;
      const turn = new Promise<void>((resolve) => setTimeout(resolve, 200));
      const failure = downloadUrl({ url, timeoutMs: 100 }, () => undefined, turn);
      await expect(failure).rejects.toBeInstanceOf(DownloadFailed);
      await expect(failure).rejects.toThrow('no data for 100 ms (s3.request_timeout_ms)');
    } finally {
      stalling.closeAllConnections();
      await new Promise<void>((resolve) => stalling.close(() => { resolve(); }));
    }
  });
});
