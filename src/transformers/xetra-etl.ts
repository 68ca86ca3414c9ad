import type { Clock } from '../common/clock.js';
import { SourceDataError } from '../common/errors.js';
import { rowCount, whole, type Frame, type SlicedFrame } from '../common/frame.js';
import type { Logger } from '../common/logger.js';
import { MetaProcess } from '../common/meta-process.js';
import type { S3BucketConnector } from '../common/s3.js';
import { inOrder } from '../common/in-order.js';
import { strftime } from '../common/strftime.js';
import { collectGarbage, favourMemoryOverSpeed } from '../common/v8-heap.js';
import { DEFAULT_DOWNLOAD_CONCURRENCY, type XetraSourceConfig, type XetraTargetConfig } from '../config/schema.js';
import { DailyAggregator } from '../report/instrument-day.js';
import { planReport1, report1Rows, type Report1 } from '../report/report1.js';
import { openFoldPool, type FoldPool } from './fold-pool.js';
import type { PartialFold } from './object-fold.js';
import { DownloadFailed } from '../storage/download-failed.js';
import type { FoldCounts, RejectedRow } from './source-rows.js';

/** Date prefixes listed at once. */
const LISTINGS_AT_ONCE = 8;
/** Below this many objects the main thread parses them: quicker than waiting for the threads to start, which are stopped. */
const MIN_KEYS_FOR_WORKERS = 8;
/**
 * Room reserved for the run's instrument-days (address space, not memory: see DailyAggregator). Grown by
 * doubling instead, a 244,114-day run copies its arrays at each step, and the memory the old copies give back
 * stays with the process: 19 M rows peaked at 129–130 MiB, against 124–125 reserved.
 */
const RUN_DAYS_RESERVED = 1 << 20;
/**
 * Below this many instrument-days (~8.5 MiB) the released aggregator is left to V8: the collection took 8–19 ms
 * of the run's serial end, and the write of a small report stays far below the read's peak anyway, the parsing
 * threads being gone. A usual week is ~15,000 days; the benchmark's 1 M and 4 M rows are 12,788 and 50,847.
 */
const COLLECT_FROM_DAYS = 100_000;

/** What `extract` folded the source objects into, and how much it read. */
export interface Extracted extends FoldCounts {
  readonly days: DailyAggregator;
  readonly files: number;
  /** Objects with a header and no data rows: hours without trading. */
  readonly headerOnlyFiles: number;
  /** Rows that could not be read, in skip mode (`source.bad_rows: skip`); empty or absent otherwise. */
  readonly rejects?: readonly RejectedRow[];
}

/** What a run did: extract's counts (its days reduced to their number) and what load wrote. */
export type Report1Run = Omit<Extracted, 'days'> & { readonly instrumentDays: number } & Loaded;

export interface Loaded {
  /** The report's key, or undefined when the report was empty and nothing was written. */
  readonly reportKey: string | undefined;
  readonly reportRows: number;
  /** The rejects object's key (skip mode, when rows were rejected). */
  readonly rejectsKey?: string | undefined;
}

export interface EtlDeps {
  readonly logger: Logger;
  readonly clock: Clock;
  /** Source objects downloading at once (default 8). */
  readonly concurrency?: number;
  /** Parsing threads: 'auto' (one per core, at most 4) or a number; 0 parses on the main thread. */
  readonly workers?: number | 'auto';
  /** Stops the run at the next safe point: before or during the report write, never after it. */
  readonly signal?: AbortSignal | undefined;
  /** Records the report key and dates before the report write and clears them after the meta update (see ReportJournal). */
  readonly journal?: { begin(reportKey: string, dates: readonly string[]): Promise<void>; end(): Promise<void> } | undefined;
}

/**
 * The original's XetraETL: extract → transform_report1 → load for "report 1", the daily
 * open/close/min/max/volume/change per ISIN.
 */
