import { createHash, type Hash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Crc32c, Crc64Nvme } from '@aws-sdk/checksums/crc';
import { Crc32 } from '@smithy/core/checksum';

interface Checksum {
  update(data: Uint8Array): void;
  digest(): Promise<Uint8Array>;
}

/** A checksum of the body, and what S3 says it is (base64, as in its `x-amz-checksum-*` header). */
export interface ExpectedChecksum {
  readonly algorithm: string;
  readonly expected: string;
  readonly checksum: Checksum;
}

class NodeDigest implements Checksum {
  private readonly hash: Hash;
  constructor(algorithm: 'sha1' | 'sha256') {
    this.hash = createHash(algorithm);
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest());
  }
}

/** The checksums S3 sends with a GetObject, in the order the SDK looks for them; its own implementations. */
const ALGORITHMS: readonly (readonly [string, () => Checksum])[] = [
  ['SHA256', () => new NodeDigest('sha256')],
  ['SHA1', () => new NodeDigest('sha1')],
  ['CRC32', () => new Crc32()],
  ['CRC32C', () => new Crc32c()],
  ['CRC64NVME', () => new Crc64Nvme()],
];

/**
 * The checksum to check a GetObject body against, as the SDK checks its responses: the first of S3's checksum
 * headers present. None for a multipart object's checksum of part checksums (`…-<parts>`), which the SDK skips too.
 */
export function expectedChecksum(headers: IncomingHttpHeaders): ExpectedChecksum | undefined {
  for (const [algorithm, make] of ALGORITHMS) {
    const expected = headers[`x-amz-checksum-${algorithm.toLowerCase()}`];
    if (typeof expected !== 'string' || expected === '') continue;
    if (/-[1-9]\d{0,4}$/.test(expected)) return undefined;
    return { algorithm, expected, checksum: make() };
  }
  return undefined;
}
