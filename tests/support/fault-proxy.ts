// A small fault-injecting HTTP proxy for S3 tests: it sits between the job and the loopback S3
// server, records every request as an S3 operation, and answers chosen requests with a fault
// instead of forwarding them (500, 503 SlowDown, a connection reset halfway through a request or
// response body, a response that never comes).
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly bucket: string;
  /** The object key, '' for bucket-level requests. */
  readonly key: string;
  readonly query: URLSearchParams;
  /** The S3 API operation, e.g. GetObject, UploadPart. */
  readonly operation: string;
  /** The If-None-Match header, when sent. */
  readonly ifNoneMatch: string | undefined;
  /** The access key id the request was signed with (from the Authorization header). */
  readonly accessKeyId: string | undefined;
}

export type Fault =
  /** 500 InternalError. */
  | 'internal-error'
  /** 503 SlowDown (S3's throttling answer). */
  | 'slow-down'
  /** 403 AccessDenied (a policy that does not allow the request). */
  | 'access-denied'
  /** Reads half of the request body, then resets the connection. */
  | 'reset-request-body'
  /** Forwards the request, sends the headers and half of the response body, then resets the connection. */
  | 'reset-response-body'
  /** Forwards the request, sends the headers and half of the response body, then goes silent. */
  | 'stall-response-body'
  /** Reads the request and never answers (until the client gives up or the proxy stops). */
  | 'stall'
  /** Holds the request, unforwarded, until releaseHeld(): the client waits at exactly this step. */
  | 'hold'
  /** Forwards the request (the server acts on it), then resets the connection instead of answering. */
  | 'drop-response';

export interface FaultRule {
  readonly match: (request: RecordedRequest) => boolean;
  readonly fault: Fault;
  /** How many matching requests get the fault (default 1; Infinity for all). */
  readonly times?: number;
  /** Matching requests to let through first (default 0). */
  readonly skip?: number;
}

export interface FaultProxy {
  readonly endpoint: string;
  /** Every request seen, in arrival order, faulted or not (cleared by reset()). */
  readonly requests: RecordedRequest[];
  /** Every request since the proxy started; reset() leaves it alone. */
  readonly allRequests: RecordedRequest[];
  /** Requests that got a fault, with the fault. */
  readonly faulted: { request: RecordedRequest; fault: Fault }[];
  addFault(rule: FaultRule): void;
  /** Resolves when a request matching `match` has arrived (already or later). */
  waitFor(match: (request: RecordedRequest) => boolean): Promise<RecordedRequest>;
  /** Resolves with the next request that gets a fault (or the first one, if one already did). */
  waitForFault(): Promise<RecordedRequest>;
  /** Forwards every held request. */
  releaseHeld(): void;
  /** Drops all rules and the request log. */
  reset(): void;
  stop(): Promise<void>;
}

/** The S3 operation a path-style request is, from its method, path and query. */
export function operationOf(method: string, key: string, query: URLSearchParams): string {
  const has = (name: string): boolean => query.has(name);
  if (key === '') {
    if (method === 'HEAD') return 'HeadBucket';
    if (method === 'GET') return has('uploads') ? 'ListMultipartUploads' : has('list-type') ? 'ListObjectsV2' : has('location') ? 'GetBucketLocation' : 'ListObjects';
    if (method === 'PUT') return 'CreateBucket';
    if (method === 'POST' && has('delete')) return 'DeleteObjects';
    return `${method}Bucket?`;
  }
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'GET') return has('uploadId') ? 'ListParts' : 'GetObject';
  if (method === 'PUT') return has('partNumber') ? 'UploadPart' : 'PutObject';
  if (method === 'POST') return has('uploads') ? 'CreateMultipartUpload' : has('uploadId') ? 'CompleteMultipartUpload' : 'PostObject?';
  if (method === 'DELETE') return has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
  return `${method}Object?`;
}

