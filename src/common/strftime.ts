/**
 * The part of Python's `datetime.strftime` that report keys and the meta file use, in local time
 * like the original's naive `datetime.today()`.
 */
const pad = (value: number, width: number): string => String(value).padStart(width, '0');

const DIRECTIVES: Readonly<Record<string, (d: Date) => string>> = {
  Y: (d) => pad(d.getFullYear(), 4),
  y: (d) => pad(d.getFullYear() % 100, 2),
  m: (d) => pad(d.getMonth() + 1, 2),
  d: (d) => pad(d.getDate(), 2),
  H: (d) => pad(d.getHours(), 2),
  M: (d) => pad(d.getMinutes(), 2),
  S: (d) => pad(d.getSeconds(), 2),
  f: (d) => pad(d.getMilliseconds() * 1000, 6),
  j: (d) => pad(Math.round((Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) - Date.UTC(d.getFullYear(), 0, 1)) / 86_400_000) + 1, 3),
  '%': () => '%',
};

const DIRECTIVE = /%(.?)/g;

/** The directives in `format` that `strftime` does not support (empty when it is fine). */
export function unsupportedDirectives(format: string): string[] {
  return [...format.matchAll(DIRECTIVE)].map((m) => m[1] ?? '').filter((code) => !(code in DIRECTIVES)).map((c) => `%${c}`);
}

export function strftime(instant: Date, format: string): string {
  return format.replace(DIRECTIVE, (whole, code: string) => DIRECTIVES[code]?.(instant) ?? whole);
}