export class XetraETL {
  /** Days on or after the extract date: what the meta file records once the report is written. */
  readonly metaUpdateList: readonly string[];
  /** False once a parsing thread's download failed: S3 objects then stream through the S3 client. */
  private threadsDownload = true;

  private constructor(
    private readonly src: S3BucketConnector,
    private readonly trg: S3BucketConnector,
    private readonly srcArgs: XetraSourceConfig,
    private readonly trgArgs: XetraTargetConfig,
    private readonly deps: EtlDeps,
    private readonly meta: MetaProcess,
    readonly extractDate: string,
    readonly extractDateList: readonly string[],
  ) {
    this.metaUpdateList = extractDateList.filter((date) => date >= extractDate);
  }

  /** Reads the meta file in the target bucket to decide the dates, as the original's constructor does. */
  static async create(src: S3BucketConnector, trg: S3BucketConnector, metaKey: string, srcArgs: XetraSourceConfig, trgArgs: XetraTargetConfig, deps: EtlDeps): Promise<XetraETL> {
    const meta = new MetaProcess(metaKey, trg, deps.clock);
    const [extractDate, extractDateList] = await meta.returnDateList(srcArgs.src_first_extract_date);
    return new XetraETL(src, trg, srcArgs, trgArgs, deps, meta, extractDate, extractDateList);
  }

  /**
   * Streams every object under each date prefix, in list and S3 order, into instrument-days. Up to
   * `concurrency` objects download at once while the fold pool parses; partial results merge in key
   * order, so the outcome is the same as one sequential pass.
   */
  async extract(): Promise<Extracted> {
    const { logger, signal, concurrency = DEFAULT_DOWNLOAD_CONCURRENCY, workers = 'auto' } = this.deps;
    logger.info('Extracting Xetra source files started...');
    const days = new DailyAggregator(RUN_DAYS_RESERVED);
    const totals = { files: 0, headerOnlyFiles: 0, rows: 0, dropped: 0 };
    const rejects: RejectedRow[] = [];
    const absorb = (fold: PartialFold): void => {
      if (fold.rejects) rejects.push(...fold.rejects);
      days.merge(fold.days);
      fold.giveBack?.();
      totals.files += 1;
      totals.rows += fold.rows;
      totals.dropped += fold.dropped;
      if (fold.rows === 0) totals.headerOnlyFiles += 1;
    };
    // The threads start while the dates are listed: from S3 the listing took 0.1–0.15 s, about a thread's start.
    let pool = openFoldPool(this.srcArgs, workers, { downloads: this.src.signsUrls });
    try {
      const keys = await this.sourceKeys();
      if (keys.length < MIN_KEYS_FOR_WORKERS) {
        await pool.close();
        pool = openFoldPool(this.srcArgs, 0);
      }
      const threadsParse = pool.foldLocalFile !== undefined;
      // Where the threads read local files or download the objects themselves, this thread only merges, and no thread
      // makes enough young garbage for smaller heaps to cost time; where bodies stream through this thread they cost it
      // (v8-heap.ts), so a fall back to the S3 client withdraws it (foldDownloaded).
      favourMemoryOverSpeed(threadsParse && (this.src.readsLocalFiles || this.src.signsUrls));
      // This thread waits meanwhile; the report's write, at the end and alone, then runs compiled code.
      if (threadsParse) this.trg.warmUpWriter(this.trgArgs.trg_format);
      await inOrder(keys, concurrency, (key) => this.foldObject(key, pool), absorb, signal);
    } finally {
      await pool.close();
    }
    logger.info('Extracting Xetra source files finished.');
    return { days, ...totals, rejects };
  }

  /**
   * Every source key of the date list, in order; zero-byte "folder" objects (which crashed the original) are
   * skipped. Several dates are listed at once: one after another, the listings of a week held back the first
   * download by 0.1–0.2 s on a loopback server, and of a year's backfill by a request's latency 365 times.
   */
  private async sourceKeys(): Promise<string[]> {
    const keys: string[] = [];
    const take = (listed: readonly string[]): void => {
      for (const key of listed) {
        if (key.endsWith('/')) this.deps.logger.warn(`Skipping folder marker ${this.src.location}/${key}`);
        else keys.push(key);
      }
    };
    await inOrder(this.extractDateList, LISTINGS_AT_ONCE, (date) => this.src.listFilesInPrefix(date), take, this.deps.signal);
    return keys;
  }

