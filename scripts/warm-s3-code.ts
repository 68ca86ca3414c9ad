// Writes V8's code cache for dist/s3-store.cjs (src/common/code-cache.ts) after running what a run from S3 runs
// first: loading the SDK, a client made as the job makes it, and each kind of request it sends, answered by a
// stand-in for S3 on this machine, so that the code that reads the answers is compiled and cached too.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requireS3Bundle, s3Store } from '../src/storage/open-store.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // a build log needs no advice on Node versions

const xml = (body: string): string => `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
const listing = xml(`<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>warm-up</Name><Prefix>2017-07-21/</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${
  ['08', '09'].map((hour) => `<Contents><Key>2017-07-21/2017-07-21_BINS_XETR${hour}.csv</Key><LastModified>2017-07-21T09:00:00.000Z</LastModified><ETag>"0123456789abcdef0123456789abcdef"</ETag><Size>136</Size><StorageClass>STANDARD</StorageClass></Contents>`).join('')
}</ListBucketResult>`);
const noSuchKey = xml('<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>missing</Key></Error>');

function answer(request: IncomingMessage, response: ServerResponse): void {
  request.resume();
  const url = new URL(request.url ?? '/', 'http://localhost');
  const send = (status: number, body = '', type = 'application/xml'): void => {
    response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), etag: '"0123456789abcdef0123456789abcdef"' }).end(body);
  };
  if (request.method === 'GET' && url.searchParams.get('list-type') === '2') send(200, listing);
  else if (request.method === 'GET' && url.pathname.endsWith('/missing')) send(404, noSuchKey);
  else if (request.method === 'GET') send(200, 'source_date,datetime_of_processing\n', 'text/csv');
  else if (request.method === 'DELETE') send(204);
  else send(200);
}

const server = createServer(answer).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const file = new URL('../dist/s3-store.cjs', import.meta.url).pathname;
const loaded = requireS3Bundle(file);
const env = { WARM_UP_KEY: 'warm-up', WARM_UP_SECRET: 'warm-up' };
const store = s3Store(loaded.exports, endpoint, 'warm-up', { baseDir: '.', env, accessKeyEnv: 'WARM_UP_KEY', secretKeyEnv: 'WARM_UP_SECRET', maxAttempts: 1 });
const body = new TextEncoder().encode('warm-up');
await store.assertReachable();
await store.createExclusive('run.lock', body, 'text/plain');
let bytes = 0;
for await (const chunk of (await store.read('meta_file.csv')) ?? []) bytes += chunk.byteLength;
await store.read('missing');
await store.listObjects('2017-07-21/');
await store.signedUrl('2017-07-21/2017-07-21_BINS_XETR08.csv');
await store.write('meta_file.csv', body, 'text/csv');
await store.delete('run.lock');
server.close();
if (bytes === 0) throw new Error('the warm-up read no body: its stand-in for S3 has stopped answering as S3 does');
loaded.saveCodeCache();
