#!/usr/bin/env node
// Builds the small real-data sample that ships in sample/xetra/ from the full copy in ../shared/data/xetra.
//
//   node scripts/make-sample.mjs [srcRoot] [outRoot]
//
// srcRoot defaults to ../shared/data/xetra and outRoot to sample/xetra, both relative to the repository root
// (not to the working directory). For every date folder 2017-07-21..2017-07-30 the script writes every hourly
// file of the source (header-only ones too, 24 per day) under the same name. Each output file holds the source
// header line and, byte for byte and in source order, only the data lines whose ISIN is in SAMPLE_ISINS.
// Nothing is re-quoted or reformatted; lines end in LF and every file ends with a newline.
// It also writes outRoot/SHA256SUMS (sha256sum format, paths relative to outRoot) and prints a per-day summary.
// Plain Node (>= 20), no dependencies.

import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DATES = Array.from({ length: 10 }, (_, i) => `2017-07-${String(21 + i).padStart(2, '0')}`);
const FILES_PER_DAY = 24;
const HEADER =
  'ISIN,Mnemonic,SecurityDesc,SecurityType,Currency,SecurityID,Date,Time,' +
  'StartPrice,MaxPrice,MinPrice,EndPrice,TradedVolume,NumberOfTrades';

// The ISIN set. Chosen by scanning all rows of 2017-07-21..28 (see sample/xetra/SOURCE.md for per-ISIN counts).
// Many entries serve more than one purpose; each sits in the group it was chosen for.
const SAMPLE_ISINS = [
  // Very liquid DAX stocks: a row in 500-509 of the 511 session minutes every trading day. They give realistic
  // per-minute series and dominate the sample's size.
  'DE0007164600', // SAP  SAP SE O.N.
  'DE000BASF111', // BAS  BASF SE NA O.N.
  'DE0007100000', // DAI  DAIMLER AG NA O.N.
  'DE0005190003', // BMW  BAY.MOTOREN WERKE AG ST

  // Mid liquidity: tens to a few hundred minutes a day, on all six trading days.
  'DE0005158703', // BC8  BECHTLE AG O.N.: 137-276 rows/day, plus a 19:30 off-hours row on 07-21
  'US30303M1027', // FB2A FACEBOOK INC.A DL-,000006: 93-323 rows/day, comma in desc, 8 rows with volume 0
  'DE0006627201', // MUB  MUEHLBAUER HOLD.AG O.N.: 19-97 rows/day, whole-number prices, 19:30 row on 07-27
  'AT0000606306', // RAW  RAIFFEISEN BK INTL INH.: named in the spec (half-even rounding, 07-27 open 24.485)
  'CH0126881561', // SR9  SWISS RE AG NAM.  SF -,10: comma in desc, 40 rows with volume 0 in regular hours
  //                       (some with 2+ trades and non-flat prices, e.g. 07-21 07:04)
  'NL0000009538', // PHI1 KONINKL. PHILIPS EO -,20: comma in desc, 17 rows with volume 0 in regular hours
  'IT0003128367', // ENL  ENEL S.P.A.          EO 1: runs of spaces in desc, 19:30 row on 07-21
  'LU0292106241', // DXSN DB X-TR.SHORTDAX DAILY 1C: ETF, 239 of 595 rows have volume 0 (most of any ISIN)
  'DE000A1YKTK4', // GY3S ETFS EQ.SEC.DZ/UNDATED: the ETN type, 7 rows with volume 0
  'DE000A1RFM03', // LIO1 SYGNIS AG: named in the spec (dbg-pds issue #7, Mnemonic missing in 2019)
  'AT0000969985', // AUS  AT+S AUSTR.T.+SYSTEMT.: '+' in desc, 19:30 row on 07-24

  // Illiquid: a few minutes a day, and/or trading on only some of the six trading days.
  'AT0000652250', // T1L  S IMMO AG: named in the spec (07-28 open 12.505 -> 12.5); rows on 07-21 and 07-28 only
  'DE0006757008', // NSU  AUDI AG O.N.: price ~710, most prices are whole numbers without a decimal point ("717")
  'DE0006292006', // KSB  KSB AG O.N. ST: whole-number prices; a single row on 07-21
  'CH0010570767', // LSPP LINDT SPRUENGLI PS  SF 10: SecurityType "Other", whole-number prices
  'DE000A0V9YZ7', // 4RT8 ETFS COM.SEC.DZ08/UN.IDX: the ETC type, 4 of 15 rows with volume 0
  'DE000A1YDDM9', // 333  DECHENG TECHNOLOGY AG: all-digit Mnemonic; not on 07-28
  'LU0444607187', // 8530 C.-IB.E.S.I-L.E-I.U.ETF I: all-digit Mnemonic; not on 07-25
  'LU0444606965', // 8522 C.I.E.S.G.C.5-10T.U.ETF I: all-digit Mnemonic; one row, on Friday 07-21 only
  'IE00BC7GZJ81', // SYBW SPDR B.1-3 Y.US TRE.B.ETF: 36 rows, all on Wednesday 07-26
  'IE00B7MXFZ59', // SYBI SPDR B.EM IN.L.LO.BD U.: 5 rows, all on Friday 07-28 (first seen on the last day)
  'LU1291103338', // EKLD BNPPE.-M.KLD400 S.UECDL: currency USD; SecurityDesc changes between 07-24 and 07-28
  'IE00BD3RYZ16', // OM3X ISHSIV-IS.OMX STOC.CAP.SK: currency SEK (07-21, 07-26)
  'LU0937835576', // FRCA UBS-E.-M.EMU H.T.DL ADDL: currency USD, 19:30 row on 07-28

  // Off-hours rows at 04:00 UTC (XETR04): newly set-up instruments, volume 0, one "trade", O=H=L=C.
  'US0213461017', // ALA  ALTABA INC.: 04:00 on 07-21, one regular row on 07-26
  'DE000A2GS5A4', // SAZ1 STADA ARZNEIMITT. Z.VERK.: 04:00 on 07-24, one regular row on 07-27
  'US02083G1004', // 34LA ALPINE IMMUNE SCI.DL-,001: 04:00 on 07-27 (its only row), comma in desc
  'DK0010287234', // LDB  H. LUNDBECK A/S NAM. DK 5: 04:00 on 07-24, its only row in the whole week
  'IE00BYYHSQ67', // QDVW ISHSII-MSCI WL.QUA.DV.DLD: ETF, 04:00 on 07-21, then regular rows on 3 more days

  // Off-hours rows at 19:30 UTC (XETR19): volume 0. With BC8/ENL (07-21), AUS (07-24), MUB (07-27) and FRCA
  // (07-28) above, every trading day has at least one XETR19 row in the sample.
  'US65481J1097', // 34L  NIVALIS THERAPEUT.DL-,001: 19:30 on 07-24, comma in desc, rows on 07-21/24 only
  'DE0007612103', // G6P  GOING PUBLIC MEDIA AG: 19:30 on 07-25 (the only XETR19 row that day)
  'US2605431038', // DCH1 DOW CHEM.         DL 2,50: 19:30 on 07-26, comma in desc
  'DE000A1JF7L0', // H4ZP HSBC MSCI CHINA U. ETF DZ: 19:30 on 07-26 (one of the HSBC ETF block)
  'NL0000009082', // KPN  KON. KPN NV         EO-04: 19:30 on 07-27, runs of spaces in desc
  'LU0446734526', // UIMD UBS-ETF-MSCI PAC.EX JAP.A: 19:30 on 07-28 (UBS ETF block), 2-4 rows on every day
  'GB0007908733', // SCT  SSE PLC: 19:30 on 07-26, absent on 07-25
];

