/**
 * The strings pandas' `read_csv` reads as NaN by default (pandas 1.x). The original drops every row
 * with a NaN in a configured column, so a Mnemonic of `NA` or an empty EndPrice drops the row too.
 */
export const PANDAS_NA_VALUES: ReadonlySet<string> = new Set([
  '', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN',
  '<NA>', 'N/A', 'NA', 'NULL', 'NaN', 'n/a', 'nan', 'null',
]);
