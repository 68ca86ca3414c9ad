import { DownloadFailed } from './download-failed.js';
import { parseResponseHead, type ResponseHead } from './http-response-head.js';
import { connectionTo, keepIdle, type Connection } from './kept-connections.js';
import type { SignedUrl } from './object-store.js';
import { expectedChecksum, startChecksum, type Checksum, type ExpectedChecksum } from './response-checksum.js';

/** Far more than S3 sends before a body: a longer head is not S3's. */
const MAX_HEAD_BYTES = 64 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');

/** A kept connection that closed before any byte of its response: the server had closed it while it was idle. */
class ClosedUnanswered extends DownloadFailed {}

/**
 * GETs a signed URL and hands each chunk of the body to `onChunk` as it arrives; `onChunk` must be done with a
 * chunk before it returns, as its bytes are overwritten by the next read. The socket does not read faster than
 * `onChunk` consumes. Resolves once the body arrived whole, with as many bytes as Content-Length said and the
 * checksum S3 gave, if it gave one; rejects with DownloadFailed otherwise (any status but 200, a response that is
 * not plain HTTP/1.1 with a Content-Length, a broken or silent connection, a checksum that differs), or with what
 * `onChunk` threw. The job then reads the object through the S3 client.
 *
 * The request goes out at once, but the body waits for `turn`: a thread downloading its next object while it
 * parses the current one then finds the next body's first bytes waiting in the socket, instead of two bodies
 * arriving side by side and ending together, after which the thread waited for both of its next ones.
 *
 * Why not Node's HTTP client: it parses each read in C++ and copies it into a new Buffer, which then flows through
 * a stream. Reading 442 MiB of bodies that way took 1.0–1.2 s of CPU, and 0.2–0.3 s into a socket's own buffer.
 */
export async function downloadUrl({ url, timeoutMs }: SignedUrl, onChunk: (chunk: Uint8Array) => void, turn: Promise<void> = Promise.resolve()): Promise<void> {
  const target = new URL(url);
  for (;;) {
    const connection = await connectionTo(target);
    try {
      await get(connection, target, timeoutMs, onChunk, turn);
      return;
    } catch (error) {
      // A GET is safe to send again; each attempt takes a kept connection or a new one, so this ends.
      if (!(error instanceof ClosedUnanswered && connection.reused)) throw error;
    }
  }
}

function get(connection: Connection, target: URL, timeoutMs: number, onChunk: (chunk: Uint8Array) => void, turn: Promise<void>): Promise<void> {
  const { socket } = connection;
  return new Promise((resolve, reject) => {
    let settled = false;
    /** The head's bytes so far, when it spans reads. */
    let head: Buffer | undefined;
    let response: ResponseHead | undefined;
    let expected = 0;
    let received = 0;
    let check: ExpectedChecksum | undefined;
    let checksum: Checksum | undefined;

    const detach = (): void => {
      settled = true;
      socket.off('error', onError).off('close', onClose).off('timeout', onTimeout);
    };
    const fail = (error: unknown): false => {
      if (settled) return false;
      detach();
      socket.destroy();
      reject(error instanceof Error ? error : new Error(String(error)));
      return false;
    };
    const lost = (error?: Error): Error => {
      if (error instanceof DownloadFailed) return error;
      const why = error ? ` (${error.message})` : '';
      if (response !== undefined) return new DownloadFailed(`the body broke off after ${received} of ${expected} bytes${why}`);
      if (head === undefined) return new ClosedUnanswered(error?.message ?? 'the connection closed before a response');
      return new DownloadFailed(`the connection closed within the response's head${why}`);
    };
    const onError = (error: Error): void => { fail(lost(error)); };
    const onClose = (): void => { fail(lost()); };
    const onTimeout = (): void => { fail(new DownloadFailed(`no data for ${timeoutMs} ms (s3.request_timeout_ms)`)); };

    const take = (bytes: Buffer): boolean => {
      if (settled) return false;
      if (received + bytes.length > expected) return fail(new DownloadFailed(`the response has more bytes than its Content-Length, ${expected}`));
      received += bytes.length;
      if (bytes.length > 0) {
        try {
          checksum?.update(bytes);
          onChunk(bytes);
        } catch (error) {
          return fail(error);
        }
      }
      if (received < expected) return true;
      detach();
      if (response?.keepAlive === true) keepIdle(connection);
      else socket.destroy();
      if (check === undefined) resolve();
      else if (checksum !== undefined) verify(check, checksum).then(resolve, reject);
      return true;
    };

    connection.receiver = (bytes) => {
      if (response !== undefined) return take(bytes);
      const all = head === undefined ? bytes : Buffer.concat([head, bytes]);
      const end = all.indexOf(HEAD_END);
      if (end < 0) {
        if (all.length > MAX_HEAD_BYTES) return fail(new DownloadFailed(`the response's head is longer than ${MAX_HEAD_BYTES} bytes`));
        head = all === bytes ? Buffer.from(bytes) : all;
        return true;
      }
      const parsed = parseResponseHead(all.toString('latin1', 0, end));
      if (parsed === undefined) return fail(new DownloadFailed('the response is not HTTP/1.x'));
      if (parsed.status !== 200) return fail(new DownloadFailed(`HTTP ${parsed.status}`));
      if (parsed.bodyLength === undefined) return fail(new DownloadFailed('the response has no Content-Length'));
      response = parsed;
      expected = parsed.bodyLength;
      const body = all.subarray(end + HEAD_END.length);
      check = expectedChecksum(parsed.headers);
      if (check === undefined) return take(body);
      // The checksum's code loads first; the read buffer is overwritten meanwhile, so the body's first bytes are kept.
      const early = Buffer.from(body);
      startChecksum(check.algorithm).then((started) => {
        checksum = started;
        if (take(early)) socket.resume();
      }, fail);
      return false;
    };
    socket.on('error', onError).on('close', onClose).on('timeout', onTimeout);
    // No byte is read before its turn. A body waiting for its turn is silent by our choice: the timeout starts with the turn.
    socket.pause();
    socket.setTimeout(0);
    socket.write(`GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n\r\n`);
    turn.then(() => {
      if (settled) return;
      socket.setTimeout(timeoutMs);
      socket.resume();
    }, fail);
  });
}

async function verify({ algorithm, expected }: ExpectedChecksum, checksum: Checksum): Promise<void> {
  const actual = Buffer.from(await checksum.digest()).toString('base64');
  if (actual !== expected) throw new DownloadFailed(`the body's ${algorithm} checksum is ${actual}, S3 gave ${expected}`);
}
