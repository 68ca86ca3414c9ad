import type { CsvRecord } from './csv-parser.js';

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
  private readonly table = new Map<number, Entry[]>();

  /** The last entry returned per column: dates repeat for a whole file, minutes for a run of rows. */
  private readonly last: (Entry | undefined)[] = [];

  of(record: CsvRecord, i: number): string {
    if (record.escaped[i]) return record.text(i);
    const buf = record.buf;
    const start = record.starts[i] ?? 0;
    const end = record.ends[i] ?? 0;
    const previous = this.last[i];
    if (previous !== undefined && sameBytes(previous.bytes, buf, start, end)) return previous.text;
    const entry = this.lookup(record, i, buf, start, end);
    this.last[i] = entry;
    return entry.text;
  }

  private lookup(record: CsvRecord, i: number, buf: Uint8Array, start: number, end: number): Entry {
    let hash = 0x811c9dc5 ^ (end - start);
    for (let p = start; p < end; p++) hash = Math.imul(hash ^ (buf[p] ?? 0), 0x01000193);
    hash &= 0x3fffffff; // small integers (Smis) make much faster map keys than heap numbers
    const bucket = this.table.get(hash);
    if (bucket !== undefined) {
      for (const entry of bucket) if (sameBytes(entry.bytes, buf, start, end)) return entry;
    }
    const entry = { bytes: Uint8Array.prototype.slice.call(buf, start, end), text: record.text(i) };
    if (bucket === undefined) this.table.set(hash, [entry]);
    else bucket.push(entry);
    return entry;
  }
}

function sameBytes(bytes: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  if (bytes.length !== end - start) return false;
  for (let k = 0; k < bytes.length; k++) if (bytes[k] !== buf[start + k]) return false;
  return true;
}
