import { createRequire } from 'node:module';
import type { ColumnSource, ParquetWriteOptions, SchemaElement } from 'hyparquet-writer';
import { collectGarbage } from '../common/v8-heap.js';
import { sliced, type Column, type Frame, type SlicedFrame } from '../common/frame.js';

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
 * The writer encodes a row group at a time, and each group's rows are built just before it, so this bounds
 * the write's working memory (for a 244,114-row report the writer's default groups, 1,000 then 100,000 rows,
 * cost 91 MiB more than its columns, 16,384-row groups 47) at the same speed and file size. A usual weekly
 * report is one group.
 */
const ROW_GROUP_ROWS = 16_384;

/**
 * What the writer leaves behind from each row group lives long enough to reach V8's old generation, which is
 * collected only when the heap reaches its limit: writing a 244,114-row report took the process from 152 to
 * 215–231 MiB. A full collection after every group from the second on, never after the last, holds it at
 * 177–182 MiB, for ~0.2 s in all (every second group from the fourth: 187–192 MiB; every group from the fourth
 * did no better, as the heap grows in the first groups). A weekly report (one group) never pays for one.
 * Each collection is followed by a turn of the event loop: the native compressor's output buffers are given
 * back by N-API finalizers, which Node runs only then, so without it they piled up over the whole write
 * (19 M rows: peak 131–132 MiB, the write growing by 13 MiB; 126 with it).
 */
const COLLECT_FROM_GROUP = 2;

/**
 * `DataFrame.to_parquet(index=False)` as pyarrow writes this job's frames: strings as UTF8/STRING,
 * floats as DOUBLE with NaN as null, integers as INT64, every column OPTIONAL, SNAPPY pages, no index
 * column. A row group's rows are built and converted just before the group is written.
 */
export async function frameToParquet(frame: Frame | SlicedFrame): Promise<Uint8Array> {
  const [{ ByteWriter, ParquetWriter }, codecs] = await Promise.all([library, compressors]);
  const slices = sliced(frame);
  const { columns } = slices.slice(0, 0);
  const schema: SchemaElement[] = [{ name: 'schema', num_children: columns.length }, ...columns.map(toSchemaElement)];
  const writer = new ByteWriter();
  const parquet = new ParquetWriter({ writer, schema, createdBy: 'xetra-etl', compressors: codecs });
  const encoders = columns.map(() => utf8Values());
  for (let start = 0, groups = 1; start < slices.rows; start += ROW_GROUP_ROWS, groups++) {
    const end = Math.min(start + ROW_GROUP_ROWS, slices.rows);
    const group = slices.slice(start, end).columns.map((column, at) => toColumnSource(column, encoders[at] ?? utf8Values()));
    void parquet.write({ columnData: group, rowGroupSize: end - start });
    if (groups >= COLLECT_FROM_GROUP && end < slices.rows) {
      collectGarbage();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  void parquet.finish();
  // The written bytes in place, not copied out (getBuffer): a 244,114-row report is 5.3 MiB.
  return writer.getBytes();
}

/**
 * Encodes a small frame of the report's column types and drops it, so that V8 has compiled the writer's code
 * by the time the report comes: its first call ran mostly in code not compiled yet.
 */
export async function warmUpParquetWriter(): Promise<void> {
  const rows = 512;
  const numbers = (): Float64Array => Float64Array.from({ length: rows }, (_, row) => (row % 7 === 0 ? NaN : row / 8));
  const text = (prefix: string): string[] => Array.from({ length: rows }, (_, row) => `${prefix}${row % 97}`);
  await frameToParquet({
    columns: [
      { name: 'a', type: 'string', values: text('DE000') },
      { name: 'b', type: 'string', values: text('2017-07-') },
      { name: 'c', type: 'double', values: numbers() },
      { name: 'd', type: 'double', values: numbers() },
      { name: 'e', type: 'int64', values: numbers().map((value) => (Number.isNaN(value) ? 0 : value * 8)) },
    ],
  });
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

function toColumnSource(column: Column, utf8: (value: string | null) => Uint8Array | null): ColumnSource {
  switch (column.type) {
    case 'string':
      return { name: column.name, data: column.values.map(utf8) };
    case 'double':
      // PLAIN, not dictionary: hyparquet-writer's dictionary folds -0.0 and 0.0 into one entry, and a
      // change that rounds to zero from below is -0.0 in the original.
      return { name: column.name, data: nullForNaN(column.values), encoding: 'PLAIN' };
    case 'int64': {
      // One typed array rather than an array of BigInt objects: a long report has hundreds of thousands.
      const data = new BigInt64Array(column.values.length);
      for (let row = 0; row < data.length; row++) data[row] = BigInt(column.values[row] ?? 0);
      return { name: column.name, data };
    }
  }
}

/** The writer takes null as a missing value; a column with none is passed on as it is, not copied. */
function nullForNaN(values: readonly (number | null)[] | Float64Array): Float64Array | (number | null)[] {
  if (values instanceof Float64Array && !values.some(Number.isNaN)) return values;
  // Loops, here and for int64, rather than a mapping function per value: a 50,847-row report's write took
  // 242–296 ms instead of 273–322 (warm, alternating), with the same bytes.
  const data = new Array<number | null>(values.length);
  for (let row = 0; row < values.length; row++) {
    const value = values[row] ?? null;
    data[row] = value === null || Number.isNaN(value) ? null : value;
  }
  return data;
}

/**
 * Strings as UTF-8 bytes, each distinct value encoded once: a report repeats a few thousand ISINs and a
 * few dates over all its rows, and the writer would otherwise encode (and allocate) every cell.
 */
function utf8Values(): (value: string | null) => Uint8Array | null {
  const encoder = new TextEncoder();
  const encoded = new Map<string, Uint8Array>();
  return (value) => {
    if (value === null) return null;
    let bytes = encoded.get(value);
    if (bytes === undefined) {
      bytes = encoder.encode(value);
      encoded.set(value, bytes);
    }
    return bytes;
  };
}
