// CsvParser round trip: random records (fields with commas, quotes, CR, LF, CRLF inside quotes), written
// as RFC 4180 text with LF or CRLF record ends, then fed to the parser in random chunks, come back as
// the same records, each reported on the line it starts on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvParser } from '../../src/formats/csv-parser.js';

const CHARS = ['a', 'Z', '0', '9', ' ', '.', '-', ':', ',', '"', '\n', '\r', '\t', "'", 'é', '€'];
const field = fc.array(fc.constantFrom(...CHARS), { maxLength: 8 }).map((chars) => chars.join(''));
/** A field written with quotes either because it needs them or because the writer quotes everything (2017 files). */
const cell = fc.record({ text: field, forceQuotes: fc.boolean() });
const record = fc.array(cell, { minLength: 1, maxLength: 6 });

interface Doc {
  readonly text: string;
  readonly records: string[][];
  /** The 1-based line each record starts on (1 + line feeds before it). */
  readonly lines: number[];
}

function write(cells: { text: string; forceQuotes: boolean }[][], crlf: boolean[], finalNewline: boolean): Doc {
  let text = '';
  const lines: number[] = [];
  cells.forEach((row, i) => {
    lines.push(1 + (text.match(/\n/g)?.length ?? 0));
    text += row
      .map(({ text: value, forceQuotes }) => {
        // A record of one empty field must be quoted, or it would be a blank line (which readers skip).
        const needs = /[",\r\n]/.test(value) || (row.length === 1 && value === '');
        return needs || forceQuotes ? `"${value.replaceAll('"', '""')}"` : value;
      })
      .join(',');
    if (i < cells.length - 1 || finalNewline) text += crlf[i] ? '\r\n' : '\n';
  });
  return { text, records: cells.map((row) => row.map((c) => c.text)), lines };
}

const doc = fc
  .record({ rows: fc.array(record, { minLength: 1, maxLength: 12 }), crlf: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), finalNewline: fc.boolean() })
  .map(({ rows, crlf, finalNewline }) => write(rows, crlf, finalNewline));

/** Byte cut points anywhere in the text (inside multi-byte characters too), repeats allowed (so some chunks are empty). */
const withCuts = doc.chain((d) => fc.tuple(fc.constant(d), fc.array(fc.integer({ min: 0, max: Buffer.byteLength(d.text) }), { maxLength: 10 })));

/** With `reuse`, every chunk arrives in one scratch buffer that is overwritten after each push, as a reader reusing its buffer does. */
function parse(text: string, cuts: number[], reuse = false): { records: string[][]; lines: number[] } {
  const records: string[][] = [];
  const lines: number[] = [];
  const parser = new CsvParser((record) => {
    records.push(record.texts());
    lines.push(record.line);
  });
  const bytes = Buffer.from(text);
  const scratch = Buffer.alloc(bytes.length);
  const push = (chunk: Buffer): void => {
    if (!reuse) {
      parser.push(chunk);
      return;
    }
    chunk.copy(scratch);
    parser.push(scratch.subarray(0, chunk.length));
    scratch.fill('"');
  };
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    push(bytes.subarray(from, cut));
    from = cut;
  }
  push(bytes.subarray(from));
  parser.end();
  return { records, lines };
}

describe('CsvParser: any records, any chunking', () => {
  it('gives back the written records and their start lines', () => {
    fc.assert(
      fc.property(withCuts, ([d, cuts]) => {
        const parsed = parse(d.text, cuts);
        expect(parsed.records).toEqual(d.records);
        expect(parsed.lines).toEqual(d.lines);
      }),
      { numRuns: 3_000 },
    );
  });

  it('keeps no view of a chunk after push returns: a reader may reuse its buffer', () => {
    fc.assert(
      fc.property(withCuts, ([d, cuts]) => {
        expect(parse(d.text, cuts, true)).toEqual({ records: d.records, lines: d.lines });
      }),
      { numRuns: 2_000 },
    );
  });

  it('parsers that interleave, and one started after another ended (taking over its work buffer), each read their own records', () => {
    /** A parser fed `text` in the chunks `cuts` make, one chunk per step. */
    const feeder = (text: string, cuts: number[]): { records: string[][]; parser: CsvParser; chunks: Buffer[] } => {
      const records: string[][] = [];
      const bytes = Buffer.from(text);
      const ends = [...[...cuts].sort((a, b) => a - b), bytes.length];
      return { records, parser: new CsvParser((record) => records.push(record.texts())), chunks: ends.map((end, i) => bytes.subarray(i === 0 ? 0 : (ends[i - 1] ?? 0), end)) };
    };
    fc.assert(
      fc.property(withCuts, withCuts, withCuts, ([a, aCuts], [b, bCuts], [c, cCuts]) => {
        const first = feeder(a.text, aCuts);
        const second = feeder(b.text, bCuts);
        // The first and second parser take turns; once the first has ended, the third takes its place.
        const bChunks = [...second.chunks];
        for (const chunk of first.chunks) {
          first.parser.push(chunk);
          const bChunk = bChunks.shift();
          if (bChunk !== undefined) second.parser.push(bChunk);
        }
        first.parser.end();
        const third = feeder(c.text, cCuts);
        for (const chunk of third.chunks) {
          third.parser.push(chunk);
          const bChunk = bChunks.shift();
          if (bChunk !== undefined) second.parser.push(bChunk);
        }
        for (const chunk of bChunks) second.parser.push(chunk);
        second.parser.end();
        third.parser.end();
        expect(first.records).toEqual(a.records);
        expect(second.records).toEqual(b.records);
        expect(third.records).toEqual(c.records);
      }),
      { numRuns: 1_000 },
    );
  });

  it('gives the same result fed one byte at a time as in one piece', () => {
    fc.assert(
      fc.property(doc, (d) => {
        const allCuts = Array.from({ length: Buffer.byteLength(d.text) }, (_, i) => i);
        expect(parse(d.text, allCuts)).toEqual(parse(d.text, []));
      }),
      { numRuns: 500 },
    );
  });

  it('reads the real Xetra shapes: quoted desc with a comma, unquoted 2022 style, whole-number prices', () => {
    const text =
      'ISIN,Mnemonic,SecurityDesc\n"US1729674242","TRVC","CITIGROUP INC. DL -,01"\r\nDK0060534915,NOVC,"NOVO-NORDISK NAM.B DK-,20"\n"X","8520","A ""B"" C\nD"';
    // Every single cut point, so some split the CRLF, a "" escape or a closing quote from what follows.
    for (let cut = 0; cut <= Buffer.byteLength(text); cut++) {
      expect(parse(text, [cut]).records).toEqual([
        ['ISIN', 'Mnemonic', 'SecurityDesc'],
        ['US1729674242', 'TRVC', 'CITIGROUP INC. DL -,01'],
        ['DK0060534915', 'NOVC', 'NOVO-NORDISK NAM.B DK-,20'],
        ['X', '8520', 'A "B" C\nD'],
      ]);
    }
  });

  it('rejects input that ends inside a quoted field, however it is chunked', () => {
    fc.assert(
      fc.property(doc, fc.integer({ min: 0, max: 5 }), (d, cut) => {
        const text = `${d.text}${d.text.endsWith('\n') ? '' : '\n'}"open, never closed`;
        expect(() => parse(text, [Math.min(cut, text.length)])).toThrow(/unterminated quoted field/);
      }),
      { numRuns: 300 },
    );
  });
});
