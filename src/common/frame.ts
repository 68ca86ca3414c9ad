/**
 * A small column-oriented table: what the original passed around as a pandas DataFrame, reduced to
 * the three column types this job ever writes. Numbers may come as a Float64Array (the report's
 * columns); in a double column NaN and null both mean pandas' NaN, written as a missing value.
 */
export type Column =
  | { readonly name: string; readonly type: 'string'; readonly values: readonly (string | null)[] }
  | { readonly name: string; readonly type: 'double'; readonly values: readonly (number | null)[] | Float64Array }
  | { readonly name: string; readonly type: 'int64'; readonly values: readonly number[] | Float64Array };

export interface Frame {
  readonly columns: readonly Column[];
}

/**
 * A frame built a slice of rows at a time, for a report too long to hold whole next to its Parquet encoding.
 * `slice(0, 0)` gives the columns with no rows.
 */
export interface SlicedFrame {
  readonly rows: number;
  slice(start: number, end: number): Frame;
}

export function rowCount(frame: Frame | SlicedFrame): number {
  return 'slice' in frame ? frame.rows : (frame.columns[0]?.values.length ?? 0);
}

/** pandas' `DataFrame.empty`: true when there are no rows or no columns. */
export function isEmpty(frame: Frame | SlicedFrame): boolean {
  return rowCount(frame) === 0;
}

/** Any frame whole: a sliced one built in one slice. */
export function whole(frame: Frame | SlicedFrame): Frame {
  return 'slice' in frame ? frame.slice(0, frame.rows) : frame;
}

/** Any frame as slices: a whole frame's slices are copies of its columns' rows. */
export function sliced(frame: Frame | SlicedFrame): SlicedFrame {
  if ('slice' in frame) return frame;
  return {
    rows: rowCount(frame),
    slice: (start, end) => ({ columns: frame.columns.map((column) => ({ ...column, values: column.values.slice(start, end) }) as Column) }),
  };
}

export function stringColumn(frame: Frame, name: string): readonly (string | null)[] | undefined {
  const column = frame.columns.find((c) => c.name === name);
  return column?.type === 'string' ? column.values : undefined;
}
