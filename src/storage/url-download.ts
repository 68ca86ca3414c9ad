import http from 'node:http';
import https from 'node:https';
import { DownloadFailed } from './download-failed.js';
import type { SignedUrl } from './object-store.js';
import { expectedChecksum, type ExpectedChecksum } from './response-checksum.js';

/** Connections stay open between objects, as the SDK's do: one TLS handshake per connection, not per object. */
const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

/**
 * GETs a signed URL and hands each chunk of the body to `onChunk` as it arrives, so the socket's flow
 * control holds back a server that sends faster than `onChunk` consumes. Resolves once the body arrived
 * whole, with as many bytes as Content-Length said and the checksum S3 gave, if it gave one; rejects with
 * DownloadFailed otherwise (any status but 200, a broken or silent connection, a checksum that differs), or
 * with what `onChunk` threw, after closing the connection.
 */
export function downloadUrl({ url, timeoutMs }: SignedUrl, onChunk: (chunk: Uint8Array) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let thrown: Error | undefined;
    const fail = (error: Error): void => {
      reject(thrown ?? (error instanceof DownloadFailed ? error : new DownloadFailed(error.message)));
    };
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const request = (secure ? https.get : http.get)(target, { agent: agents[secure ? 'https:' : 'http:'], timeout: timeoutMs }, (response) => {
      if (response.statusCode !== 200) {
        request.destroy(new DownloadFailed(`HTTP ${response.statusCode ?? '?'}`));
        return;
      }
      const expected = Number(response.headers['content-length'] ?? Number.NaN);
      const check = expectedChecksum(response.headers);
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.byteLength;
        try {
          check?.checksum.update(chunk);
          onChunk(chunk);
        } catch (error) {
          thrown = error instanceof Error ? error : new Error(String(error));
          request.destroy(thrown);
        }
      });
      const brokeOff = (why: string): DownloadFailed => new DownloadFailed(`the body broke off after ${received} of ${Number.isFinite(expected) ? expected : '?'} bytes${why}`);
      response.on('error', (error) => { fail(brokeOff(` (${error.message})`)); });
      response.on('close', () => {
        if (!response.complete || (Number.isFinite(expected) && received !== expected)) fail(brokeOff(''));
        else if (check === undefined) resolve();
        else verify(check).then(resolve, fail);
      });
    });
    request.on('timeout', () => request.destroy(new DownloadFailed(`no data for ${timeoutMs} ms (s3.request_timeout_ms)`)));
    request.on('error', fail);
  });
}

async function verify({ algorithm, expected, checksum }: ExpectedChecksum): Promise<void> {
  const actual = Buffer.from(await checksum.digest()).toString('base64');
  if (actual !== expected) throw new DownloadFailed(`the body's ${algorithm} checksum is ${actual}, S3 gave ${expected}`);
}
