import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { openObjectStore } from '../../src/storage/open-store.js';

/** The original's configs/xetra_report1_config.yml, Python logging section and all (spec §1). */
const ORIGINAL = `
s3:
  access_key: 'AWS_ACCESS_KEY_ID'
  secret_key: 'AWS_SECRET_ACCESS_KEY'
  src_endpoint_url: 'https://s3.amazonaws.com'
  src_bucket: 'deutsche-boerse-xetra-pds'
  trg_endpoint_url: 'https://s3.amazonaws.com'
  trg_bucket: 'xetra-1234'
source:
  src_first_extract_date: '2021-06-30'
  src_columns: ['ISIN', 'Mnemonic', 'Date', 'Time', 'StartPrice', 'EndPrice', 'MinPrice', 'MaxPrice', 'TradedVolume']
  src_col_date: 'Date'
  src_col_isin: 'ISIN'
  src_col_time: 'Time'
  src_col_min_price: 'MinPrice'
  src_col_start_price: 'StartPrice'
  src_col_max_price: 'MaxPrice'
  src_col_traded_vol: 'TradedVolume'
target:
  trg_key: 'report1/xetra_daily_report1_'
  trg_key_date_format: '%Y%m%d_%H%M%S'
  trg_format: 'parquet'
  trg_col_isin: 'isin'
  trg_col_date: 'date'
  trg_col_op_price: 'opening_price_eur'
  trg_col_clos_price: 'closing_price_eur'
  trg_col_min_price: 'minimum_price_eur'
  trg_col_max_price: 'maximum_price_eur'
  trg_col_dail_trad_vol: 'daily_traded_volume'
  trg_col_ch_prev_clos: 'change_prev_closing_%'
meta:
  meta_key: 'meta/report1/xetra_report1_meta_file.csv'
logging:
  version: 1
  formatters:
    xetra:
      format: "Xetra Transformer - %(asctime)s - %(levelname)s - %(message)s"
  handlers:
    console:
      class: logging.StreamHandler
      formatter: xetra
      level: DEBUG
  root:
    level: DEBUG
    handlers: [ console ]
`;

describe('config', () => {
  it("loads the original job's config unchanged, taking the root level from its Python logging section", () => {
    const config = parseConfig(ORIGINAL, 'xetra_report1_config.yml');
    expect(config.logging).toEqual({ level: 'debug', format: 'auto' });
    expect(config.s3.src_bucket).toBe('deutsche-boerse-xetra-pds');
    expect(config.source.src_columns).toHaveLength(9);
    expect(config.target.trg_format).toBe('parquet');
  });

  it('refuses a src_col_* that is not among src_columns', () => {
    const broken = ORIGINAL.replace("'Time', 'StartPrice'", "'StartPrice'");
    expect(() => parseConfig(broken, 'x.yml')).toThrow("x.yml: invalid config: source.src_col_time: names column 'Time', which is not in src_columns; add it there");
  });

  it('refuses strftime directives it cannot format', () => {
    expect(() => parseConfig(ORIGINAL.replace('%Y%m%d_%H%M%S', '%Y%m%d_%A'), 'x.yml')).toThrow(/target\.trg_key_date_format: uses unsupported strftime directive\(s\) %A/);
  });
});

describe('file: endpoints', () => {
  it('resolve file:/abs, file:///abs and file:rel (against the config folder) to the same bucket folder', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'xetra-endpoints-'));
    await mkdir(path.join(root, 'data/bucket/2021-04-16'), { recursive: true });
    await writeFile(path.join(root, 'data/bucket/2021-04-16/a.csv'), 'x\n');
    const stores = await Promise.all([`file:${root}/data`, `file://${root}/data`, 'file:data'].map((url) => openObjectStore(url, 'bucket', { baseDir: root })));
    for (const store of stores) {
      expect(store.location).toBe(`file:${path.join(root, 'data/bucket')}`);
      expect(await store.list('2021-04-16')).toEqual(['2021-04-16/a.csv']);
    }
  });
});
