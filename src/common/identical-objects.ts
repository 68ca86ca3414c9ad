import { createHash } from 'node:crypto';
import type { ListedObject } from '../storage/object-store.js';

/** Only objects this small are remembered: Xetra's hours without trades, one identical header line each. */
const MAX_BYTES = 4096;
const MAX_BODIES = 64;

/**
 * The bodies of small objects by ETag and size, so that an object listed with the same ETag and size as
 * one already read is not downloaded again. Two thirds of a week's source objects are the same header
 * line, and each GET costs the AWS SDK about 2 ms of CPU.
 *
 * A body is remembered only when its ETag is the MD5 of its bytes (a plain upload; with SSE-KMS or SSE-C,
 * or on a server whose ETags are something else, nothing is ever reused), so equal ETags mean equal bytes.
 */
export class IdenticalObjects {
  private readonly bodies = new Map<string, Uint8Array>();

  /** True for an object small enough to be remembered: it is best read through `keep`, or served by `get`. */
  covers(listed: ListedObject | undefined): boolean {
    return contentTag(listed) !== undefined;
  }

  /** The bytes of the object `listed`, when an identical one was read before. */
  get(listed: ListedObject | undefined): Uint8Array | undefined {
    const tag = contentTag(listed);
    return tag === undefined ? undefined : this.bodies.get(tag);
  }

  /**
   * Keeps a copy of the body of `listed` as it streams past (the receiver may take the chunks over), when
   * it is small and not known yet; `done` remembers it once it has arrived whole.
   */
  keep(listed: ListedObject | undefined): { add(chunk: Uint8Array): void; done(): void } | undefined {
    const tag = contentTag(listed);
    if (tag === undefined || listed?.size === undefined || this.bodies.has(tag) || this.bodies.size >= MAX_BODIES) return undefined;
    const body = new Uint8Array(listed.size);
    let filled = 0;
    return {
      add: (chunk) => {
        // A body longer than listed (replaced since) is not kept.
        if (filled + chunk.byteLength <= body.byteLength) body.set(chunk, filled);
        filled += chunk.byteLength;
      },
      done: () => {
        if (filled === body.byteLength && `"${createHash('md5').update(body).digest('hex')}"` === listed.etag) this.bodies.set(tag, body);
      },
    };
  }
}

function contentTag(listed: ListedObject | undefined): string | undefined {
  if (listed?.etag === undefined || listed.size === undefined || listed.size > MAX_BYTES) return undefined;
  return `${listed.etag}/${listed.size}`;
}
