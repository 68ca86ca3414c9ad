// Helpers shared by the unit tests: a pino logger that records into memory (the counterpart of
// unittest's assertLogs) and a fixed clock (the counterpart of the original's real datetime.today()).
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