  private async foldObject(key: string, pool: FoldPool): Promise<PartialFold> {
    const where = `${this.src.location}/${key}`;
    const gone = (): SourceDataError => new SourceDataError(`${where}: the object was listed but is gone; rerun the job`);
    // A parsing thread reads a local file, or downloads an S3 object, itself; other bodies stream through here.
    const file = pool.foldLocalFile ? this.src.localFile(key) : undefined;
    let fold: PartialFold | undefined;
    if (file !== undefined && pool.foldLocalFile) {
      fold = await pool.foldLocalFile(where, file);
      if (fold === undefined) throw gone();
    } else if (pool.foldUrl && this.threadsDownload) {
      fold = await this.foldDownloaded(key, where, pool.foldUrl.bind(pool));
    }
    if (fold === undefined) {
      const job = pool.begin(where);
      if (!(await this.src.streamObject(key, (chunk) => { job.push(chunk); }, this.deps.signal))) {
        void job.end().catch(() => undefined);
        throw gone();
      }
      fold = await job.end();
    }
    if (!fold.sawHeader) throw new SourceDataError(`${where}: the object is empty (0 bytes); expected a CSV header line. Remove it or replace it with the real file`);
    return fold;
  }

  /**
   * The object folded by a parsing thread that downloads it from a signed URL; undefined when it is to be
   * streamed instead. After a failed download the rest of the run streams every object through the S3 client,
   * whose retries and error messages then decide: a failure that repeats costs one request, not one per object.
   */
  private async foldDownloaded(key: string, where: string, foldUrl: NonNullable<FoldPool['foldUrl']>): Promise<PartialFold | undefined> {
    const signed = await this.src.signedUrl(key);
    if (signed === undefined) return undefined;
    const fold = await untilAborted(foldUrl(where, signed), this.deps.signal);
    if (!(fold instanceof DownloadFailed)) return fold;
    if (this.threadsDownload) {
      this.deps.logger.warn(`${where}: the parsing thread's download failed (${fold.message}); this and the remaining objects are read through the S3 client`);
      favourMemoryOverSpeed(false);
    }
    this.threadsDownload = false;
    return undefined;
  }

  /** The report frame, with the target's column names; empty when nothing was read. */
  transformReport1(extracted: Extracted): Frame {
    return whole(this.reportSlices(extracted));
  }

  /**
   * The report as slices of rows: sorted and filtered here, each slice's rows computed when it is written,
   * so a long report never exists whole next to its Parquet encoding.
   */
  private reportSlices(extracted: Extracted): Frame | SlicedFrame {
    const { logger } = this.deps;
    if (extracted.rows === 0) {
      logger.info('The dataframe is empty. No transformations will be applied.');
      return { columns: [] };
    }
    logger.info('Applying transformations to Xetra source data for report 1 started...');
    const days = extracted.days.columns();
    const plan = planReport1(days, this.extractDate);
    logger.info('Applying transformations to Xetra source data finished...');
    return { rows: plan.order.length, slice: (start, end) => this.toFrame(report1Rows(days, plan, start, end)) };
  }

