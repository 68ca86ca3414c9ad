import type { XetraSourceConfig } from '../../src/config/schema.js';

/** The source section of the shipped configs, for tests that fold CSV without loading a config file. */
export const XETRA_SOURCE: XetraSourceConfig = {
  src_first_extract_date: '2017-07-24',
  src_columns: ['ISIN', 'Mnemonic', 'Date', 'Time', 'StartPrice', 'EndPrice', 'MinPrice', 'MaxPrice', 'TradedVolume'],
  src_col_date: 'Date',
  src_col_isin: 'ISIN',
  src_col_time: 'Time',
  src_col_min_price: 'MinPrice',
  src_col_start_price: 'StartPrice',
  src_col_max_price: 'MaxPrice',
  src_col_traded_vol: 'TradedVolume',
};

/** The header of every real Xetra source file. */
export const XETRA_HEADER = 'ISIN,Mnemonic,SecurityDesc,SecurityType,Currency,SecurityID,Date,Time,StartPrice,MaxPrice,MinPrice,EndPrice,TradedVolume,NumberOfTrades';
