/** A calendar date as whole days since 1970-01-01, so date arithmetic needs no time zone. */
export type EpochDay = number;

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The day of a valid, zero-padded `YYYY-MM-DD`, or undefined. */
export function parseIsoDate(text: string): EpochDay | undefined {
  const match = ISO_DATE.exec(text);
  if (!match) return undefined;
  return dayFromParts(Number(match[1]), Number(match[2]), Number(match[3]));
}

/** The day of year/month/day, or undefined when that date does not exist (2021-02-30). */
export function dayFromParts(year: number, month: number, day: number): EpochDay | undefined {
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return undefined;
  }
  return Math.round(ms / DAY_MS);
}

export function formatIsoDate(day: EpochDay): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The local calendar date of an instant, as Python's `datetime.today().date()` reads it. */
export function localDay(instant: Date): EpochDay {
  return Math.round(Date.UTC(instant.getFullYear(), instant.getMonth(), instant.getDate()) / DAY_MS);
}
