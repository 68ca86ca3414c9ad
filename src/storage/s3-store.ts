import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, PutObjectCommand, paginateListObjectsV2, S3Client } from '@aws-sdk/client-s3';
import { StorageError } from '../common/errors.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../common/constants.js';
import type { ListedObject, ObjectStore, SignedUrl } from './object-store.js';
import { S3UrlSigner } from './s3-url-signer.js';

export { S3Client };

/** lib-storage's default part size: smaller bodies go up in one PUT. */
const MULTIPART_THRESHOLD = 5 * 1024 * 1024;

/** A bucket on S3 or on any S3-compatible server. */
export class S3ObjectStore implements ObjectStore {
  /** Made with the first key signed; undefined inside when this bucket's URLs cannot be signed per key. */
  private signer: Promise<S3UrlSigner | undefined> | undefined;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    readonly location: string,
    /** The socket timeout of the SDK's requests, for downloads from signed URLs too. */
    private readonly requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
  ) {}

  async assertReachable(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      throw this.failure('reach bucket', error);
    }
  }

  async list(prefix: string): Promise<string[]> {
    return (await this.listObjects(prefix)).map((object) => object.key);
  }

  async listObjects(prefix: string): Promise<ListedObject[]> {
    const objects: ListedObject[] = [];
    try {
      for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: prefix })) {
        for (const { Key: key, Size: size, ETag: etag } of page.Contents ?? []) if (key !== undefined) objects.push({ key, size, etag });
      }
    } catch (error) {
      throw this.failure(`list prefix '${prefix}' in`, error);
    }
    return objects;
  }

  async read(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return response.Body as AsyncIterable<Uint8Array> | undefined;
    } catch (error) {
      if (errorName(error) === 'NoSuchKey') return undefined;
      throw this.failure(`read '${key}' from`, error);
    }
  }

  async signedUrl(key: string): Promise<SignedUrl | undefined> {
    try {
      this.signer ??= S3UrlSigner.create(this.client, this.bucket, key);
      const signer = await this.signer;
      return signer && { url: await signer.sign(key), timeoutMs: this.requestTimeoutMs };
    } catch (error) {
      throw this.failure(`sign a download of '${key}' from`, error);
    }
  }

  async write(key: string, body: Uint8Array, contentType: string, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const params = { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType };
    // One PUT for what fits a part: lib-storage's abort() does not cancel its single-part request,
    // the request's own abortSignal does. Larger bodies go multipart, and lib-storage aborts a failed
    // or abandoned multipart upload, so no object is left behind either way.
    // lib-storage is loaded only for such a body: importing it costs a tenth of a second.
    const upload = body.byteLength < MULTIPART_THRESHOLD ? undefined : new (await import('@aws-sdk/lib-storage')).Upload({ client: this.client, params });
    const abandon = (): void => void upload?.abort();
    signal?.addEventListener('abort', abandon, { once: true });
    try {
      if (upload) await upload.done();
      else await this.client.send(new PutObjectCommand(params), { abortSignal: signal });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw this.failure(`write '${key}' to`, error);
    } finally {
      signal?.removeEventListener('abort', abandon);
    }
  }

  async createExclusive(key: string, body: Uint8Array, contentType: string): Promise<boolean> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType, IfNoneMatch: '*' }));
      return true;
    } catch (error) {
      // 412: the key exists; 409: a concurrent conditional write to the same key is in progress.
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 412 || status === 409 || errorName(error) === 'PreconditionFailed') return false;
      throw this.failure(`create '${key}' in`, error);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if (errorName(error) === 'NoSuchKey') return;
      throw this.failure(`delete '${key}' from`, error);
    }
  }

  private failure(action: string, error: unknown): StorageError {
    const name = errorName(error);
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const hint =
      name === 'NotFound' || name === 'NoSuchBucket' || status === 404
        ? 'the bucket does not exist; create it or fix the bucket name in the config'
        : name === 'Forbidden' || name === 'AccessDenied' || status === 403
          ? 'access denied; check the credentials and the bucket policy'
          : isTimeout(error)
            ? `no answer within s3.request_timeout_ms on any of ${attempts(error)} attempts; the server is overloaded or the network is down: rerun later`
            : isNetworkError(error)
              ? 'the endpoint is unreachable; check s3.*_endpoint_url and the network'
              : status !== undefined && status >= 500
                ? `the server failed (HTTP ${status}) on all ${attempts(error)} attempts (s3.max_attempts); rerun later`
                : 'the request failed';
    const detail = error instanceof Error ? error.message || name : String(error);
    return new StorageError(`cannot ${action} ${this.location}: ${hint} (${name}${detail && detail !== name ? `: ${detail}` : ''})`);
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

function isTimeout(error: unknown): boolean {
  return errorName(error) === 'TimeoutError' || (error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
}

function attempts(error: unknown): number {
  return (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
}

function isNetworkError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(code ?? '') || errorName(error) === 'TimeoutError';
}
