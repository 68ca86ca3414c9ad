import type { Agent, ClientRequest, IncomingMessage } from 'node:http';
import type { RequestOptions } from 'node:https';
import { DownloadFailed } from './download-failed.js';
import type { SignedUrl } from './object-store.js';
import { expectedChecksum, startChecksum, type Checksum, type ExpectedChecksum } from './response-checksum.js';

interface Transport {
  readonly get: (url: URL, options: RequestOptions, callback: (response: IncomingMessage) => void) => ClientRequest;
  readonly agent: Agent;
}

/**
 * The HTTP or HTTPS module and its agent, loaded by the first URL of that protocol: a thread that downloads over
 * plain HTTP never loads TLS. Connections stay open between objects, as the SDK's do: one TLS handshake per
 * connection, not per object.
 */
const transports = new Map<string, Promise<Transport>>();

function transportFor(protocol: string): Promise<Transport> {
  let transport = transports.get(protocol);
  if (transport === undefined) {
    transport = (protocol === 'https:' ? import('node:https') : import('node:http')).then(({ default: module }) => ({ get: module.get, agent: new module.Agent({ keepAlive: true }) }));
    transports.set(protocol, transport);
  }
  return transport;
}

/**
 * GETs a signed URL and hands each chunk of the body to `onChunk` as it arrives, so the socket's flow
 * control holds back a server that sends faster than `onChunk` consumes. Resolves once the body arrived
 * whole, with as many bytes as Content-Length said and the checksum S3 gave, if it gave one; rejects with
 * DownloadFailed otherwise (any status but 200, a broken or silent connection, a checksum that differs), or
 * with what `onChunk` threw, after closing the connection.
 *
 * The request goes out at once, but the body waits for `turn`: a thread downloading its next object while it
 * parses the current one then finds the next body's first bytes waiting in the socket, instead of two bodies
 * arriving side by side and ending together, after which the thread waited for both of its next ones.
 */
export async function downloadUrl({ url, timeoutMs }: SignedUrl, onChunk: (chunk: Uint8Array) => void, turn: Promise<void> = Promise.resolve()): Promise<void> {
  const target = new URL(url);
  const { get, agent } = await transportFor(target.protocol);
  return new Promise((resolve, reject) => {
    let thrown: Error | undefined;
    const fail = (error: Error): void => {
      reject(thrown ?? (error instanceof DownloadFailed ? error : new DownloadFailed(error.message)));
    };
    const request = get(target, { agent, timeout: timeoutMs }, (response) => {
      if (response.statusCode !== 200) {
        request.destroy(new DownloadFailed(`HTTP ${response.statusCode ?? '?'}`));
        return;
      }
      const expected = Number(response.headers['content-length'] ?? Number.NaN);
      const check = expectedChecksum(response.headers);
      let checksum: Checksum | undefined;
      // No byte flows before its turn and before the checksum can take it; paused here, adding the data listener
      // does not resume. A body waiting for its turn is silent by our choice: the timeout restarts when it flows.
      response.pause();
      request.setTimeout(0);
      Promise.all([turn, check && startChecksum(check.algorithm)]).then(([, started]) => {
        checksum = started;
        request.setTimeout(timeoutMs);
        response.resume();
      }, (error: unknown) => {
        fail(error instanceof Error ? error : new Error(String(error)));
        request.destroy();
      });
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.byteLength;
        try {
          checksum?.update(chunk);
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
        else if (checksum !== undefined) verify(check, checksum).then(resolve, fail);
      });
    });
    request.on('timeout', () => request.destroy(new DownloadFailed(`no data for ${timeoutMs} ms (s3.request_timeout_ms)`)));
    request.on('error', fail);
  });
}

async function verify({ algorithm, expected }: ExpectedChecksum, checksum: Checksum): Promise<void> {
  const actual = Buffer.from(await checksum.digest()).toString('base64');
  if (actual !== expected) throw new DownloadFailed(`the body's ${algorithm} checksum is ${actual}, S3 gave ${expected}`);
}
