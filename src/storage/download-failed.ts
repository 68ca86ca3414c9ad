/**
 * Why a parsing thread's download from a signed URL did not deliver the whole object; the job then reads it
 * through the S3 client. Apart from the download code, which only S3 runs load.
 */
export class DownloadFailed extends Error {
  override readonly name = 'DownloadFailed';
}
