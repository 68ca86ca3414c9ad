/**
 * `npm run bench`: xetra-etl end to end against a peer measured in the same run, on the same files.
 * The peer is the original's engine: pandas running tests/parity/original_report1.py. Runs alternate
 * after one warm-up each; the table shows medians and the ratio, never a single time.
 *
 *   npm run bench [-- --runs 5 --data ../shared/data/xetra --first 2017-07-24 --today 2017-07-28]
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { dayBefore, dayRange, repoRoot, writeJobConfig } from '../tests/support/run-cli.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    data: { type: 'string', default: path.resolve(repoRoot, '../shared/data/xetra') },
    first: { type: 'string', default: '2017-07-24' },
    today: { type: 'string', default: '2017-07-28' },
  },
});
const runs = Number(values.runs);
const work = await mkdtemp(path.join(tmpdir(), 'xetra-bench-'));
const target = path.join(work, 'trg');
const config = await writeJobConfig(work, { sourceBucketDir: values.data, targetBucketDir: target, firstExtractDate: values.first, trgFormat: 'csv', logLevel: 'warn' });
const dates = dayRange(dayBefore(values.first), values.today);

interface Sample {
  seconds: number;
  peakMiB: number;
}

/** Wall time and peak RSS of one command, from GNU time. */
function measure(command: string[]): Sample {
  const child = spawnSync('/usr/bin/time', ['-f', '%e %M', ...command], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
  const out = child.stderr.toString();
  if (child.status !== 0) throw new Error(`${command.join(' ')} failed: ${out}`);
  const [seconds = '0', kib = '0'] = (out.trim().split('\n').at(-1) ?? '').split(' ');
  return { seconds: Number(seconds), peakMiB: Number(kib) / 1024 };
}

const contenders: Record<string, () => string[]> = {
  'xetra-etl (file:)': () => ['node', 'dist/cli.js', '--config', config, '--today', values.today],
  'pandas (the original engine)': () => ['/usr/bin/python3', 'tests/parity/original_report1.py', '--root', values.data, '--extract-date', values.first, '--dates', dates.join(','), '--out', path.join(work, 'pandas.csv')],
};

async function fresh(): Promise<void> {
  await rm(target, { recursive: true, force: true });
  await mkdir(target, { recursive: true });
}

const samples = new Map<string, Sample[]>(Object.keys(contenders).map((name) => [name, []]));
for (let round = 0; round <= runs; round++) {
  for (const [name, command] of Object.entries(contenders)) {
    await fresh();
    const sample = measure(command());
    if (round > 0) samples.get(name)?.push(sample); // round 0 warms the page cache and the JIT
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] ?? 0) : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2;
};
const [ours, peer] = [...samples.values()].map((xs) => ({ wall: median(xs.map((x) => x.seconds)), rss: median(xs.map((x) => x.peakMiB)) }));
const lines = [
  `xetra-etl benchmark, ${new Date().toISOString().slice(0, 10)}, ${runs} runs each after a warm-up, dates ${dates[0] ?? ''}..${dates.at(-1) ?? ''} of ${values.data}`,
  '',
  '| contender | median wall (s) | median peak RSS (MiB) |',
  '|---|---|---|',
  ...[...samples.entries()].map(([name, xs]) => `| ${name} | ${median(xs.map((x) => x.seconds)).toFixed(2)} | ${median(xs.map((x) => x.peakMiB)).toFixed(0)} |`),
  '',
  `ratio xetra-etl / pandas: wall ${((ours?.wall ?? 0) / (peer?.wall ?? 1)).toFixed(2)}, peak RSS ${((ours?.rss ?? 0) / (peer?.rss ?? 1)).toFixed(2)}`,
];
const table = lines.join('\n');
process.stdout.write(`${table}\n`);
await mkdir(path.join(repoRoot, 'bench/results'), { recursive: true });
await writeFile(path.join(repoRoot, 'bench/results/latest.md'), `${table}\n`);
await rm(work, { recursive: true, force: true });
