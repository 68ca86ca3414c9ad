/**
 * `npm run bench`: xetra-etl end to end on local files (`file:`) and against a loopback S3 server, and DuckDB
 * computing the same report from the same local files, on seeded synthetic Xetra data (bench/generate.ts).
 * Contenders alternate (each round starting with the next one), one warm-up round then `--runs` measured rounds; each run is its own process, measured
 * from outside (wall clock, peak RSS from GNU time). The first report of each contender is compared cell by cell,
 * bit for bit, with DuckDB's. Prints the table, writes it to bench/results/latest.md and appends it to <date>.md.
 *
 *   npm run bench [-- --runs 5 --seed 1 --sizes 1m,4m --scale --with-pandas --skip-s3]
 *   npm run bench:smoke        (tiny data, one run each, parity checked, nothing written)
 */
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import ts from 'typescript';
import { cliPath, ensureBuilt, repoRoot, writeJobConfig } from '../tests/support/run-cli.js';
import { createBucket, getObjectBytes, listAllKeys, startS3Server, uploadFolder, type S3TestServer } from '../tests/support/s3-server.js';
import { compareTables, pandasCsvTable, parquetTable, type Table } from './compare.js';
import { ensureDataset, SIZES, type Dataset } from './generate.js';
import { measure, median, type Sample } from './measure.js';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    seed: { type: 'string', default: '1' },
    sizes: { type: 'string', default: '1m,4m' },
    scale: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    'with-pandas': { type: 'boolean', default: false },
    'skip-s3': { type: 'boolean', default: false },
  },
});
const sizes = args.smoke ? ['smoke'] : [...args.sizes.split(','), ...(args.scale ? ['20m'] : [])];
const [runs, warmups] = args.smoke ? [1, 0] : [Number(args.runs), 1];
const seed = Number(args.seed);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) throw new Error('--runs must be a positive integer and --seed an integer');
const log = (line: string): boolean => process.stderr.write(`${line}\n`);

interface Contender {
  readonly name: string;
  /** Readies a fresh target for run `run` and returns the command to time (and its environment). */
  prepare(run: number): Promise<{ command: string[]; env?: NodeJS.ProcessEnv }>;
  /** The report the last run wrote. */
  report(): Promise<Table>;
  /** For DuckDB: the seconds its SQL statement took inside the process, from the run's stdout. */
  statementSeconds?(stdout: string): number;
}

const LOCAL = 'xetra-etl (file:)';
const S3 = 'xetra-etl (S3, loopback)';
const DUCKDB = 'DuckDB (whole process)';
const STATEMENT = 'DuckDB (the SQL statement alone)';

interface SizeResult {
  readonly data: Dataset;
  readonly reportRows: number;
  readonly samples: Map<string, Sample[]>;
  readonly differences: string[];
}

