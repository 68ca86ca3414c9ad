import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';

export type ParquetRow = Record<string, unknown>;

/** Every row of a Parquet file, as hyparquet decodes it (INT64 as bigint, null for missing). */
export function readParquet(bytes: Uint8Array): Promise<ParquetRow[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return parquetReadObjects({ file });
}

/** Column name → physical type and repetition, in file order. */
export function parquetColumns(bytes: Uint8Array): { name: string; type: string | undefined; repetition: string | undefined }[] {
  const schema = parquetSchema(parquetMetadata(bytes));
  return schema.children.map((c) => ({ name: c.element.name, type: c.element.type, repetition: c.element.repetition_type }));
}
