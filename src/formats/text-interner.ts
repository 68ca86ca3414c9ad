import type { CsvRecord } from './csv-parser.js';
import { FieldMap, sameBytes } from './field-map.js';

interface Entry {
  readonly bytes: Uint8Array;
  readonly text: string;
}

/**
 * Gives the same string object for the same field bytes, decoding each distinct value once. Source
 * files repeat a few thousand ISINs, a few hundred minutes and one date millions of times; hashing
 * the bytes is much cheaper than decoding a string per row, and the map lookups that follow hit
 * strings whose hash V8 already knows.
 */
export class TextInterner {
  private readonly texts = new FieldMap<Entry>();
  /** The last entry returned per column: dates repeat for a whole file, minutes for a run of rows. */
  private readonly last: (Entry | undefined)[] = [];

  of(record: CsvRecord, i: number): string {
    const start = record.starts[i] ?? 0;
    const end = record.ends[i] ?? 0;
    const previous = this.last[i];
    if (previous !== undefined && sameBytes(previous.bytes, record.buf, start, end) && !record.escaped[i]) return previous.text;
    const entry = this.texts.get(record, i) ?? this.texts.set(record, i, { bytes: Uint8Array.prototype.slice.call(record.buf, start, end), text: record.text(i) });
    this.last[i] = entry;
    return entry.text;
  }
}
