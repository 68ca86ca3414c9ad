/**
 * What the job needs from a bucket. S3 and a local folder both provide it, so the connector, the
 * meta process and the ETL never know which one they talk to.
 */
export interface ObjectStore {
  /** `endpoint/bucket`, as the original's log lines print it. */
  readonly location: string;
  /** Fails with a StorageError that says what to fix when the bucket is missing or unreachable. */
  assertReachable(): Promise<void>;
  /** Every key that starts with `prefix`, in S3 order (ascending UTF-8 bytes). */
  list(prefix: string): Promise<string[]>;
  /** S3 only: `list` with each object's size and ETag, as the listing gives them. */
  listObjects?(prefix: string): Promise<ListedObject[]>;
  /** The object's bytes as a stream, or undefined when there is no such key. */
  read(key: string): Promise<AsyncIterable<Uint8Array> | undefined>;
  /** Local folders only: the file that holds `key`, so a parsing thread can read it itself. */
  localFile?(key: string): string;
  /**
   * S3 only: a presigned URL that GETs `key`, so a parsing thread can download it itself; undefined when
   * this bucket's URLs cannot be signed that way (the object is then read with `read`).
   */
  signedUrl?(key: string): Promise<SignedUrl | undefined>;
  /**
   * Stores the whole body under `key`; readers see either the old object or the complete new one.
   * When `signal` aborts first, the write is abandoned and leaves nothing behind.
   */
  write(key: string, body: Uint8Array, contentType: string, signal?: AbortSignal): Promise<void>;
  /**
   * Stores `body` under `key` only when no object has that key, atomically (S3: a conditional
   * PutObject with `If-None-Match: *`; a folder: an exclusive create). False when the key exists.
   */
  createExclusive(key: string, body: Uint8Array, contentType: string): Promise<boolean>;
  /** Deletes the object `key`; a key that is already gone is no error. */
  delete(key: string): Promise<void>;
}

/** A presigned GET and how long its connection may stay silent before the download counts as failed. */
export interface SignedUrl {
  readonly url: string;
  readonly timeoutMs: number;
}

/** A key with what a listing says of its object. */
export interface ListedObject {
  readonly key: string;
  readonly size?: number | undefined;
  readonly etag?: string | undefined;
}

/** Orders keys as S3 lists them: by their UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
