/**
 * The benchmark's peer: DuckDB computes report 1 from the same local CSV files with one SQL statement
 * that writes Parquet, reproducing the original's quirks (see README, "The original's quirks"):
 * - rows with a pandas NA value (pandas 1.5's default `na_values`) in any of the 9 configured columns are dropped;
 * - opening/closing price = StartPrice of the earliest/latest Time per ISIN and Date; min MinPrice, max MaxPrice,
 *   sum TradedVolume;
 * - change = ((open − previous open) / previous open) × 100 over the instrument's previous day in the window, unrounded;
 * - prices and change rounded like numpy: rint(x × 100) / 100, ties to even, sign of zero kept (DuckDB's round()
 *   rounds ties away from zero);
 * - only dates >= the extract date, sorted by ISIN, Date;
 * - written without dictionary encoding: DuckDB's Parquet dictionary keeps one zero per column chunk, so 0.0 and -0.0
 *   (a change that rounds to zero from below) would all take the sign of the first zero written.
 * It runs as its own process so the benchmark measures it from outside like xetra-etl, and prints the time of the
 * statement alone as `{"statementSeconds": …}` (without Node's start and DuckDB's load). It imports only packages,
 * because bench/run.ts transpiles this file alone to plain JavaScript (no tsx in the measured process).
 *
 *   node duckdb-report.mjs --root BUCKET_DIR --dates D1,D2,… --extract-date YYYY-MM-DD --out report.parquet
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';

const PANDAS_NA = ['', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN', '<NA>', 'N/A', 'NA', 'NULL', 'NaN', 'n/a', 'nan', 'null'];
const COLUMNS: Record<string, string> = {
  ISIN: 'VARCHAR', Mnemonic: 'VARCHAR', SecurityDesc: 'VARCHAR', SecurityType: 'VARCHAR', Currency: 'VARCHAR', SecurityID: 'VARCHAR',
  Date: 'VARCHAR', Time: 'VARCHAR', StartPrice: 'DOUBLE', MaxPrice: 'DOUBLE', MinPrice: 'DOUBLE', EndPrice: 'DOUBLE', TradedVolume: 'BIGINT', NumberOfTrades: 'VARCHAR',
};
const CONFIGURED = ['ISIN', 'Mnemonic', 'Date', 'Time', 'StartPrice', 'EndPrice', 'MinPrice', 'MaxPrice', 'TradedVolume'];

const quote = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** numpy's round(x, 2): rint(x * 100) / 100 with ties to even; a zero result keeps the sign of x * 100. */
function round2(x: string): string {
  const y = `(${x} * 100)`;
  const f = `floor(${y})`;
  const r = `CASE WHEN ${y} - ${f} > 0.5 OR (${y} - ${f} = 0.5 AND ${f} % 2 <> 0) THEN ${f} + 1 ELSE ${f} END`;
  return `(CASE WHEN ${r} = 0 THEN ${y} * 0 ELSE ${r} END) / 100`;
}

/** The one statement: CSV files in, report 1 out as Parquet. */
function reportSql(files: readonly string[], extractDate: string, out: string): string {
  const columns = Object.entries(COLUMNS).map(([name, type]) => `${quote(name)}: ${quote(type)}`).join(', ');
  return `COPY (
  WITH src AS (
    SELECT ISIN, Date, Time, StartPrice, MinPrice, MaxPrice, TradedVolume
    FROM read_csv([${files.map(quote).join(', ')}], header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
                  nullstr = [${PANDAS_NA.map(quote).join(', ')}], columns = {${columns}})
    WHERE ${CONFIGURED.map((c) => `${c} IS NOT NULL`).join(' AND ')}
  ), days AS (
    SELECT ISIN, Date, arg_min(StartPrice, Time) AS o, arg_max(StartPrice, Time) AS c, min(MinPrice) AS lo, max(MaxPrice) AS hi,
           sum(TradedVolume)::BIGINT AS v, lag(arg_min(StartPrice, Time)) OVER (PARTITION BY ISIN ORDER BY Date) AS p
    FROM src GROUP BY ISIN, Date
  )
  SELECT ISIN, Date, ${round2('o')} AS opening_price_eur, ${round2('c')} AS closing_price_eur, ${round2('lo')} AS minimum_price_eur,
         ${round2('hi')} AS maximum_price_eur, v AS daily_traded_volume, ${round2('((o - p) / p * 100)')} AS "change_prev_closing_%"
  FROM days WHERE Date >= ${quote(extractDate)} ORDER BY ISIN, Date
) TO ${quote(out)} (FORMAT parquet, DICTIONARY_SIZE_LIMIT 1)`;
}

/** The objects under each date prefix, in S3 key order, as the job lists them (folder markers and sub-folders aside). */
function listFiles(root: string, dates: readonly string[]): string[] {
  return dates.flatMap((date) => {
    let names: string[];
    try {
      names = readdirSync(path.join(root, date));
    } catch {
      return [];
    }
    return names.sort().map((name) => path.join(root, date, name));
  });
}

const { values } = parseArgs({ options: { root: { type: 'string' }, dates: { type: 'string' }, 'extract-date': { type: 'string' }, out: { type: 'string' } } });
const { root, dates, 'extract-date': extractDate, out } = values;
if (!root || !dates || !extractDate || !out) throw new Error('usage: duckdb-report --root DIR --dates D1,D2 --extract-date YYYY-MM-DD --out FILE');
const connection = await (await DuckDBInstance.create(':memory:')).connect();
const sql = reportSql(listFiles(root, dates.split(',')), extractDate, out);
const started = performance.now();
await connection.run(sql);
process.stdout.write(`${JSON.stringify({ statementSeconds: (performance.now() - started) / 1000 })}\n`);
