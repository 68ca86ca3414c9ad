import { MetaProcessFormat, NOTHING_TO_EXTRACT_DATE } from './constants.js';
import type { Clock } from './clock.js';
import { dayFromParts, formatIsoDate, parseIsoDate, type EpochDay } from './dates.js';
import { SourceDataError, WrongMetaFileError } from './errors.js';
import { stringColumn, type Column, type Frame } from './frame.js';
import type { S3BucketConnector } from './s3.js';
import { strftime } from './strftime.js';

const { META_SOURCE_DATE_COL, META_PROCESS_COL, META_PROCESS_DATE_FORMAT, META_FILE_FORMAT } = MetaProcessFormat;
const META_COLUMNS = [META_SOURCE_DATE_COL, META_PROCESS_COL];

/** `pd.to_datetime` on the dates this job writes, and the looser forms people type by hand. */
const LENIENT_DATE = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*$/;

/**
 * The original's MetaProcess: the meta CSV in the target bucket records which source dates are
 * done, and decides which dates the next run extracts.
 */
export class MetaProcess {
  constructor(
    private readonly metaKey: string,
    private readonly bucket: S3BucketConnector,
    private readonly clock: Clock,
  ) {}

  /**
   * Appends one row per date, all stamped with the same local time, and rewrites the file; old rows
   * stay as they were. Nothing is written when there is no meta file and no date.
   */
  async updateMetaFile(extractDateList: readonly string[]): Promise<true> {
    const stamp = strftime(this.clock.now(), META_PROCESS_DATE_FORMAT);
    const fresh: Record<string, string[]> = {
      [META_SOURCE_DATE_COL]: [...extractDateList],
      [META_PROCESS_COL]: extractDateList.map(() => stamp),
    };
    const old = await this.readMeta();
    let all: Frame;
    if (old === undefined) {
      all = { columns: META_COLUMNS.map((name) => ({ name, type: 'string', values: fresh[name] ?? [] })) };
    } else {
      all = {
        columns: old.columns.map((column): Column => ({ name: column.name, type: 'string', values: [...(column.values as (string | null)[]), ...(fresh[column.name] ?? [])] })),
      };
    }
    await this.bucket.writeFrameToS3(all, this.metaKey, META_FILE_FORMAT);
    return true;
  }

  /**
   * The original's `return_date_list`: the first date to report and every date to extract, from the
   * day before `firstDate` (or before the earliest date missing from the meta file) up to today.
   * Without a meta file `firstDate` comes back as given; with nothing missing, `'2200-01-01', []`.
   */
  async returnDateList(firstDate: string): Promise<[string, string[]]> {
    const first = parseIsoDate(firstDate);
    if (first === undefined) throw new WrongMetaFileError(`first extract date '${firstDate}' is not a date YYYY-MM-DD`);
    const dates = dayRange(first - 1, this.clock.today());
    const meta = await this.readMeta();
    if (meta === undefined) return [firstDate, dates.map(formatIsoDate)];

    const done = new Set((stringColumn(meta, META_SOURCE_DATE_COL) ?? []).map((text, row) => this.parseMetaDate(text, row)));
    const missing = dates.slice(1).find((day) => !done.has(day));
    if (missing === undefined) return [NOTHING_TO_EXTRACT_DATE, []];
    return [formatIsoDate(missing), dates.filter((day) => day >= missing - 1).map(formatIsoDate)];
  }

  /**
   * The meta file, or undefined when there is none. Its columns are checked here, before any work,
   * where the original only checked them after writing the report (and crashed with a KeyError).
   */
  private async readMeta(): Promise<Frame | undefined> {
    let meta: Frame | undefined;
    try {
      meta = await this.bucket.readCsvToFrame(this.metaKey);
    } catch (error) {
      if (error instanceof SourceDataError) throw new WrongMetaFileError(`meta file unreadable: ${error.message}`);
      throw error;
    }
    const found = meta?.columns.map((c) => c.name);
    if (found !== undefined && [...found].sort().join(',') !== [...META_COLUMNS].sort().join(',')) {
      throw new WrongMetaFileError(`meta file ${this.where()} has the columns '${found.join(',')}'; expected '${META_COLUMNS.join(',')}'. Fix its header, or move it away to start again from src_first_extract_date`);
    }
    return meta;
  }

  private parseMetaDate(text: string | null, row: number): EpochDay | undefined {
    if (text === null) return undefined;
    const match = LENIENT_DATE.exec(text);
    const day = match ? dayFromParts(Number(match[1]), Number(match[2]), Number(match[3])) : undefined;
    if (day === undefined) {
      throw new WrongMetaFileError(`meta file ${this.where()}: line ${row + 2}: '${text}' in column ${META_SOURCE_DATE_COL} is not a date YYYY-MM-DD; fix or remove the row`);
    }
    return day;
  }

  private where(): string {
    return `${this.bucket.location}/${this.metaKey}`;
  }
}

/** Every day from `from` to `to`, both included; empty when `from` is after `to`. */
function dayRange(from: EpochDay, to: EpochDay): EpochDay[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}
