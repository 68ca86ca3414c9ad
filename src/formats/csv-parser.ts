import { isUtf8 } from 'node:buffer';
import { plainNumber } from './plain-number.js';

/**
 * A streaming RFC 4180 reader over bytes, with pandas' reading rules where they matter here: quoted
 * fields may hold commas, quotes ("") and line breaks; LF and CRLF both end a record; blank lines are
 * skipped; a UTF-8 BOM is ignored. Bytes arrive in chunks of any size, so a record may span chunks.
 *
 * It never builds a string per field: a record is a set of byte ranges into the chunk, and the
 * consumer decodes only the fields it needs. That is most of the job's speed.
 */
export type RecordHandler = (record: CsvRecord) => void;

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;
const EMPTY = Buffer.alloc(0);

/**
 * Work buffers of parsers that have ended, for the next ones on this thread. Each object's parser otherwise
 * allocated 64 and then 128 KiB, freed only at a collection: at 19 M rows (3,336 objects) this made one of glibc's
 * malloc arenas grow from 3 to 15 MiB in 4 of 4 runs in a slow phase of the machine (peak 142–144 MiB against
 * 124–125 reused). A parser that fails keeps its buffer; an unusually large one (a very long line) is not kept.
 */
const spareWork: Buffer[] = [];
const SPARE_WORK_BUFFERS = 8;
const SPARE_WORK_BYTES = 1 << 20;

function workBuffer(atLeast: number): Buffer {
  const spare = spareWork.pop();
  return spare !== undefined && spare.length >= atLeast ? spare : Buffer.allocUnsafe(Math.max(atLeast, 1 << 17));
}
const DECIMAL = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;
const WHOLE = /^\s*[+-]?\d+\s*$/;

/** The rare forms (exponents, spaces, long mantissas) go through the regular expression and `Number`. */
function parseSlow(text: string, pattern: RegExp): number {
  return pattern.test(text) ? Number(text) : NaN;
}

/** One record: field `i` is the bytes `starts[i]..ends[i]` of `buf`, quotes removed. */
export class CsvRecord {
  buf: Buffer = EMPTY;
  count = 0;
  /** The line the record starts on (1-based). */
  line = 1;
  starts = new Int32Array(32);
  ends = new Int32Array(32);
  /** Set for quoted fields holding `""`, which decode to one quote. */
  escaped = new Uint8Array(32);

  text(i: number): string {
    const value = this.buf.toString('utf8', this.starts[i], this.ends[i]);
    return this.escaped[i] ? value.replaceAll('""', '"') : value;
  }

  length(i: number): number {
    return (this.ends[i] ?? 0) - (this.starts[i] ?? 0);
  }

  /** Field `i` as a number the way `float()` reads a decimal, or NaN when it is not one. */
  decimal(i: number): number {
    const value = plainNumber(this.buf, this.starts[i] ?? 0, this.ends[i] ?? 0, true);
    return Number.isNaN(value) ? parseSlow(this.text(i), DECIMAL) : value;
  }

  /** Field `i` as a whole number, or NaN when it is not one (or too large to be exact). */
  wholeNumber(i: number): number {
    const value = plainNumber(this.buf, this.starts[i] ?? 0, this.ends[i] ?? 0, false);
    if (!Number.isNaN(value)) return value;
    const slow = parseSlow(this.text(i), WHOLE);
    return Number.isSafeInteger(slow) ? slow : NaN;
  }

  /** Every field as a string (headers, small files). */
  texts(): string[] {
    return Array.from({ length: this.count }, (_, i) => this.text(i));
  }

  push(start: number, end: number, escaped: boolean): void {
    if (this.count === this.starts.length) this.grow();
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.escaped[this.count] = escaped ? 1 : 0;
    this.count += 1;
  }

  private grow(): void {
    const size = this.starts.length * 2;
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    const escaped = new Uint8Array(size);
    starts.set(this.starts);
    ends.set(this.ends);
    escaped.set(this.escaped);
    this.starts = starts;
    this.ends = ends;
    this.escaped = escaped;
  }
}

export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

export class CsvParser {
  private tail: Buffer = EMPTY;
  /**
   * Holds the unfinished record and the next chunk: reused, so reading allocates nothing per chunk,
   * and no view of a caller's chunk is kept, so callers may reuse theirs.
   */
  private work: Buffer = EMPTY;
  private line = 1;
  private atStart = true;
  private readonly record = new CsvRecord();

  /**
   * `fast`, when given, is offered each record first: it returns where the next record starts when it
   * took this one (a record on one line), or -1 to leave it to the general reader and `onRecord`.
   */
  constructor(
    private readonly onRecord: RecordHandler,
    private readonly fast?: { read(buf: Uint8Array, pos: number): number },
  ) {}

  /** The line the next record starts on (1-based), for error messages. */
  get currentLine(): number {
    return this.line;
  }

