import type { CsvRecord } from './csv-parser.js';

interface Entry<V> {
  readonly bytes: Uint8Array;
  readonly value: V;
}

/**
 * A map keyed by the raw bytes of a CSV field, so hot lookups (an ISIN per row) need no string and
 * allocate nothing. Fields holding `""` escapes are keyed apart from unquoted look-alikes.
 */
export class FieldMap<V> {
  private readonly table = new Map<number, Entry<V>[]>();

  get(record: CsvRecord, i: number): V | undefined {
    const bucket = this.table.get(hashField(record, i));
    if (bucket === undefined) return undefined;
    const start = record.starts[i] ?? 0;
    const end = record.ends[i] ?? 0;
    for (const entry of bucket) if (sameBytes(entry.bytes, record.buf, start, end)) return entry.value;
    return undefined;
  }

  /** Adds a value for field `i`'s bytes, which must not be in the map yet. */
  set(record: CsvRecord, i: number, value: V): V {
    const hash = hashField(record, i);
    const entry = { bytes: Uint8Array.prototype.slice.call(record.buf, record.starts[i], record.ends[i]), value };
    const bucket = this.table.get(hash);
    if (bucket === undefined) this.table.set(hash, [entry]);
    else bucket.push(entry);
    return value;
  }
}

/** FNV-1a over the field's bytes, cut to a small integer (Smi), which V8 maps look up fastest. */
function hashField(record: CsvRecord, i: number): number {
  const buf = record.buf;
  const end = record.ends[i] ?? 0;
  let hash = 0x811c9dc5 ^ (record.escaped[i] ?? 0);
  for (let p = record.starts[i] ?? 0; p < end; p++) hash = Math.imul(hash ^ (buf[p] ?? 0), 0x01000193);
  return hash & 0x3fffffff;
}

export function sameBytes(bytes: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  if (bytes.length !== end - start) return false;
  for (let k = 0; k < bytes.length; k++) if (bytes[k] !== buf[start + k]) return false;
  return true;
}
