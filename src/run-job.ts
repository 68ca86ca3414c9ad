import { systemClock, type Clock } from './common/clock.js';
import { parseIsoDate } from './common/dates.js';
import { ConfigError } from './common/errors.js';
import { createLogger, type Logger } from './common/logger.js';
import { MetaProcess } from './common/meta-process.js';
import { ReportJournal } from './common/report-journal.js';
import { lockKeyFor, RunLock } from './common/run-lock.js';
import { S3BucketConnector } from './common/s3.js';
import { favourMemoryOverSpeed } from './common/v8-heap.js';
import { loadConfig } from './config/load-config.js';
import { openObjectStore } from './storage/open-store.js';
import { XetraETL, type Report1Run } from './transformers/xetra-etl.js';

export interface RunOptions {
  readonly configPath: string;
  /** `YYYY-MM-DD`: pins "today" for the date list; the clock still stamps keys and meta rows. */
  readonly today?: string | undefined;
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly env?: NodeJS.ProcessEnv;
  /** Aborting it stops the run before anything is written (see XetraETL.load). */
  readonly signal?: AbortSignal;
  /** Remove an existing run lock first (`--force-unlock`): only when no other run is active. */
  readonly forceUnlock?: boolean;
}

export interface RunSummary extends Omit<Report1Run, 'instrumentDays'> {
  readonly extractDate: string;
  /** The source dates this run marked as done in the meta file. */
  readonly datesProcessed: readonly string[];
  readonly reportLocation: string;
  readonly metaLocation: string;
  /** Where the skipped rows went (skip mode), or ''. */
  readonly rejectsLocation: string;
  readonly seconds: number;
}

/** Loads the config, opens both buckets and runs report 1 once, as the original's run.py did. */
export async function runJob(options: RunOptions): Promise<RunSummary> {
  const started = performance.now();
  const { config, dir } = await loadConfig(options.configPath);
  const clock = options.clock ?? systemClock(pinnedToday(options.today));
  const logger = options.logger ?? createLogger(config.logging);
  const { s3 } = config;
  const storeOptions = {
    accessKeyEnv: s3.access_key,
    secretKeyEnv: s3.secret_key,
    region: s3.region,
    baseDir: dir,
    env: options.env ?? process.env,
    maxAttempts: s3.max_attempts,
    requestTimeoutMs: s3.request_timeout_ms,
    logger,
  };
  const trgStore = await openObjectStore(s3.trg_endpoint_url, s3.trg_bucket, storeOptions);
  const src = new S3BucketConnector(await openObjectStore(s3.src_endpoint_url, s3.src_bucket, storeOptions), logger);
  const trg = new S3BucketConnector(trgStore, logger);
  // Early, so the young generation never grows; the extraction confirms it once it knows who parses.
  favourMemoryOverSpeed(src.readsLocalFiles);
  await src.assertReachable();
  await trg.assertReachable();

  const metaKey = config.meta.meta_key;
  const lock = await RunLock.acquire(trgStore, lockKeyFor(metaKey), { staleAfterMs: config.lock.stale_after_minutes * 60_000, force: options.forceUnlock ?? false, logger });
  const journal = new ReportJournal(trgStore, trg, metaKey, logger);
  let etl: XetraETL;
  let extracted: Report1Run;
  try {
    await journal.recover(new MetaProcess(metaKey, trg, clock));
    logger.info('Xetra ETL job started');
    etl = await XetraETL.create(src, trg, metaKey, config.source, config.target, {
      logger,
      clock,
      signal: options.signal,
      workers: config.performance.workers,
      concurrency: config.performance.download_concurrency,
      journal,
    });
    extracted = await etl.etlReport1();
  } catch (error) {
    await journal.discardIfUnwritten().catch(() => undefined);
    throw error;
  } finally {
    await lock.release().catch((error: unknown) => {
      logger.warn(`could not remove the run lock ${trgStore.location}/${lock.key}: ${String(error)}; the next run will wait for it to go stale or need --force-unlock`);
    });
  }
  const { instrumentDays, ...result } = extracted;
  logger.info({ instrumentDays, rows: result.rows, reportRows: result.reportRows }, 'Xetra ETL job finished.');
  return {
    ...result,
    extractDate: etl.extractDate,
    datesProcessed: etl.metaUpdateList,
    reportLocation: result.reportKey === undefined ? '' : `${trg.location}/${result.reportKey}`,
    metaLocation: `${trg.location}/${config.meta.meta_key}`,
    rejectsLocation: result.rejectsKey === undefined ? '' : `${trg.location}/${result.rejectsKey}`,
    seconds: (performance.now() - started) / 1000,
  };
}

function pinnedToday(today: string | undefined): number | undefined {
  if (today === undefined) return undefined;
  const day = parseIsoDate(today);
  if (day === undefined) throw new ConfigError(`--today '${today}' is not a date YYYY-MM-DD`);
  return day;
}
