import { SourceDataError } from '../common/errors.js';
import type { XetraSourceConfig } from '../config/schema.js';
import type { RecordHandler } from '../formats/csv-parser.js';
import { PANDAS_NA_VALUES } from '../formats/pandas-na.js';
import type { DailyAggregator } from '../report/instrument-day.js';

export interface FoldCounts {
  /** Data rows read, before rows with empty values are dropped. */
  rows: number;
  /** Rows the original's `dropna` drops: an empty (NaN) value in any configured column. */
  dropped: number;
}

const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;
const WHOLE_NUMBER = /^\s*[+-]?\d+\s*$/;

/**
 * A CSV record handler that folds one source object into `days`: checks the header for the
 * configured columns, drops rows as the original's `dropna` does, and fails on values the original
 * could not have summed or compared, naming the object and line.
 */
export function sourceRowFolder(where: string, source: XetraSourceConfig, days: DailyAggregator, counts: FoldCounts): RecordHandler & { sawHeader(): boolean } {
  let header: string[] | undefined;
  let selected: number[] = [];
  let at = { isin: 0, date: 0, time: 0, start: 0, min: 0, max: 0, volume: 0 };

  const number = (fields: string[], index: number, line: number, whole: boolean): number => {
    const text = fields[index] ?? '';
    if (!(whole ? WHOLE_NUMBER : NUMBER).test(text)) {
      const column = header?.[index] ?? '?';
      throw new SourceDataError(`${where}: line ${line}: column ${column} has '${text}', which is not ${whole ? 'a whole number' : 'a number'}; fix or remove the row`);
    }
    return Number(text);
  };

  const handler: RecordHandler = (fields, line) => {
    if (header === undefined) {
      header = fields;
      const indexOf = (name: string): number => {
        const index = fields.indexOf(name);
        if (index === -1) {
          throw new SourceDataError(`${where}: line ${line}: the header has no column '${name}' (source.src_columns); found: ${fields.join(',')}`);
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
      return;
    }
    if (fields.length !== header.length) {
      throw new SourceDataError(`${where}: line ${line}: expected ${header.length} fields as in the header, found ${fields.length}; a field with a comma must be quoted`);
    }
    counts.rows += 1;
    if (selected.some((index) => PANDAS_NA_VALUES.has(fields[index] ?? ''))) {
      counts.dropped += 1;
      return;
    }
    days.add(
      fields[at.isin] ?? '',
      fields[at.date] ?? '',
      fields[at.time] ?? '',
      number(fields, at.start, line, false),
      number(fields, at.min, line, false),
      number(fields, at.max, line, false),
      number(fields, at.volume, line, true),
    );
  };
  return Object.assign(handler, { sawHeader: () => header !== undefined });
}
