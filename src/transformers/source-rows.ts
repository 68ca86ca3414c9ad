import { SourceDataError } from '../common/errors.js';
import type { XetraSourceConfig } from '../config/schema.js';
import type { CsvRecord, RecordHandler } from '../formats/csv-parser.js';
import { isPandasNa } from '../formats/pandas-na.js';
import type { DailyAggregator } from '../report/instrument-day.js';
import { FastRowReader } from './fast-rows.js';

/** A source row that could not be read, kept in skip mode (`source.bad_rows: skip`). */
export interface RejectedRow {
  readonly where: string;
  readonly line: number;
  readonly reason: string;
  /** The row's fields, as read. */
  readonly fields: readonly string[];
}

export interface FoldCounts {
  /** Data rows read, before rows with empty values are dropped. */
  rows: number;
  /** Rows the original's `dropna` drops: an empty (NaN) value in any configured column. */
  dropped: number;
}

/**
 * A CSV record handler that folds one source object into `days`: checks the header for the
 * configured columns, drops rows as the original's `dropna` does, and fails on values the original
 * could not have summed or compared, naming the object and line.
 */
export function sourceRowFolder(where: string, source: XetraSourceConfig, days: DailyAggregator, counts: FoldCounts, rejects?: RejectedRow[]): RecordHandler & { sawHeader(): boolean; readonly fast: FastRowReader } {
  let header: string[] | undefined;
  let selected: number[] = [];
  let at = { isin: 0, date: 0, time: 0, start: 0, min: 0, max: 0, volume: 0 };
  const fast = new FastRowReader(days, counts);

  const number = (record: CsvRecord, index: number, whole: boolean): number => {
    const value = whole ? record.wholeNumber(index) : record.decimal(index);
    if (Number.isNaN(value)) {
      const column = header?.[index] ?? '?';
      throw new SourceDataError(`${where}: line ${record.line}: column ${column} has '${record.text(index)}', which is not ${whole ? 'a whole number' : 'a number'}; fix or remove the row`);
    }
    return value;
  };

  const onHeader = (record: CsvRecord): void => {
    const names = record.texts();
    header = names;
    const indexOf = (name: string): number => {
      const index = names.indexOf(name);
      if (index === -1) {
        throw new SourceDataError(`${where}: line ${record.line}: the header has no column '${name}' (source.src_columns); found: ${names.join(',')}`);
      }
      return index;
    };
    selected = source.src_columns.map(indexOf);
    at = {
      isin: indexOf(source.src_col_isin),
      date: indexOf(source.src_col_date),
      time: indexOf(source.src_col_time),
      start: indexOf(source.src_col_start_price),
      min: indexOf(source.src_col_min_price),
      max: indexOf(source.src_col_max_price),
      volume: indexOf(source.src_col_traded_vol),
    };
    fast.plan(names.length, selected, at);
  };

  const handler: RecordHandler = (record) => {
    if (header === undefined) {
      onHeader(record);
      return;
    }
    if (record.count !== header.length) {
      throw new SourceDataError(`${where}: line ${record.line}: expected ${header.length} fields as in the header, found ${record.count}; a field with a comma must be quoted`);
    }
    counts.rows += 1;
    for (const index of selected) {
      if (isPandasNa(record, index)) {
        counts.dropped += 1;
        return;
      }
    }
    const start = number(record, at.start, false);
    const min = number(record, at.min, false);
    const max = number(record, at.max, false);
    const volume = number(record, at.volume, true);
    days.add(record.text(at.isin), record.text(at.date), record.text(at.time), start, min, max, volume);
  };
  // Skip mode: a data row that fails is kept aside instead of failing the run; the header still must be right.
  const skipping: RecordHandler = (record) => {
    if (header === undefined) {
      handler(record);
      return;
    }
    const read = counts.rows;
    try {
      handler(record);
    } catch (error) {
      if (!(error instanceof SourceDataError)) throw error;
      counts.rows = read + 1; // a rejected row was read too, whichever check it failed
      rejects?.push({ where, line: record.line, reason: error.message.slice(where.length + 2), fields: record.texts() });
    }
  };
  // The fast reader never fails: a row it cannot take comes here, so errors and skip mode live in one place.
  return Object.assign(source.bad_rows === 'skip' ? skipping : handler, { sawHeader: () => header !== undefined, fast });
}
