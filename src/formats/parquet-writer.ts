import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import type { Column, Frame } from '../common/frame.js';

/**
 * `DataFrame.to_parquet(index=False)` as pyarrow writes this job's frames: strings as UTF8, floats as
 * DOUBLE with NaN as null, integers as INT64, every column nullable, SNAPPY pages, no index column.
 */
export function frameToParquet(frame: Frame): Uint8Array {
  return new Uint8Array(parquetWriteBuffer({ columnData: frame.columns.map(toColumnSource), createdBy: 'xetra-etl' }));
}

function toColumnSource(column: Column): ColumnSource {
  switch (column.type) {
    case 'string':
      return { name: column.name, type: 'STRING', data: [...column.values] };
    case 'double':
      return { name: column.name, type: 'DOUBLE', data: column.values.map((v) => (v === null || Number.isNaN(v) ? null : v)) };
    case 'int64':
      return { name: column.name, type: 'INT64', data: column.values.map((v) => BigInt(v)) };
  }
}
