import { describe, expect, it } from 'vitest';
import { parseResponseHead } from '../../src/storage/http-response-head.js';

describe('parseResponseHead', () => {
  it("reads S3's GetObject head: status, lower-case names, values without surrounding blanks, the body's length", () => {
    const head = parseResponseHead('HTTP/1.1 200 OK\r\nx-amz-id-2: a/b=\r\nETag: "9b2cf535f27731c974343645a3985328"\r\nContent-Length:   1234 \r\nx-amz-checksum-crc64nvme: rosUhgp5mIg=');
    expect(head).toEqual({
      status: 200,
      headers: { 'x-amz-id-2': 'a/b=', etag: '"9b2cf535f27731c974343645a3985328"', 'content-length': '1234', 'x-amz-checksum-crc64nvme': 'rosUhgp5mIg=' },
      bodyLength: 1234,
      keepAlive: true,
    });
  });

  it('joins a header sent twice, so that two Content-Lengths leave the body without a length', () => {
    const head = parseResponseHead('HTTP/1.1 200 OK\r\nVary: Origin\r\nVary: Accept\r\nContent-Length: 3\r\nContent-Length: 3');
    expect(head?.headers.vary).toBe('Origin, Accept');
    expect(head?.bodyLength).toBeUndefined();
  });

  it('gives no length for a chunked body, a missing, signed or absurd Content-Length', () => {
    for (const extra of ['Transfer-Encoding: chunked\r\nContent-Length: 3', '', 'Content-Length: -3', 'Content-Length: 3.0', 'Content-Length: 1234567890123456']) {
      expect(parseResponseHead(`HTTP/1.1 200 OK\r\n${extra}`.replace(/\r\n$/, ''))?.bodyLength).toBeUndefined();
    }
    expect(parseResponseHead('HTTP/1.1 200 OK\r\nContent-Length: 0')?.bodyLength).toBe(0);
  });

  it('keeps an HTTP/1.1 connection unless it says close, and an HTTP/1.0 one only if it says keep-alive', () => {
    const keepAlive = (head: string): boolean | undefined => parseResponseHead(head)?.keepAlive;
    expect(keepAlive('HTTP/1.1 200 OK')).toBe(true);
    expect(keepAlive('HTTP/1.1 200 OK\r\nConnection: Upgrade, Close')).toBe(false);
    expect(keepAlive('HTTP/1.0 200 OK')).toBe(false);
    expect(keepAlive('HTTP/1.0 200 OK\r\nConnection: Keep-Alive')).toBe(true);
  });

  it('refuses what is not an HTTP/1.x head', () => {
    for (const head of ['HTTP/2 200', 'HTTP/1.1 20 OK', 'ICY 200 OK', 'HTTP/1.1 200 OK\r\nno colon here', 'HTTP/1.1 200 OK\r\nbad name: x', 'HTTP/1.1 200 OK\r\n folded: x']) {
      expect(parseResponseHead(head), head).toBeUndefined();
    }
    expect(parseResponseHead('HTTP/1.1 404')?.status).toBe(404);
  });
});