const ISIN_RE = /^[A-Z]{2}[A-Z0-9]{9}[0-9]$/;

/** First field of a CSV line: RFC-4180 quoted ("..." with "" escapes) or unquoted up to the first comma. */
function firstField(line) {
  if (!line.startsWith('"')) {
    const comma = line.indexOf(',');
    return comma === -1 ? line : line.slice(0, comma);
  }
  let value = '';
  let i = 1;
  for (;;) {
    const quote = line.indexOf('"', i);
    if (quote === -1) throw new Error(`unterminated quoted first field: ${line}`);
    value += line.slice(i, quote);
    if (line[quote + 1] === '"') {
      value += '"';
      i = quote + 2;
      continue;
    }
    const next = line[quote + 1];
    if (next !== ',' && next !== undefined) throw new Error(`garbage after quoted first field: ${line}`);
    return value;
  }
}

function main() {
  const srcRoot = resolve(process.argv[2] ?? join(REPO_ROOT, '..', 'shared', 'data', 'xetra'));
  const outRoot = resolve(process.argv[3] ?? join(REPO_ROOT, 'sample', 'xetra'));

  const wanted = new Set(SAMPLE_ISINS);
  if (wanted.size !== SAMPLE_ISINS.length) throw new Error('duplicate ISIN in SAMPLE_ISINS');
  for (const isin of wanted) if (!ISIN_RE.test(isin)) throw new Error(`bad ISIN in SAMPLE_ISINS: ${isin}`);

  const rowsPerIsin = new Map(SAMPLE_ISINS.map((isin) => [isin, 0]));
  const sums = [];
  let totalFiles = 0;
  let totalRows = 0;
  let totalBytes = 0;

  console.log(`source ${srcRoot}\noutput ${outRoot}\n`);
  console.log('date        files  rows  ISINs   bytes');
  for (const date of DATES) {
    const nameRe = new RegExp(`^${date}_BINS_XETR\\d\\d\\.csv$`);
    const names = readdirSync(join(srcRoot, date)).filter((n) => nameRe.test(n)).sort();
    if (names.length !== FILES_PER_DAY) {
      throw new Error(`${date}: expected ${FILES_PER_DAY} hourly files, found ${names.length}`);
    }
    mkdirSync(join(outRoot, date), { recursive: true });

    let dayRows = 0;
    let dayBytes = 0;
    const dayIsins = new Set();
    for (const name of names) {
      // latin1 maps every byte to one char and back, so lines are copied byte for byte whatever the content.
      const text = readFileSync(join(srcRoot, date, name), 'latin1');
      const lines = text.split('\n');
      if (lines.at(-1) === '') lines.pop(); // the final newline, not an empty line
      const [header, ...data] = lines;
      if (header !== HEADER) throw new Error(`${date}/${name}: unexpected header: ${header}`);

      const kept = [header];
      for (const line of data) {
        if (line === '') throw new Error(`${date}/${name}: empty line`);
        const isin = firstField(line);
        if (!wanted.has(isin)) continue;
        kept.push(line);
        rowsPerIsin.set(isin, rowsPerIsin.get(isin) + 1);
        dayIsins.add(isin);
      }

      const out = Buffer.from(kept.join('\n') + '\n', 'latin1');
      writeFileSync(join(outRoot, date, name), out);
      sums.push(`${createHash('sha256').update(out).digest('hex')}  ${date}/${name}`);
      dayRows += kept.length - 1;
      dayBytes += out.length;
    }
    totalFiles += names.length;
    totalRows += dayRows;
    totalBytes += dayBytes;
    console.log(
      `${date}  ${String(names.length).padStart(5)} ${String(dayRows).padStart(5)} ${String(dayIsins.size).padStart(6)} ${String(dayBytes).padStart(7)}`,
    );
  }
  console.log(`total       ${String(totalFiles).padStart(5)} ${String(totalRows).padStart(5)}        ${String(totalBytes).padStart(7)}`);

  writeFileSync(join(outRoot, 'SHA256SUMS'), sums.join('\n') + '\n');

  const missing = [...rowsPerIsin].filter(([, n]) => n === 0).map(([isin]) => isin);
  if (missing.length > 0) throw new Error(`ISINs without any row in the source: ${missing.join(', ')}`);
}

try {
  main();
} catch (err) {
  console.error(`make-sample: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
