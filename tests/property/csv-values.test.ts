// Values read from bytes must equal what reading the decoded text gives: pandas' NA strings, and
// decimals equal to Number(text) (itself what Python's float() gives for these forms).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvParser, type CsvRecord } from '../../src/formats/csv-parser.js';
import { isPandasNa, PANDAS_NA_VALUES } from '../../src/formats/pandas-na.js';

/** Reads one line of CSV and hands its record to `check` (the record is only valid inside). */
function withRecord(line: string, check: (record: CsvRecord) => void): void {
  let seen = false;
  const parser = new CsvParser((record) => {
    seen = true;
    check(record);
  });
  parser.push(Buffer.from(`${line}\n`));
  parser.end();
  expect(seen).toBe(true);
}

describe('field values from bytes', () => {
  it('knows every pandas NA string, quoted or not, and nothing else', () => {
    for (const na of PANDAS_NA_VALUES) {
      withRecord(`${na},"${na}",x`, (r) => {
        expect(isPandasNa(r, 0)).toBe(true);
        expect(isPandasNa(r, 1)).toBe(true);
      });
    }
    for (const value of ['NAN', 'nul', 'None', '1.#INF', '12.505', 'N/', '#N/A N', 'Na', '0']) {
      withRecord(`${value},"${value}"`, (r) => {
        expect(isPandasNa(r, 0)).toBe(false);
        expect(isPandasNa(r, 1)).toBe(false);
      });
    }
  });

  it('reads decimals exactly as Number() reads their text', () => {
    const decimal = fc
      .tuple(fc.constantFrom('', '-', '+'), fc.stringMatching(/^\d{1,18}$/), fc.option(fc.stringMatching(/^\d{0,9}$/)), fc.option(fc.stringMatching(/^[eE][+-]?\d{1,2}$/)))
      .map(([sign, whole, fraction, exponent]) => `${sign}${whole}${fraction === null ? '' : `.${fraction}`}${exponent ?? ''}`);
    fc.assert(
      fc.property(decimal, (text) => {
        withRecord(text, (r) => {
          expect(Object.is(r.decimal(0), Number(text))).toBe(true);
        });
      }),
      { numRuns: 5_000 },
    );
  });

  it('refuses what is not a decimal or not a whole number', () => {
    withRecord('abc,1.5,.,1e,--1,12', (r) => {
      expect(r.decimal(0)).toBeNaN();
      expect(r.wholeNumber(1)).toBeNaN();
      expect(r.decimal(2)).toBeNaN();
      expect(r.decimal(3)).toBeNaN();
      expect(r.decimal(4)).toBeNaN();
      expect(r.wholeNumber(5)).toBe(12);
    });
  });
});
