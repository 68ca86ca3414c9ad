import type { CsvRecord } from './csv-parser.js';

interface Entry<V> {
  readonly bytes: Uint8Array;
  readonly value: V;
}

/**
 * A map keyed by the raw bytes of a CSV field, so hot lookups (an ISIN per row) need no string.
 * Quoted fields holding `""` are keyed by their raw bytes too; callers that care decode them.
 */
export class FieldMap<V> {
  private readonly table = new Map<number, Entry<V>[]>();

  /** The value for field `i`'s bytes, created by `create` on first sight. */
  getOrCreate(record: CsvRecord, i: number, create: () => V): V {
    const buf = record.buf;
    const start = record.starts[i] ?? 0;
    const end = record.ends[i] ?? 0;
    let hash = 0x811c9dc5 ^ (end - start) ^ ((record.escaped[i] ?? 0) << 24);
    for (let p = start; p < end; p++) hash = Math.imul(hash ^ (buf[p] ?? 0), 0x01000193);
    hash &= 0x3fffffff; // small integers (Smis) make much faster map keys than heap numbers
    const bucket = this.table.get(hash);
    if (bucket !== undefined) {
      for (const entry of bucket) if (sameBytes(entry.bytes, buf, start, end)) return entry.value;
    }
    const entry = { bytes: Uint8Array.prototype.slice.call(buf, start, end), value: create() };
    if (bucket === undefined) this.table.set(hash, [entry]);
    else bucket.push(entry);
    return entry.value;
  }
}

export function sameBytes(bytes: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  if (bytes.length !== end - start) return false;
  for (let k = 0; k < bytes.length; k++) if (bytes[k] !== buf[start + k]) return false;
  return true;
}
