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

export function rowCount(frame: Frame): number {
  return frame.columns[0]?.values.length ?? 0;
}

/** pandas' `DataFrame.empty`: true when there are no rows or no columns. */
export function isEmpty(frame: Frame): boolean {
  return rowCount(frame) === 0;
}

export function stringColumn(frame: Frame, name: string): readonly (string | null)[] | undefined {
  const column = frame.columns.find((c) => c.name === name);
  return column?.type === 'string' ? column.values : undefined;
}