const errorXml = (code: string, message: string): string => `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const requests: RecordedRequest[] = [];
  const allRequests: RecordedRequest[] = [];
  const faulted: { request: RecordedRequest; fault: Fault }[] = [];
  let rules: { rule: FaultRule; seen: number; hit: number }[] = [];
  let waiters: { match: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }[] = [];
  const sockets = new Set<Socket>();
  let held: (() => void)[] = [];
  let faultWaiters: ((request: RecordedRequest) => void)[] = [];

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const method = req.method ?? 'GET';
    const header = req.headers['if-none-match'];
    // Signed in the Authorization header, or in the query of a presigned URL.
    const credential = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? url.searchParams.get('X-Amz-Credential')?.split('/')[0];
    const recorded: RecordedRequest = { method, bucket, key, query: url.searchParams, operation: operationOf(method, key, url.searchParams), ifNoneMatch: typeof header === 'string' ? header : undefined, accessKeyId: credential };
    requests.push(recorded);
    allRequests.push(recorded);
    for (const waiter of waiters.filter((w) => w.match(recorded))) waiter.resolve(recorded);
    waiters = waiters.filter((w) => !w.match(recorded));

    const entry = rules.find(({ rule }) => rule.match(recorded));
    let fault: Fault | undefined;
    if (entry) {
      entry.seen += 1;
      if (entry.seen > (entry.rule.skip ?? 0) && entry.hit < (entry.rule.times ?? 1)) {
        entry.hit += 1;
        fault = entry.rule.fault;
        faulted.push({ request: recorded, fault });
        for (const resolve of faultWaiters) resolve(recorded);
        faultWaiters = [];
      }
    }

    if (fault === 'internal-error' || fault === 'slow-down' || fault === 'access-denied') {
      req.resume();
      req.on('end', () => {
        const [status, code, message] =
          fault === 'internal-error' ? [500, 'InternalError', 'We encountered an internal error. Please try again.'] : fault === 'slow-down' ? [503, 'SlowDown', 'Please reduce your request rate.'] : [403, 'AccessDenied', 'Access Denied'];
        res.writeHead(status, { 'content-type': 'application/xml' }).end(errorXml(code, message));
      });
      return;
    }
    if (fault === 'stall') {
      req.resume();
      return; // never answered; the socket stays open until the client or stop() closes it
    }
    if (fault === 'reset-request-body') {
      const length = Number(req.headers['content-length'] ?? 0);
      let received = 0;
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= length / 2) req.socket.destroy();
      });
      req.on('end', () => req.socket.destroy());
      return;
    }

    const forward = (): http.ClientRequest => {
      const upstreamRequest = http.request(
        { host: target.hostname, port: target.port, method, path: req.url, headers: req.headers },
        (upstreamResponse) => {
          if (fault === 'drop-response') {
            upstreamResponse.resume();
            res.socket?.destroy();
            return;
          }
          res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
          if (fault !== 'reset-response-body' && fault !== 'stall-response-body') {
            upstreamResponse.pipe(res);
            return;
          }
          const length = Number(upstreamResponse.headers['content-length'] ?? 0);
          let sent = 0;
          upstreamResponse.on('data', (chunk: Buffer) => {
            if (sent >= length / 2) return;
            const part = chunk.subarray(0, Math.max(1, Math.ceil(length / 2) - sent));
            sent += part.length;
            res.write(part);
            if (sent >= length / 2 && fault === 'reset-response-body') setTimeout(() => res.socket?.destroy(), 20);
          });
        },
      );
      upstreamRequest.on('error', () => res.socket?.destroy());
      return upstreamRequest;
    };
    if (fault === 'hold') {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => held.push(() => forward().end(Buffer.concat(chunks))));
      return;
    }
    req.pipe(forward());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    allRequests,
    faulted,
    addFault(rule) {
      rules.push({ rule, seen: 0, hit: 0 });
    },
    waitFor(match) {
      const seen = requests.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
    waitForFault() {
      const first = faulted[0];
      if (first) return Promise.resolve(first.request);
      return new Promise((resolve) => faultWaiters.push(resolve));
    },
    releaseHeld() {
      const release = held;
      held = [];
      for (const go of release) go();
    },
    reset() {
      held = [];
      faultWaiters = [];
      rules = [];
      requests.length = 0;
      faulted.length = 0;
      waiters = [];
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => { resolve(); }));
    },
  };
}
