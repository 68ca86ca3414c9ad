// downloadUrl speaks HTTP/1.1 over its own sockets. These servers answer byte by byte as the test says, so each
// test pins down what the client sends, what it accepts, when it keeps a connection, and what it refuses.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { DownloadFailed } from '../../src/storage/download-failed.js';
import { downloadUrl } from '../../src/storage/url-download.js';

interface RawServer {
  readonly origin: string;
  /** Every request's text, in the order they came. */
  readonly requests: string[];
  connections: number;
}

const servers: { close(): void; closeAllConnections?(): void }[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections?.();
    server.close();
  }
});

/** A server that calls `answer` with each request's text and the request's number on its connection, from 0. */
async function rawServer(answer: (socket: net.Socket, request: string, index: number) => void): Promise<RawServer> {
  const state: RawServer = { origin: '', requests: [], connections: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let pending = '';
    let index = 0;
    socket.on('data', (data) => {
      pending += data.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const request = pending.slice(0, end + 4);
        pending = pending.slice(end + 4);
        state.requests.push(request);
        answer(socket, request, index++);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ close: () => { for (const socket of sockets) socket.destroy(); server.close(); } });
  return Object.assign(state, { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}

const ok = (body: string, extra = ''): string => `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

async function download(url: string): Promise<string> {
  const chunks: Buffer[] = [];
  await downloadUrl({ url, timeoutMs: 2_000 }, (chunk) => chunks.push(Buffer.from(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

describe('downloadUrl over HTTP/1.1', () => {
  it('sends a bare GET with the signed Host header and keeps the connection for the next object', async () => {
    const server = await rawServer((socket, _request, index) => socket.write(ok(`body ${index}`)));
    expect(await download(`${server.origin}/bucket/2017-07-24/a%2Bb.csv?X-Amz-Signature=abc&x-id=GetObject`)).toBe('body 0');
    expect(await download(`${server.origin}/bucket/b.csv?X-Amz-Signature=def`)).toBe('body 1');
    expect(server.connections).toBe(1);
    const host = server.origin.slice('http://'.length);
    expect(server.requests).toEqual([
      `GET /bucket/2017-07-24/a%2Bb.csv?X-Amz-Signature=abc&x-id=GetObject HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
      `GET /bucket/b.csv?X-Amz-Signature=def HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
    ]);
  });

  it('sends the GET again on a new connection when the server closed the kept one while it was idle', async () => {
    const server = await rawServer((socket, _request, index) => {
      socket.write(ok(`body ${index}`));
      setTimeout(() => socket.end(), 20);
    });
    expect(await download(`${server.origin}/one`)).toBe('body 0');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await download(`${server.origin}/two`)).toBe('body 0');
    expect(server.connections).toBe(2);
  });

  it('does not send a GET again on a new connection that closed unanswered', async () => {
    const server = await rawServer((socket) => socket.destroy());
    const failure = download(`${server.origin}/x`);
    await expect(failure).rejects.toBeInstanceOf(DownloadFailed);
    await expect(failure).rejects.toThrow('the connection closed before a response');
    expect(server.requests).toHaveLength(1);
  });

  it('opens a new connection after a response that says Connection: close, or an HTTP/1.0 one', async () => {
    const server = await rawServer((socket, request) => {
      socket.end(request.includes('/old') ? 'HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nold' : ok('new', 'Connection: close\r\n'));
    });
    expect(await download(`${server.origin}/new`)).toBe('new');
    expect(await download(`${server.origin}/old`)).toBe('old');
    expect(await download(`${server.origin}/new`)).toBe('new');
    expect(server.connections).toBe(3);
  });

  it('reads a head and a body that arrive in many small pieces, and a body of no bytes', async () => {
    const body = 'ISIN,Mnemonic\n'.repeat(1000);
    const server = await rawServer((socket, request) => {
      if (request.startsWith('GET /empty')) {
        socket.write(ok(''));
        return;
      }
      const response = Buffer.from(ok(body, 'x-amz-request-id: 1\r\nETag: "abc"\r\n'));
      let at = 0;
      const next = (): void => {
        const piece = at < 200 ? 7 : 1_000; // the head in pieces of 7 bytes, then the body in larger ones
        socket.write(response.subarray(at, at + piece));
        at += piece;
        if (at < response.length) setTimeout(next, 2);
      };
      next();
    });
    expect(await download(`${server.origin}/pieces`)).toBe(body);
    expect(await download(`${server.origin}/empty`)).toBe('');
    expect(server.connections).toBe(1);
  });

  const refused = [
    { what: 'a chunked body', response: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', says: 'the response has no Content-Length' },
    { what: 'a body without Content-Length', response: 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nabc', says: 'the response has no Content-Length' },
    { what: 'two different Content-Lengths', response: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc', says: 'the response has no Content-Length' },
    { what: 'more bytes than Content-Length', response: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef', says: 'the response has more bytes than its Content-Length, 3' },
    { what: 'a status other than 200', response: 'HTTP/1.1 206 Partial Content\r\nContent-Length: 3\r\n\r\nabc', says: 'HTTP 206' },
    { what: 'something that is not HTTP', response: 'SSH-2.0-OpenSSH_9.2\r\n\r\n', says: 'the response is not HTTP/1.x' },
    { what: 'a header line without a colon', response: 'HTTP/1.1 200 OK\r\nContent-Length 3\r\n\r\nabc', says: 'the response is not HTTP/1.x' },
    { what: 'a head that never ends', response: `HTTP/1.1 200 OK\r\n${'x-pad: y\r\n'.repeat(7000)}`, says: "the response's head is longer than 65536 bytes" },
  ];
  for (const { what, response, says } of refused) {
    it(`refuses ${what}: DownloadFailed, so the job reads the object through the S3 client`, async () => {
      const server = await rawServer((socket) => socket.write(response));
      const chunks: Uint8Array[] = [];
      const failure = downloadUrl({ url: `${server.origin}/x`, timeoutMs: 2_000 }, (chunk) => chunks.push(chunk));
      await expect(failure).rejects.toBeInstanceOf(DownloadFailed);
      await expect(failure).rejects.toThrow(says);
      expect(chunks).toHaveLength(0);
    });
  }

  it('reports a connection that breaks within the head or the body, with how far it got', async () => {
    const server = await rawServer((socket, request) => {
      socket.end(request.includes('/head') ? 'HTTP/1.1 200 OK\r\nContent-Len' : 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabcd');
    });
    await expect(download(`${server.origin}/head`)).rejects.toThrow("the connection closed within the response's head");
    await expect(download(`${server.origin}/body`)).rejects.toThrow(/^the body broke off after 4 of 10 bytes$/);
  });

  it('stops at what onChunk throws, and rejects with it rather than DownloadFailed', async () => {
    const server = await rawServer((socket) => socket.write(ok('abc')));
    const failure = downloadUrl({ url: `${server.origin}/x`, timeoutMs: 2_000 }, () => { throw new RangeError('bad row'); });
    await expect(failure).rejects.toThrow(RangeError);
    await expect(failure).rejects.toThrow('bad row');
  });
});

describe('downloadUrl over HTTPS', () => {
  const tls = path.join(import.meta.dirname, '../support/tls');
  const child = path.join(import.meta.dirname, '../support/download-child.ts');
  const body = Buffer.from('"DE000A0JQ5U3","ABCD, Inc."\n'.repeat(50_000));

  /** Downloads in a process whose trusted certificates are the system's plus `extraCa`, if given. */
  async function downloadInChild(url: string, extraCa?: string): Promise<{ bytes?: number; sha256?: string; failed?: string }> {
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: extraCa ?? '' };
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', child, url], { env });
    return JSON.parse(stdout) as { bytes?: number; sha256?: string; failed?: string };
  }

  it('verifies the server certificate, names the host (SNI), and delivers the body whole', async () => {
    const names: (string | false)[] = [];
    const server = https.createServer({ key: readFileSync(path.join(tls, 'key.pem')), cert: readFileSync(path.join(tls, 'cert.pem')) }, (request, response) => {
      names.push((request.socket as unknown as { servername: string | false }).servername);
      response.writeHead(200, { 'content-length': body.length });
      response.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    const port = (server.address() as AddressInfo).port;
    const whole = { bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') };

    expect(await downloadInChild(`https://localhost:${port}/bucket/key.csv`, path.join(tls, 'cert.pem'))).toEqual(whole);
    expect(await downloadInChild(`https://127.0.0.1:${port}/bucket/key.csv`, path.join(tls, 'cert.pem'))).toEqual(whole);
    // SNI carries a host name, never an address.
    expect(names).toEqual(['localhost', false]);
    expect((await downloadInChild(`https://localhost:${port}/bucket/key.csv`)).failed).toBe('DownloadFailed: self-signed certificate');
  });
});