  /**
   * Writes the report, then records the dates in the meta file: never the other way round. Once the
   * report is written the meta update runs even when the run is being stopped, so the two agree.
   */
  async load(frame: Frame | SlicedFrame, rejects: readonly RejectedRow[] = []): Promise<Loaded> {
    const { logger, clock, signal } = this.deps;
    signal?.throwIfAborted();
    const key = `${this.trgArgs.trg_key}${strftime(clock.now(), this.trgArgs.trg_key_date_format)}.${this.trgArgs.trg_format}`;
    const journal = rowCount(frame) > 0 ? this.deps.journal : undefined;
    await journal?.begin(key, this.metaUpdateList);
    const written = await this.trg.writeFrameToS3(frame, key, this.trgArgs.trg_format, signal);
    logger.info('Xetra target data successfully written.');
    const rejectsKey = rejects.length > 0 ? `${key.slice(0, -this.trgArgs.trg_format.length)}rejects.csv` : undefined;
    if (rejectsKey !== undefined) {
      logger.warn(`${rejects.length} source row(s) could not be read and were skipped (source.bad_rows: skip); they are in ${this.trg.location}/${rejectsKey}`);
      await this.trg.writeFrameToS3(rejectsFrame(rejects), rejectsKey, 'csv');
    }
    await this.meta.updateMetaFile(this.metaUpdateList);
    await journal?.end();
    logger.info('Xetra meta file successfully updated.');
    return { reportKey: written ? key : undefined, reportRows: rowCount(frame), rejectsKey };
  }

  async etlReport1(): Promise<Report1Run> {
    const { frame, summary } = await this.extractAndTransform();
    return { ...summary, ...(await this.load(frame, summary.rejects)) };
  }

  /**
   * The aggregator's arrays are let go once the days are copied out for the report, and collected before the
   * write: at 244,114 days they are 21 MiB, which the write's first collection (after its second row group) freed
   * only after its peak. Kept, 19 M rows peaked at 135 MiB twice in the write; let go, the write stays under the
   * read's peak (124–125). A small aggregator is not worth a collection (COLLECT_FROM_DAYS).
   */
  private async extractAndTransform(): Promise<{ frame: Frame | SlicedFrame; summary: Omit<Report1Run, keyof Loaded> }> {
    const { days, ...counts } = await this.extract();
    const instrumentDays = days.size;
    const frame = this.reportSlices({ days, ...counts });
    days.release();
    if (instrumentDays >= COLLECT_FROM_DAYS) collectGarbage();
    return { frame, summary: { ...counts, instrumentDays } };
  }

  private toFrame(report: Report1): Frame {
    const { srcArgs: s, trgArgs: t } = this;
    return {
      columns: [
        { name: s.src_col_isin, type: 'string', values: report.isin },
        { name: s.src_col_date, type: 'string', values: report.date },
        { name: t.trg_col_op_price, type: 'double', values: report.openingPrice },
        { name: t.trg_col_clos_price, type: 'double', values: report.closingPrice },
        { name: t.trg_col_min_price, type: 'double', values: report.minimumPrice },
        { name: t.trg_col_max_price, type: 'double', values: report.maximumPrice },
        { name: t.trg_col_dail_trad_vol, type: 'int64', values: report.dailyTradedVolume },
        { name: t.trg_col_ch_prev_clos, type: 'double', values: report.changePrevClosing },
      ],
    };
  }
}

/** The rejects object: one row per skipped source row, with the row's fields as one CSV line. */
function rejectsFrame(rejects: readonly RejectedRow[]): Frame {
  const csvField = (field: string): string => (/[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field);
  return {
    columns: [
      { name: 'source_object', type: 'string', values: rejects.map((r) => r.where) },
      { name: 'line', type: 'string', values: rejects.map((r) => String(r.line)) },
      { name: 'reason', type: 'string', values: rejects.map((r) => r.reason) },
      { name: 'row', type: 'string', values: rejects.map((r) => r.fields.map(csvField).join(',')) },
    ],
  };
}

/**
 * `promise`, or the signal's reason once it aborts: a stop need not wait for a thread's download to end (closing
 * the pool ends it), as it need not for a body streaming through the S3 client.
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const stop = (): void => { reject(signal.reason as Error); }; // the CLI aborts with an Error, as streamObject throws it
    if (signal.aborted) stop();
    signal.addEventListener('abort', stop, { once: true });
    promise.then(resolve, reject).finally(() => { signal.removeEventListener('abort', stop); });
  });
}
