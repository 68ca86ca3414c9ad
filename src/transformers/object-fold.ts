import { asSourceError } from '../common/errors.js';
import type { XetraSourceConfig } from '../config/schema.js';
import { CsvParser } from '../formats/csv-parser.js';
import { DailyAggregator, type DaysSnapshot } from '../report/instrument-day.js';
import { sourceRowFolder, type FoldCounts, type RejectedRow } from './source-rows.js';

/** What one source object folds into; partials merge in key order into the run's aggregate. */
export interface PartialFold extends FoldCounts {
  /** Its instrument-days, for DailyAggregator.merge. */
  readonly days: DaysSnapshot;
  readonly sawHeader: boolean;
  /** Rows skipped in skip mode (`source.bad_rows: skip`). */
  readonly rejects?: readonly RejectedRow[];
  /** From a parsing thread: returns the days' arrays to it for its next objects. Call once they are merged. */
  readonly giveBack?: () => void;
}

/** Folds the bytes of one source object, chunk by chunk, into its own instrument-days. */
export class ObjectFold {
  private readonly counts: FoldCounts = { rows: 0, dropped: 0 };
  private readonly rejects: RejectedRow[] = [];
  private readonly folder;
  private readonly parser;

  constructor(
    private readonly where: string,
    source: XetraSourceConfig,
    /** Empty; a parsing thread passes one it reuses. */
    private readonly days = new DailyAggregator(),
  ) {
    this.folder = sourceRowFolder(where, source, this.days, this.counts, this.rejects);
    this.parser = new CsvParser(this.folder, this.folder.fast);
  }

  push(chunk: Uint8Array): void {
    this.guard(() => { this.parser.push(chunk); });
  }

  end(): PartialFold {
    this.guard(() => { this.parser.end(); });
    return { days: this.days.view(), ...this.counts, sawHeader: this.folder.sawHeader(), rejects: this.rejects };
  }

  private guard(step: () => void): void {
    try {
      step();
    } catch (error) {
      throw asSourceError(this.where, error);
    }
  }
}