/** bench/duckdb-report.ts as plain JavaScript next to node_modules, so the measured process runs without tsx. */
async function buildDuckdbScript(): Promise<string> {
  const source = await readFile(path.join(repoRoot, 'bench/duckdb-report.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  const file = path.join(repoRoot, 'node_modules/.cache/xetra-etl-bench/duckdb-report.mjs');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, outputText);
  return file;
}

function contenders(data: Dataset, work: string, duckdbScript: string, s3: S3TestServer | undefined, srcBucket: string): Contender[] {
  const job = { sourceBucketDir: data.bucketDir, firstExtractDate: data.firstExtractDate, trgFormat: 'parquet', logLevel: 'warn' } as const;
  const etlArgs = (config: string): string[] => [process.execPath, cliPath, '--config', config, '--today', data.today];
  const localTarget = path.join(work, 'local/trg');
  const duckdbOut = path.join(work, 'duckdb.parquet');
  let s3Target = '';
  const list: Contender[] = [
    {
      name: LOCAL,
      async prepare() {
        await rm(localTarget, { recursive: true, force: true });
        return { command: etlArgs(await writeJobConfig(path.dirname(localTarget), { ...job, targetBucketDir: localTarget })) };
      },
      async report() {
        const dir = path.join(localTarget, 'report1');
        const [name] = (await readdir(dir)).filter((f) => f.endsWith('.parquet'));
        return parquetTable(await readFile(path.join(dir, name ?? 'missing.parquet')));
      },
    },
  ];
  if (s3) {
    list.push({
      name: S3,
      async prepare(run) {
        s3Target = `trg-${data.spec.name}-${run}`;
        await createBucket(s3.client, s3Target);
        const dir = path.join(work, 's3');
        const edit = (config: Record<string, Record<string, unknown>>): void => {
          config.s3 = { access_key: 'XETRA_BENCH_KEY', secret_key: 'XETRA_BENCH_SECRET', src_endpoint_url: s3.endpoint, src_bucket: srcBucket, trg_endpoint_url: s3.endpoint, trg_bucket: s3Target, region: 'us-east-1' };
        };
        const config = await writeJobConfig(dir, { ...job, targetBucketDir: path.join(dir, 'unused'), edit });
        return { command: etlArgs(config), env: { ...process.env, XETRA_BENCH_KEY: 'test', XETRA_BENCH_SECRET: 'test' } };
      },
      async report() {
        const [key] = await listAllKeys(s3.client, s3Target, 'report1/');
        return parquetTable(await getObjectBytes(s3.client, s3Target, key ?? 'missing'));
      },
    });
  }
  list.push({
    name: DUCKDB,
    async prepare() {
      await rm(duckdbOut, { force: true });
      return { command: [process.execPath, duckdbScript, '--root', data.bucketDir, '--dates', data.dates.join(','), '--extract-date', data.firstExtractDate, '--out', duckdbOut] };
    },
    report: async () => parquetTable(await readFile(duckdbOut)),
    statementSeconds: (stdout) => (JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { statementSeconds: number }).statementSeconds,
  });
  if (args['with-pandas']) {
    const out = path.join(work, 'pandas.csv');
    list.push({
      name: 'pandas (the original engine)',
      prepare: () => Promise.resolve({ command: ['/usr/bin/python3', 'tests/parity/original_report1.py', '--root', data.bucketDir, '--extract-date', data.firstExtractDate, '--dates', data.dates.join(','), '--out', out] }),
      report: async () => pandasCsvTable(await readFile(out, 'utf8')),
    });
  }
  return list;
}

async function benchSize(data: Dataset, duckdbScript: string, s3: S3TestServer | undefined): Promise<SizeResult> {
  const work = await mkdtemp(path.join(tmpdir(), 'xetra-bench-'));
  const srcBucket = `src-${data.spec.name}`;
  if (s3) {
    const started = Date.now();
    await createBucket(s3.client, srcBucket);
    await uploadFolder(s3.client, srcBucket, data.bucketDir);
    log(`${data.spec.name}: seeded the loopback S3 server in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const list = contenders(data, work, duckdbScript, s3, srcBucket);
  // The table lists the contenders in this order, whichever ran first.
  const samples = new Map<string, Sample[]>(list.flatMap((c) => [[c.name, []], ...(c.statementSeconds ? [[STATEMENT, []] as [string, Sample[]]] : [])]));
  const record = (name: string, sample: Sample): void => void samples.set(name, [...(samples.get(name) ?? []), sample]);
  const reports = new Map<string, Table>();
  for (let round = 0; round < warmups + runs; round++) {
    // Each round starts with the next contender, so none always runs right after the same one (the loopback
    // server's own work, say, would otherwise always fall on the same neighbour).
    for (const contender of [...list.slice(round % list.length), ...list.slice(0, round % list.length)]) {
      const { command, env } = await contender.prepare(round);
      const sample = await measure(command, { cwd: repoRoot, ...(env ? { env } : {}) });
      log(`${data.spec.name} ${round < warmups ? 'warm-up' : `run ${round - warmups + 1}/${runs}`}: ${contender.name} ${sample.seconds.toFixed(2)} s, ${sample.peakMiB.toFixed(1)} MiB, CPU ${sample.cpuSeconds.toFixed(2)} s (this process meanwhile ${sample.hostCpuSeconds.toFixed(2)} s), stolen ${(sample.stolen * 100).toFixed(0)} %`);
      if (round === 0) reports.set(contender.name, await contender.report());
      if (round < warmups) continue;
      record(contender.name, sample);
      if (contender.statementSeconds) record(STATEMENT, { seconds: contender.statementSeconds(sample.stdout), peakMiB: NaN, cpuSeconds: NaN, hostCpuSeconds: NaN, stolen: NaN, stdout: '' });
    }
  }
  const empty: Table = { columns: [], rows: [] };
  const expected = reports.get(DUCKDB) ?? empty;
  const differences = list
    .filter((c) => c.name !== DUCKDB)
    .flatMap((c) => compareTables(expected, reports.get(c.name) ?? empty, ['DuckDB', c.name]).map((d) => `${data.spec.name}, ${c.name}: ${d}`));
  await rm(work, { recursive: true, force: true });
  return { data, reportRows: expected.rows.length, samples, differences };
}

function render(results: readonly SizeResult[], load: readonly [number, number]): string {
  const n = (x: number, digits = 0): string => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—');
  const mib = (bytes: number): number => bytes / 2 ** 20;
  const wall = (xs: readonly Sample[] = []): number => median(xs.map((x) => x.seconds));
  const rss = (xs: readonly Sample[] = []): number => (xs.length ? Math.max(...xs.map((x) => x.peakMiB)) : NaN);
  const stolen = (xs: readonly Sample[] = []): string => {
    const shares = xs.map((x) => x.stolen * 100).filter(Number.isFinite);
    return shares.length ? `${n(median(shares))} (${n(Math.min(...shares))}–${n(Math.max(...shares))})` : '—';
  };
  // The ratio within each round, where both runs were seconds apart: the machine's speed drifts by up to half
  // over minutes, which a ratio of medians over the whole run still feels.
  const perRound = (a: readonly Sample[] = [], b: readonly Sample[] = []): string => {
    const ratios = a.map((x, i) => x.seconds / (b[i]?.seconds ?? NaN)).filter(Number.isFinite);
    return ratios.length ? `${n(median(ratios), 2)} (${n(Math.min(...ratios), 2)}–${n(Math.max(...ratios), 2)})` : '—';
  };
  const git = (...a: string[]): string => spawnSync('git', a, { cwd: repoRoot, encoding: 'utf8' }).stdout.trim();
  const duckdb = (JSON.parse(readFileSync(path.join(repoRoot, 'node_modules/@duckdb/node-api/package.json'), 'utf8')) as { version: string }).version;
  const lines = [
    `# xetra-etl benchmark, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `${cpus().length} × ${cpus()[0]?.model.trim() ?? '?'}, ${n(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, @duckdb/node-api ${duckdb}; ` +
      `xetra-etl at ${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src') ? ' with uncommitted changes in src/' : ''}; ` +
      `load average ${n(load[0], 1)} at the start, ${n(load[1], 1)} at the end (other work on the machine inflates the times and their spread). ` +
      `Seed ${seed}; ${runs} measured run(s) per contender after ${warmups} warm-up(s), alternating, each round starting with the next contender; every run a fresh process with a fresh target. ` +
      'Wall: median; peak RSS: the highest of the measured runs (GNU time), to 0.1 MiB; rows/s and MiB/s: source rows and CSV bytes over the median wall; ' +
      'stolen: the share of the machine\'s CPU time the hypervisor gave to other guests during the runs (`/proc/stat`), median (min–max), which slows every contender it falls on.',
    '',
    '| data | contender | median wall (s) | min–max (s) | rows/s | MiB/s | peak RSS (MiB) | stolen (%) |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { data, samples } of results) {
    for (const [name, xs] of samples) {
      const walls = xs.map((x) => x.seconds);
      lines.push(`| ${data.spec.name}: ${n(data.rows)} rows, ${n(mib(data.bytes))} MiB | ${name} | ${n(wall(xs), 2)} | ${n(Math.min(...walls), 2)}–${n(Math.max(...walls), 2)} | ${n(data.rows / wall(xs))} | ${n(mib(data.bytes) / wall(xs), 1)} | ${n(rss(xs), 1)} | ${stolen(xs)} |`);
    }
  }
  lines.push(
    '',
    'Ratios of the median walls, then the median (min–max) of the ratios within each round.',
    '',
    '| data | source files | instrument-days reported | file: / DuckDB wall | per round | file: / DuckDB statement | file: / DuckDB peak RSS | S3 / DuckDB wall | S3 / file: wall | per round | same report as DuckDB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  );
  for (const { data, reportRows, samples, differences } of results) {
    const [local, s3, peer, statement] = [LOCAL, S3, DUCKDB, STATEMENT].map((name) => samples.get(name));
    const same = differences.length ? '**no**, see below' : 'yes, bit for bit';
    lines.push(
      `| ${data.spec.name} | ${n(data.files)} | ${n(reportRows)} | ${n(wall(local) / wall(peer), 2)} | ${perRound(local, peer)} | ${n(wall(local) / wall(statement), 2)} | ` +
        `${n(rss(local) / rss(peer), 2)} | ${n(wall(s3) / wall(peer), 2)} | ${n(wall(s3) / wall(local), 2)} | ${perRound(s3, local)} | ${same} |`,
    );
  }
  const differences = results.flatMap((r) => r.differences);
  if (differences.length) lines.push('', 'Differences from DuckDB\'s report:', '', ...differences.map((d) => `- ${d}`));
  return lines.join('\n');
}

const loadAtStart = loadavg()[0] ?? NaN;
await ensureBuilt();
const duckdbScript = await buildDuckdbScript();
const s3 = args['skip-s3'] ? undefined : await startS3Server();
const results: SizeResult[] = [];
try {
  for (const size of sizes) {
    const spec = SIZES[size];
    if (!spec) throw new Error(`unknown size ${size}; known: ${Object.keys(SIZES).join(', ')}`);
    const started = Date.now();
    const data = await ensureDataset(spec, seed);
    log(`${size}: ${data.rows} rows, ${data.files} files in ${data.bucketDir} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    results.push(await benchSize(data, duckdbScript, s3));
  }
} finally {
  await s3?.stop();
}
const table = render(results, [loadAtStart, loadavg()[0] ?? NaN]);
process.stdout.write(`${table}\n`);
if (!args.smoke) {
  const dir = path.join(repoRoot, 'bench/results');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'latest.md'), `${table}\n`);
  // The day's file keeps every run of the day, newest last.
  const day = path.join(dir, `${new Date().toISOString().slice(0, 10)}.md`);
  const earlier = await readFile(day, 'utf8').catch(() => '');
  await writeFile(day, earlier ? `${earlier}\n---\n\n${table}\n` : `${table}\n`);
}
if (results.some((r) => r.differences.length)) process.exitCode = 1;
