import { createRequire } from 'node:module';
import type { ColumnSource, ParquetWriteOptions, SchemaElement } from 'hyparquet-writer';
import type { Column, Frame } from '../common/frame.js';

// Started now, awaited at the first write: the library loads while the job reads its sources.
const library = import('hyparquet-writer');
library.catch(() => undefined); // a failure is reported by the write that awaits it
const compressors = library.then(() => nativeSnappy()).catch(() => ({}));

/**
 * SNAPPY pages compressed by the `snappy` package's native code (prebuilt for the usual platforms): the
 * writer's own JavaScript compressor was a third of its time on a report and the slowest part of its first,
 * still unoptimised call. Where the native module cannot load, that JavaScript one is used.
 */
function nativeSnappy(): NonNullable<ParquetWriteOptions['compressors']> {
  try {
    const { compressSync } = createRequire(import.meta.url)('snappy') as typeof import('snappy');
    return { SNAPPY: (input: Uint8Array) => compressSync(input) };
  } catch {
    return {};
  }
}

/**
 * The writer encodes a row group at a time, so this bounds its working memory: for a 244,114-row report,
 * 16,384-row groups cost 47 MiB more than the columns themselves where its default (100,000) cost 91,
 * at the same speed and file size. A usual weekly report is one group.
 */
const ROW_GROUP_ROWS = 16_384;

/**
 * `DataFrame.to_parquet(index=False)` as pyarrow writes this job's frames: strings as UTF8/STRING,
 * floats as DOUBLE with NaN as null, integers as INT64, every column OPTIONAL, SNAPPY pages, no index
 * column.
 */
export async function frameToParquet(frame: Frame): Promise<Uint8Array> {
  const [{ parquetWriteBuffer }, codecs] = await Promise.all([library, compressors]);
  const schema: SchemaElement[] = [{ name: 'schema', num_children: frame.columns.length }, ...frame.columns.map(toSchemaElement)];
  return new Uint8Array(parquetWriteBuffer({ columnData: frame.columns.map(toColumnSource), schema, createdBy: 'xetra-etl', rowGroupSize: ROW_GROUP_ROWS, compressors: codecs }));
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
      return { name: column.name, data: nullForNaN(column.values), encoding: 'PLAIN' };
    case 'int64':
      // One typed array rather than an array of BigInt objects: a long report has hundreds of thousands.
      return { name: column.name, data: BigInt64Array.from(column.values, (v) => BigInt(v)) };
  }
}

/** The writer takes null as a missing value; a column with none is passed on as it is, not copied. */
function nullForNaN(values: readonly (number | null)[] | Float64Array): Float64Array | (number | null)[] {
  if (values instanceof Float64Array && !values.some(Number.isNaN)) return values;
  return Array.from(values, (v) => (v === null || Number.isNaN(v) ? null : v));
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
