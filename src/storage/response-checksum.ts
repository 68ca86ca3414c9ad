import type { IncomingHttpHeaders } from 'node:http';

/** A running checksum of a body, as the SDK's checksum classes compute it. */
export interface Checksum {
  update(data: Uint8Array): void;
  digest(): Promise<Uint8Array>;
}

/** What S3 says a body's checksum is: the algorithm and its value, base64, from an `x-amz-checksum-*` header. */
export interface ExpectedChecksum {
  readonly algorithm: Algorithm;
  readonly expected: string;
}

/** The checksums S3 sends with a GetObject, in the order the SDK looks for them. */
const ALGORITHMS = ['SHA256', 'SHA1', 'CRC32', 'CRC32C', 'CRC64NVME'] as const;
type Algorithm = (typeof ALGORITHMS)[number];

/**
 * The checksum to check a GetObject body against, as the SDK checks its responses: the first of S3's checksum
 * headers present. None for a multipart object's checksum of part checksums (`…-<parts>`), which the SDK skips too.
 */
export function expectedChecksum(headers: IncomingHttpHeaders): ExpectedChecksum | undefined {
  for (const algorithm of ALGORITHMS) {
    const expected = headers[`x-amz-checksum-${algorithm.toLowerCase()}`];
    if (typeof expected !== 'string' || expected === '') continue;
    if (/-[1-9]\d{0,4}$/.test(expected)) return undefined;
    return { algorithm, expected };
  }
  return undefined;
}

/**
 * A new checksum of `algorithm`, the SDK's own implementation. Its code is loaded by the first body that has such
 * a checksum: a parsing thread whose objects come without one (a server that sends none, objects stored before S3
 * kept checksums) never loads it, which took 30–40 ms of each thread's start.
 */
export async function startChecksum(algorithm: Algorithm): Promise<Checksum> {
  switch (algorithm) {
    case 'SHA256':
    case 'SHA1': {
      const { createHash } = await import('node:crypto');
      const hash = createHash(algorithm === 'SHA256' ? 'sha256' : 'sha1');
      return { update: (data) => hash.update(data), digest: () => Promise.resolve(hash.digest()) };
    }
    case 'CRC32':
      return new (await import('@smithy/core/checksum')).Crc32();
    case 'CRC32C':
      return new (await import('@aws-sdk/checksums/crc')).Crc32c();
    case 'CRC64NVME':
      return new (await import('@aws-sdk/checksums/crc')).Crc64Nvme();
  }
}
