#!/usr/bin/python3
"""Parity oracle: the Python original's extract() + transform_report1() + CSV write.

Mirrors ItsMe87/xetra_1234@7c888a7 xetra/transformers/xetra_transformer.py (spec §4.2/§4.3)
with a local folder standing in for the source bucket. Needs Debian's pandas 1.5.3, so run it
with /usr/bin/python3 (a pyenv `python3` earlier on PATH has no pandas).

  /usr/bin/python3 tests/parity/original_report1.py --root DIR --extract-date YYYY-MM-DD \
      --dates D1,D2,... --out FILE.csv
"""
import argparse
import os
import sys
from io import StringIO

import pandas as pd

# Config values of configs/xetra_report1_config.yml (spec §1), inlined so the pandas calls
# below read exactly like the original's.
SRC_COLUMNS = ['ISIN', 'Mnemonic', 'Date', 'Time', 'StartPrice', 'EndPrice',
               'MinPrice', 'MaxPrice', 'TradedVolume']


def list_files_in_prefix(root, prefix):
    # S3 has no folders: a key matches when it merely starts with the bare prefix (no '/'),
    # and S3 lists keys in ascending UTF-8 byte order, not locale or os.walk order.
    keys = []
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            key = os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, '/')
            if key.startswith(prefix):
                keys.append(key)
    return sorted(keys, key=lambda k: k.encode('utf-8'))


def read_csv_to_df(root, key):
    # The original decodes the object body itself and parses from a StringIO; do the same so
    # BOM / newline handling cannot differ from parsing a path.
    with open(os.path.join(root, key), 'rb') as fh:
        return pd.read_csv(StringIO(fh.read().decode('utf-8')), sep=',')


def extract(root, extract_date_list):
    files = [key for date in extract_date_list for key in list_files_in_prefix(root, date)]
    if not files:
        return pd.DataFrame()
    return pd.concat([read_csv_to_df(root, f) for f in files], ignore_index=True)


def transform_report1(data_frame, extract_date):
    # Kept call-for-call identical to the original (including its quirks: closing price is the
    # last StartPrice, the "change" compares opening prices, unstable sort on the Time string).
    if data_frame.empty:
        return data_frame
    data_frame = data_frame.loc[:, SRC_COLUMNS]
    data_frame.dropna(inplace=True)
    data_frame['opening_price_eur'] = data_frame.sort_values(by=['Time'])\
        .groupby(['ISIN', 'Date'])['StartPrice'].transform('first')
    data_frame['closing_price_eur'] = data_frame.sort_values(by=['Time'])\
        .groupby(['ISIN', 'Date'])['StartPrice'].transform('last')
    data_frame.rename(columns={'MinPrice': 'minimum_price_eur',
                               'MaxPrice': 'maximum_price_eur',
                               'TradedVolume': 'daily_traded_volume'}, inplace=True)
    data_frame = data_frame.groupby(['ISIN', 'Date'], as_index=False)\
        .agg({'opening_price_eur': 'min', 'closing_price_eur': 'min',
              'minimum_price_eur': 'min', 'maximum_price_eur': 'max',
              'daily_traded_volume': 'sum'})
    data_frame['change_prev_closing_%'] = data_frame.sort_values(by=['Date'])\
        .groupby(['ISIN'])['opening_price_eur'].shift(1)
    data_frame['change_prev_closing_%'] = (
        data_frame['opening_price_eur'] - data_frame['change_prev_closing_%']
    ) / data_frame['change_prev_closing_%'] * 100
    data_frame = data_frame.round(decimals=2)
    data_frame = data_frame[data_frame.Date >= extract_date].reset_index(drop=True)
    return data_frame


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--root', required=True, help='bucket root: sub-folders are date prefixes')
    parser.add_argument('--extract-date', required=True)
    parser.add_argument('--dates', required=True, help='comma-separated extract_date_list')
    parser.add_argument('--out', required=True)
    args = parser.parse_args()
    dates = [d for d in args.dates.split(',') if d]

    df = extract(args.root, dates)
    if df.empty:
        # Original: transform returns the empty frame and write_df_to_s3 skips it.
        print('The dataframe is empty. No transformations will be applied.', file=sys.stderr)
        return 0
    df = transform_report1(df, args.extract_date)
    if df.empty:
        # e.g. only the "day before" had data: write_df_to_s3 still writes nothing.
        print('The dataframe is empty! No file will be written!', file=sys.stderr)
        return 0
    # Same call as write_df_to_s3(..., 'csv'): Python float repr, NaN as empty field.
    df.to_csv(args.out, index=False)
    print(f'{len(df)} report rows written to {args.out}', file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
