// The fast row reader is only an accelerator: for any source file, in any chunking, reading with it
// must give exactly what the general reader alone gives — the same instrument-days, the same counts of
// read and dropped rows, and the same error for a bad row. Fields are drawn from plain values and from
// everything the fast reader must hand back: quoted commas, escaped quotes, line breaks inside quotes,
// pandas NA strings, numbers that are not plain decimals, times longer than six bytes, CRLF endings.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvParser } from '../../src/formats/csv-parser.js';
import { DailyAggregator } from '../../src/report/instrument-day.js';
import { sourceRowFolder, type FoldCounts } from '../../src/transformers/source-rows.js';
import { XETRA_HEADER, XETRA_SOURCE } from '../support/xetra-source.js';


const plainPrice = fc.integer({ min: 0, max: 9_999_999 }).map((k) => String(k / 1000));
const oddPrice = fc.constantFrom('-0', '+3.5', '.5', '1.', '0012.30', '1e2', ' 2', '1234567890123456', '12345678901234.5', 'abc', '', 'NaN', '"4.25"', '1.#IND');
const price = fc.oneof({ weight: 5, arbitrary: plainPrice }, { weight: 1, arbitrary: oddPrice });
const volume = fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 99_999 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('-0', '+7', '1.0', '', '12345678901234567', '"15"', 'n/a') });

const row = fc
  .record({
    isin: fc.constantFrom('"DE0007164600"', 'DE0007164600', '"AT0000606306"', '"LU0290""358497"', '"ÄÖ0000000001"', '', '"NA"'),
    mnemonic: fc.constantFrom('"SAP"', 'SAP', '"NA"', 'NULL', '""', '"x,y"', '"N/A"', '"NEWL"'),
    desc: fc.constantFrom('"SAP SE O.N."', '"A, B  C"', '"say ""hi"""', '"two\nlines"', 'plain', '"1.#IND"'),
    date: fc.constantFrom('2017-07-24', '"2017-07-25"', '2017-07-24', '2017-07-26'),
    time: fc.constantFrom('07:00', '07:01', '15:30', '"09:00"', '7:00', '15:30:00', '15:30:01', '07:00:59.5', 'Ä:00', ''),
    start: price,
    max: price,
    min: price,
    end: price,
    volume,
    trades: fc.constantFrom('1', '12', '', '"3"'),
    extra: fc.constantFrom('', '', '', '', ',surplus'),
    eol: fc.constantFrom('\n', '\n', '\n', '\r\n', '\n\n'),
  })
  .map((r) => `${r.isin},${r.mnemonic},${r.desc},"Common stock","EUR",2505077,${r.date},${r.time},${r.start},${r.max},${r.min},${r.end},${r.volume},${r.trades}${r.extra}${r.eol}`);

interface Outcome {
  days: unknown[];
  counts: FoldCounts;
  error?: string;
}

function read(bytes: Buffer, cuts: readonly number[], fast: boolean): Outcome {
  const days = new DailyAggregator();
  const counts: FoldCounts = { rows: 0, dropped: 0 };
  const folder = sourceRowFolder('file.csv', XETRA_SOURCE, days, counts);
  const parser = new CsvParser(folder, fast ? folder.fast : undefined);
  try {
    let from = 0;
    for (const cut of [...cuts, bytes.length]) {
      parser.push(bytes.subarray(from, cut));
      from = cut;
    }
    parser.end();
    return { days: [...days.valuesWithTimes()], counts };
  } catch (error) {
    return { days: [], counts: { rows: 0, dropped: 0 }, error: error instanceof Error ? error.message : String(error) };
  }
}

describe('fast row reader', () => {
  it('gives what the general reader gives, for any rows and any chunking', () => {
    const file = fc
      .array(row, { minLength: 1, maxLength: 30 })
      .map((rows) => Buffer.from(`${XETRA_HEADER}\n${rows.join('')}`))
      .chain((bytes) => fc.tuple(fc.constant(bytes), fc.uniqueArray(fc.integer({ min: 0, max: bytes.length }), { maxLength: 6 }).map((cuts) => [...cuts].sort((a, b) => a - b))));
    fc.assert(
      fc.property(file, ([bytes, cuts]) => {
        expect(read(bytes, cuts, true)).toStrictEqual(read(bytes, [], false));
      }),
      { numRuns: 3_000 },
    );
  });

  it('reads plain rows itself (so the comparison above is not between two general readers)', () => {
    const days = new DailyAggregator();
    const counts: FoldCounts = { rows: 0, dropped: 0 };
    const folder = sourceRowFolder('file.csv', XETRA_SOURCE, days, counts);
    let general = 0;
    const parser = new CsvParser(
      (record) => {
        general += 1;
        folder(record);
      },
      folder.fast,
    );
    parser.push(Buffer.from(`${XETRA_HEADER}\n"DE0007164600","SAP","SAP SE O.N.","Common stock","EUR",2504888,2017-07-24,07:00,93.5,93.6,93.4,93.55,1200,5\r\n"DE0007164600","SAP","SAP SE O.N.","Common stock","EUR",2504888,2017-07-24,07:01,93.55,93.7,93,93.6,300,2\n`));
    parser.end();
    expect(general).toBe(1); // the header only
    expect(counts).toEqual({ rows: 2, dropped: 0 });
    expect([...days.valuesWithTimes()]).toEqual([{ isin: 'DE0007164600', date: '2017-07-24', openTime: '07:00', openPrice: 93.5, closeTime: '07:01', closePrice: 93.55, minPrice: 93, maxPrice: 93.7, tradedVolume: 1500 }]);
  });
});
