/** File formats the connector can write (the original's `S3FileTypes` enum). */
export const S3FileTypes = {
  CSV: 'csv',
  PARQUET: 'parquet',
} as const;
export type S3FileType = (typeof S3FileTypes)[keyof typeof S3FileTypes];

export function isS3FileType(value: string): value is S3FileType {
  return (Object.values(S3FileTypes) as string[]).includes(value);
}

/** Layout of the meta file (the original's `MetaProcessFormat` enum). */
export const MetaProcessFormat = {
  META_DATE_FORMAT: '%Y-%m-%d',
  META_PROCESS_DATE_FORMAT: '%Y-%m-%d %H:%M:%S',
  META_SOURCE_DATE_COL: 'source_date',
  META_PROCESS_COL: 'datetime_of_processing',
  META_FILE_FORMAT: S3FileTypes.CSV,
} as const;

/** The date `return_date_list` answers when nothing is missing: an extract date no real data reaches. */
export const NOTHING_TO_EXTRACT_DATE = '2200-01-01';

/** An S3 request (or a body) silent this long fails: the SDK's requests and the parsing threads' downloads. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
