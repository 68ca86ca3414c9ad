// Helpers shared by the unit tests: a pino logger that records into memory (the counterpart of
// unittest's assertLogs) and a fixed clock (the counterpart of the original's real datetime.today()).
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import pino, { type Logger } from 'pino';
import type { Clock } from '../../src/common/clock.js';
import { formatIsoDate, localDay, type EpochDay } from '../../src/common/dates.js';

export interface LogRecord {
  readonly level: string;
  readonly msg: string;
}

export interface CapturedLogger {
  readonly logger: Logger;
  /** Every record logged since the last clear(), in order. */
  readonly records: LogRecord[];
  /** The messages alone, in order (what the original's tests read from logm.output). */
  messages(): string[];
  clear(): void;
}

/** A logger at debug level writing JSON lines into memory, synchronously. */
export function captureLogger(): CapturedLogger {
  const records: LogRecord[] = [];
  const logger = pino(
    { level: 'debug', base: null, timestamp: false, formatters: { level: (label) => ({ level: label }) } },
    {
      write(line: string) {
        const parsed = JSON.parse(line) as { level: string; msg: string };
        records.push({ level: parsed.level, msg: parsed.msg });
      },
    },
  );
  return {
    logger,
    records,
    messages: () => records.map((r) => r.msg),
    clear: () => {
      records.length = 0;
    },
  };
}

/** A clock standing still at `now` (local wall time); today is its local calendar date. */
export function fixedClock(now: Date): Clock {
  return { now: () => new Date(now.getTime()), today: () => localDay(now) };
}

/** `today - k` days as 'YYYY-MM-DD', as the original tests' `self.dates[k]`. */
export function daysBefore(today: EpochDay, k: number): string {
  return formatIsoDate(today - k);
}

export interface ParquetContent {
  /** Leaf columns in file order: name, physical type and converted (or logical) type. */
  readonly columns: { name: string; type: string | undefined; annotation: string | undefined }[];
  readonly rows: Record<string, unknown>[];
  readonly numRows: bigint;
}

/** Reads a whole Parquet object back with hyparquet (a reader independent of the writer). */
export async function readParquet(bytes: Uint8Array): Promise<ParquetContent> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const metadata = parquetMetadata(file);
  const columns = metadata.schema.slice(1).map((element) => ({
    name: element.name,
    type: element.type,
    annotation: element.converted_type ?? element.logical_type?.type,
  }));
  const rows = await parquetReadObjects({ file, metadata });
  return { columns, rows, numRows: metadata.num_rows };
}
