// Downloads one URL with downloadUrl in a process of its own, whose environment (NODE_EXTRA_CA_CERTS) the test
// chooses, and prints what came back as one line of JSON.
import { createHash } from 'node:crypto';
import { downloadUrl } from '../../src/storage/url-download.js';

const hash = createHash('sha256');
let bytes = 0;
try {
  await downloadUrl({ url: process.argv[2] ?? '', timeoutMs: 5_000 }, (chunk) => {
    bytes += chunk.byteLength;
    hash.update(chunk);
  });
  console.log(JSON.stringify({ bytes, sha256: hash.digest('hex') }));
} catch (error) {
  console.log(JSON.stringify({ failed: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }));
}
