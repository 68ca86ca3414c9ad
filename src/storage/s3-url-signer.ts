import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { formatUrl } from '@aws-sdk/core/util';
import { extendedEncodeURIComponent } from '@smithy/core/protocols';
import { getSignedUrl, S3RequestPresigner } from '@aws-sdk/s3-request-presigner';

/** Long enough for a URL that waits behind the other downloads; the signature is checked when the GET starts. */
const EXPIRES_IN_SECONDS = 3600;

/**
 * Presigned GET URLs for the objects of one bucket. The SDK's getSignedUrl runs the client's whole
 * middleware stack, 1.4–2.3 ms of CPU per URL, as much as the GET it replaces; so it signs the first key
 * only, to learn the endpoint and signing region the SDK resolves for this bucket, and every key after it
 * is signed from that with the SDK's own signer (0.15–0.25 ms), into the URL getSignedUrl would give.
 */
export class S3UrlSigner {
  private constructor(
    private readonly presigner: S3RequestPresigner,
    private readonly base: URL,
    /** The path before the key: `/bucket/` path-style, `/` on a bucket's own host. */
    private readonly pathPrefix: string,
    /** What the SDK adds to a GetObject URL besides the signature (x-id, x-amz-checksum-mode), signed alike. */
    private readonly query: Record<string, string>,
  ) {}

  /** Undefined when the SDK's URL for `firstKey` is not `<endpoint><path prefix><key>`, so keys cannot be signed alike. */
  static async create(client: S3Client, bucket: string, firstKey: string): Promise<S3UrlSigner | undefined> {
    const url = new URL(await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: firstKey }), { expiresIn: EXPIRES_IN_SECONDS }));
    const encodedKey = encodeKey(firstKey);
    // X-Amz-Credential is <access key>/<date>/<region>/<service>/aws4_request.
    const [, , region, service] = (url.searchParams.get('X-Amz-Credential') ?? '').split('/');
    if (!url.pathname.endsWith(encodedKey) || region === undefined || service === undefined) return undefined;
    const presigner = new S3RequestPresigner({ ...client.config, signingName: service, region: () => Promise.resolve(region) });
    const query = Object.fromEntries([...url.searchParams].filter(([name]) => !name.startsWith('X-Amz-')));
    return new S3UrlSigner(presigner, url, url.pathname.slice(0, -encodedKey.length), query);
  }

  async sign(key: string): Promise<string> {
    const { protocol, hostname, port, host } = this.base;
    const request = { method: 'GET', protocol, hostname, ...(port ? { port: Number(port) } : {}), path: this.pathPrefix + encodeKey(key), query: { ...this.query }, headers: { host } };
    return formatUrl(await this.presigner.presign(request, { expiresIn: EXPIRES_IN_SECONDS }));
  }
}

/** As the SDK puts a key in a GetObject path: each segment escaped, the slashes kept. */
function encodeKey(key: string): string {
  return key.split('/').map(extendedEncodeURIComponent).join('/');
}