  push(chunk: Uint8Array): void {
    let buf = this.afterTail(chunk);
    if (this.atStart) {
      if (buf.length < 3 && isBomPrefix(buf)) {
        this.tail = buf;
        return;
      }
      this.atStart = false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    }
    // Everything up to the last line feed is whole UTF-8 characters: check it before anyone reads it.
    const complete = buf.lastIndexOf(LF) + 1;
    if (!isUtf8(buf.subarray(0, complete))) this.failUtf8(buf.subarray(0, complete));
    this.tail = buf.subarray(this.scan(buf, false));
  }

  /** The tail followed by a copy of `chunk`, in the work buffer (records are read before the next push, so it can be overwritten). */
  private afterTail(chunk: Uint8Array): Buffer {
    const size = this.tail.length + chunk.byteLength;
    if (this.work.length < size) {
      const bigger = workBuffer(Math.max(size, 2 * this.work.length));
      bigger.set(this.tail);
      this.work = bigger;
    } else {
      this.work.set(this.tail); // may overlap the work buffer: set() copies the source first then
    }
    this.work.set(chunk, this.tail.length);
    return this.work.subarray(0, size);
  }

  /** Ends the input; fails if it stops inside a quoted field. */
  end(): void {
    this.atStart = false;
    if (this.tail.length > 0) {
      if (!isUtf8(this.tail)) this.failUtf8(this.tail);
      this.scan(this.tail, true);
      this.tail = EMPTY;
    }
    if (this.work.length > 0 && this.work.length <= SPARE_WORK_BYTES && spareWork.length < SPARE_WORK_BUFFERS) spareWork.push(this.work);
    this.work = EMPTY;
  }

  /** Emits every whole record in `buf`; returns where the first incomplete one starts. */
  private scan(buf: Buffer, atEof: boolean): number {
    const record = this.record;
    record.buf = buf;
    const length = buf.length;
    const fast = this.fast;
    let pos = 0;
    while (pos < length) {
      if (fast !== undefined) {
        const next = fast.read(buf, pos);
        if (next > pos) {
          pos = next;
          this.line += 1;
          continue;
        }
      }
      record.count = 0;
      record.line = this.line;
      let breaks = 0;
      let i = pos;
      let done = false;
      const startsQuoted = buf[pos] === QUOTE;
      while (!done) {
        let start = i;
        let end: number;
        let escaped = false;
        if (buf[i] === QUOTE) {
          const quoteLine = this.line + breaks;
          start = i + 1;
          let j = start;
          for (;;) {
            let quote = j;
            for (; quote < length; quote++) {
              const c = buf[quote];
              if (c === QUOTE) break;
              if (c === LF) breaks += 1; // a line break inside quotes: the record spans lines
            }
            if (quote === length || (quote + 1 === length && !atEof)) {
              if (atEof) throw new CsvSyntaxError(`unterminated quoted field starting on line ${quoteLine}`, quoteLine);
              return pos;
            }
            if (buf[quote + 1] === QUOTE) {
              escaped = true;
              j = quote + 2;
              continue;
            }
            end = quote;
            i = quote + 1;
            break;
          }
          const next = buf[i];
          if (i < length && next !== COMMA && next !== LF && next !== CR) {
            throw new CsvSyntaxError(`unexpected text after the closing quote of field ${record.count + 1}`, this.line + breaks);
          }
        } else {
          while (i < length) {
            const c = buf[i];
            if (c === COMMA || c === LF || c === CR) break;
            i += 1;
          }
          end = i;
        }
        record.push(start, end, escaped);
        if (i >= length) {
          if (!atEof) return pos;
          pos = length;
          done = true;
        } else if (buf[i] === COMMA) {
          i += 1;
        } else {
          if (buf[i] === CR) {
            if (i + 1 === length && !atEof) return pos;
            if (buf[i + 1] === LF) i += 1;
          }
          pos = i + 1;
          done = true;
        }
      }
      this.line += 1 + breaks;
      const blank = record.count === 1 && record.length(0) === 0 && !startsQuoted;
      if (!blank) this.onRecord(record);
    }
    return pos;
  }

  private failUtf8(bytes: Buffer): never {
    let line = this.line;
    let from = 0;
    for (let lf = bytes.indexOf(LF); lf !== -1; lf = bytes.indexOf(LF, from)) {
      if (!isUtf8(bytes.subarray(from, lf))) break;
      from = lf + 1;
      line += 1;
    }
    throw new CsvUtf8Error(line);
  }
}

export class CsvUtf8Error extends CsvSyntaxError {
  constructor(line: number) {
    super('not valid UTF-8 text; source files must be UTF-8 CSV', line);
  }
}

function isBomPrefix(buf: Buffer): boolean {
  const bom = [0xef, 0xbb, 0xbf];
  return buf.every((byte, i) => byte === bom[i]);
}
