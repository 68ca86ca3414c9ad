import { localDay, type EpochDay } from './dates.js';

/** Where the job reads time: "today" bounds the date list, "now" stamps the report key and meta rows. */
export interface Clock {
  now(): Date;
  today(): EpochDay;
}

/** The system clock, with "today" optionally pinned (`--today`) so runs and backfills are reproducible. */
export function systemClock(pinnedToday?: EpochDay): Clock {
  return {
    now: () => new Date(),
    today: () => pinnedToday ?? localDay(new Date()),
  };
}
