import type { ColumnSource, SchemaElement } from 'hyparquet-writer';
import type { Column, Frame } from '../common/frame.js';

// Started now, awaited at the first write: the library loads while the job reads its sources.
const library = import('hyparquet-writer');
library.catch(() => undefined); // a failure is reported by the write that awaits it

/**
 * `DataFrame.to_parquet(index=False)` as pyarrow writes this job's frames: strings as UTF8/STRING,
 * floats as DOUBLE with NaN as null, integers as INT64, every column OPTIONAL, SNAPPY pages, no index
 * column.
 */
export async function frameToParquet(frame: Frame): Promise<Uint8Array> {
  const { parquetWriteBuffer } = await library;
  const schema: SchemaElement[] = [{ name: 'schema', num_children: frame.columns.length }, ...frame.columns.map(toSchemaElement)];
  return new Uint8Array(parquetWriteBuffer({ columnData: frame.columns.map(toColumnSource), schema, createdBy: 'xetra-etl' }));
}

function toSchemaElement(column: Column): SchemaElement {
  const base = { name: column.name, repetition_type: 'OPTIONAL' } as const;
  switch (column.type) {
    case 'string':
      return { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } };
    case 'double':
      return { ...base, type: 'DOUBLE' };
    case 'int64':
      return { ...base, type: 'INT64' };
  }
}

function toColumnSource(column: Column): ColumnSource {
  switch (column.type) {
    case 'string':
      return { name: column.name, data: utf8Values(column.values) };
    case 'double':
      // PLAIN, not dictionary: hyparquet-writer's dictionary folds -0.0 and 0.0 into one entry, and a
      // change that rounds to zero from below is -0.0 in the original.
      return { name: column.name, data: column.values.map((v) => (v === null || Number.isNaN(v) ? null : v)), encoding: 'PLAIN' };
    case 'int64':
      return { name: column.name, data: column.values.map((v) => BigInt(v)) };
  }
}

/**
 * Strings as UTF-8 bytes, each distinct value encoded once: a report repeats a few thousand ISINs and a
 * few dates over all its rows, and the writer would otherwise encode (and allocate) every cell.
 */
function utf8Values(values: readonly (string | null)[]): (Uint8Array | null)[] {
  const encoder = new TextEncoder();
  const encoded = new Map<string, Uint8Array>();
  return values.map((value) => {
    if (value === null) return null;
    let bytes = encoded.get(value);
    if (bytes === undefined) {
      bytes = encoder.encode(value);
      encoded.set(value, bytes);
    }
    return bytes;
  });
}
