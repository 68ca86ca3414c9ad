import { parquetMetadata, parquetReadObjects } from 'hyparquet';

export interface ParquetContent {
  /** Leaf columns in file order: name, physical type and converted (or logical) type. */
  readonly columns: { name: string; type: string | undefined; annotation: string | undefined }[];
  /** Rows as hyparquet decodes them: INT64 as bigint, null where a value is missing. */
  readonly rows: Record<string, unknown>[];
  readonly numRows: bigint;
}

/** Reads a whole Parquet object back with hyparquet, a reader independent of the writer. */
export async function readParquet(bytes: Uint8Array): Promise<ParquetContent> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const metadata = parquetMetadata(file);
  const columns = metadata.schema.slice(1).map((element) => ({
    name: element.name,
    type: element.type,
    annotation: element.converted_type ?? element.logical_type?.type,
  }));
  const rows = await parquetReadObjects({ file, metadata });
  return { columns, rows, numRows: metadata.num_rows };
}
