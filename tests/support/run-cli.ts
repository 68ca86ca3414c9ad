// Runs the built CLI (dist/cli.js) as a child process, the way users and the Argo job run it, with a
// config generated from configs/local.yml. Shared by the parity and sample tests.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';

const run = promisify(execFile);

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cliPath = path.join(repoRoot, 'dist', 'cli.js');
/** The full real data set next to the checkout (spec: shared/data/xetra). */
export const sharedXetra = path.resolve(repoRoot, '../shared/data/xetra');
/**
 * `.ci/run` sets XETRA_ETL_FULL_SUITE=1: then the pandas oracle and the shared real data must be there
 * and their tests run. Elsewhere (a laptop, the release workflow) tests that need them skip, saying why.
 */
export const fullSuite = process.env.XETRA_ETL_FULL_SUITE === '1';
export const haveSharedData = existsSync(sharedXetra);
/** The trimmed real sample shipped with the repo (40 ISINs). */
export const sampleXetra = path.join(repoRoot, 'sample', 'xetra');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node dist/cli.js ...args` (with `env`, default this process's); never throws on a non-zero exit, the caller asserts the code. */
export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cliPath, ...args], { cwd: repoRoot, env, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/**
 * Builds dist/ unless its bundles are newer than every src/**\/*.ts, the tsconfigs and the build script.
 * Test files run in parallel workers, so the build is guarded by a lock directory: only one
 * `npm run build` writes dist/ at a time, and a worker that waited re-checks before building again.
 */
export async function ensureBuilt(): Promise<void> {
  if (await distIsFresh()) return;
  const lock = path.join(os.tmpdir(), `xetra-etl-build-${createHash('sha256').update(repoRoot).digest('hex').slice(0, 12)}.lock`);
  await acquire(lock);
  try {
    if (await distIsFresh()) return;
    await run('npm', ['run', 'build'], { cwd: repoRoot, maxBuffer: 16 << 20 });
    if (!(await distIsFresh())) throw new Error('npm run build finished but dist/ is still older than src/');
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

const BUNDLES = ['dist/cli.js', 'dist/fold-worker.cjs', 'dist/s3-store.cjs', 'dist/s3-store.cjs.v8-cache'];

async function distIsFresh(): Promise<boolean> {
  if (!BUNDLES.every((file) => existsSync(path.join(repoRoot, file)))) return false;
  const inputs = [...['tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs', 'scripts/warm-s3-code.ts'].map((f) => path.join(repoRoot, f)), ...(await listTs(path.join(repoRoot, 'src')))];
  const newestInput = Math.max(...inputs.map((f) => statSync(f).mtimeMs));
  return BUNDLES.every((file) => statSync(path.join(repoRoot, file)).mtimeMs >= newestInput);
}

async function listTs(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listTs(full)));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

async function acquire(lock: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await mkdir(lock);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock older than two minutes belongs to a build that died: take it over.
      const age = Date.now() - ((await stat(lock).catch(() => undefined))?.mtimeMs ?? Date.now());
      if (age > 120_000) await rm(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lock}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

export interface JobConfig {
  /** The source bucket folder; the config names its parent as the `file:` endpoint and its basename as the bucket. */
  readonly sourceBucketDir: string;
  /** The target bucket folder; created here, since the job requires the bucket to exist. */
  readonly targetBucketDir: string;
  readonly firstExtractDate?: string;
  readonly trgFormat?: 'csv' | 'parquet';
  readonly logLevel?: string;
  /** Last changes to the parsed config, e.g. to break it on purpose. */
  readonly edit?: (config: Record<string, Record<string, unknown>>) => void;
}

/**
 * Writes `<dir>/config.yml`: configs/local.yml with the endpoints (absolute `file:` paths) and the
 * given first date / format / log level replaced, everything else as shipped. Returns its path.
 */
export async function writeJobConfig(dir: string, job: JobConfig): Promise<string> {
  const config = parse(await readFile(path.join(repoRoot, 'configs', 'local.yml'), 'utf8')) as {
    s3: Record<string, unknown>;
    source: Record<string, unknown>;
    target: Record<string, unknown>;
    logging: Record<string, unknown>;
  };
  config.s3.src_endpoint_url = `file:${path.dirname(job.sourceBucketDir)}`;
  config.s3.src_bucket = path.basename(job.sourceBucketDir);
  config.s3.trg_endpoint_url = `file:${path.dirname(job.targetBucketDir)}`;
  config.s3.trg_bucket = path.basename(job.targetBucketDir);
  if (job.firstExtractDate !== undefined) config.source.src_first_extract_date = job.firstExtractDate;
  if (job.trgFormat !== undefined) config.target.trg_format = job.trgFormat;
  if (job.logLevel !== undefined) config.logging.level = job.logLevel;
  job.edit?.(config);
  await mkdir(job.targetBucketDir, { recursive: true });
  const file = path.join(dir, 'config.yml');
  await writeFile(file, stringify(config));
  return file;
}

/** Every file under `dir`, as `/`-separated paths relative to it, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/** Every calendar day from `from` to `to` inclusive, `YYYY-MM-DD`. */
export function dayRange(from: string, to: string): string[] {
  const DAY = 86_400_000;
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** The day before `date` (`YYYY-MM-DD`). */
export function dayBefore(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}
