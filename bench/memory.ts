/**
 * `npm run bench:memory`: shows that peak memory follows instrument-days, not rows. Two synthetic
 * data sets have the same instruments and days (so the same aggregates) but 10× apart in rows;
 * xetra-etl runs on each, and the table gives peak RSS side by side.
 *
 *   npm run bench:memory [-- --isins 2000 --minutes 25,250]
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { repoRoot, writeJobConfig } from '../tests/support/run-cli.js';

const { values } = parseArgs({ options: { isins: { type: 'string', default: '2000' }, minutes: { type: 'string', default: '25,250' } } });
const isins = Number(values.isins);
const DATES = ['2017-07-24', '2017-07-25'];
const HEADER = 'ISIN,Mnemonic,SecurityDesc,SecurityType,Currency,SecurityID,Date,Time,StartPrice,MaxPrice,MinPrice,EndPrice,TradedVolume,NumberOfTrades';

/** Every instrument trades the first `minutes` minutes of the session, one hourly file per hour. */
async function generate(root: string, minutes: number): Promise<number> {
  let rows = 0;
  for (const date of DATES) {
    await mkdir(path.join(root, date), { recursive: true });
    for (let hour = 0; hour < 24; hour++) {
      const hh = String(hour).padStart(2, '0');
      const out = createWriteStream(path.join(root, date, `${date}_BINS_XETR${hh}.csv`));
      out.write(`${HEADER}\n`);
      for (let minute = (hour - 7) * 60; minute < Math.min((hour - 6) * 60, minutes); minute++) {
        if (minute < 0) continue;
        const time = `${hh}:${String(minute % 60).padStart(2, '0')}`;
        const lines: string[] = [];
        for (let i = 0; i < isins; i++) {
          const price = (10 + ((i * 7919 + minute * 31) % 9000) / 100).toFixed(2);
          lines.push(`"DE${String(i).padStart(10, '0')}","M${i}","SYNTHETIC ${i} DL -,01","Common stock","EUR",${2500000 + i},${date},${time},${price},${price},${price},${price},${100 + i},1`);
        }
        out.write(`${lines.join('\n')}\n`);
        rows += isins;
      }
      out.end();
      await finished(out);
    }
  }
  return rows;
}

const lines = ['| rows | instrument-days | wall (s) | peak RSS (MiB) |', '|---|---|---|---|'];
for (const minutes of values.minutes.split(',').map(Number)) {
  const work = await mkdtemp(path.join(tmpdir(), 'xetra-mem-'));
  const rows = await generate(path.join(work, 'src'), minutes);
  const config = await writeJobConfig(work, { sourceBucketDir: path.join(work, 'src'), targetBucketDir: path.join(work, 'trg'), firstExtractDate: DATES[0] ?? '', logLevel: 'warn' });
  const child = spawnSync('/usr/bin/time', ['-f', '%e %M', 'node', ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean), 'dist/cli.js', '--config', config, '--today', DATES.at(-1) ?? ''], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
  const [seconds = '?', kib = '0'] = (child.stderr.toString().trim().split('\n').at(-1) ?? '').split(' ');
  lines.push(`| ${rows} | ${isins * DATES.length} | ${seconds} | ${(Number(kib) / 1024).toFixed(0)} |`);
  await rm(work, { recursive: true, force: true });
}
process.stdout.write(`${lines.join('\n')}\n`);
