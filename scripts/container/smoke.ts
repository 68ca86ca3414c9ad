// Runs the built image as a user (or the Argo pod) would and checks what it did, against a real S3-compatible
// server on 127.0.0.1 (fauxqs, tests/support/s3-server.ts) seeded with the sample data. The container uses the
// host network, a read-only root file system, the config mounted read-only at /config and the credentials from
// the environment, as in argo/cronwf-xetra-etl.yaml.
//
//   npx tsx scripts/container/smoke.ts IMAGE [--measure DATA_DIR --first YYYY-MM-DD --today YYYY-MM-DD [--workers N|auto]]
//
// A small HTTP proxy sits between the container and the server so a check can slow source reads or the report
// upload down, to stop the job with SIGTERM at a known point. Called by scripts/container/ci.sh
// with podman configured (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF). Exits 1 if any check fails.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parse, stringify } from 'yaml';
import { readParquet } from '../../tests/support/parquet.js';
import { ensureBuilt, listFiles, repoRoot, runCli, sampleXetra, sharedXetra, writeJobConfig } from '../../tests/support/run-cli.js';
import { createBucket, getObjectBytes, listAllKeys, startS3Server, uploadFolder, type S3TestServer } from '../../tests/support/s3-server.js';

const META_KEY = 'meta/report1/xetra_report1_meta_file.csv';
const REPORT_PREFIX = 'report1/';
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'smoke-access-key-id', AWS_SECRET_ACCESS_KEY: 'smoke-secret-never-printed' };
const CRON_WORKFLOW = path.join(repoRoot, 'argo', 'cronwf-xetra-etl.yaml');

// ---------------------------------------------------------------------------------------------- podman

interface Exit {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function podman(args: readonly string[]): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn('podman', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({ code: code ?? 128 + (signal === null ? 0 : os.constants.signals[signal]), stdout, stderr });
    });
  });
}

async function podmanOk(args: readonly string[]): Promise<string> {
  const result = await podman(args);
  if (result.code !== 0) throw new Error(`podman ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout.trim();
}

let containerSeq = 0;
const started = new Set<string>();

interface RunOptions {
  /** Folder mounted read-only at /config; none: no config mounted. */
  readonly configDir?: string;
  /** Arguments after the image; none: the image's CMD. */
  readonly args?: readonly string[];
  /** Extra `podman run` flags (resource limits). */
  readonly flags?: readonly string[];
}

/** `podman run` as the CronWorkflow runs the pod: read-only root fs, only /tmp writable, host network for 127.0.0.1. */
function runImage(image: string, tmpDir: string, options: RunOptions): { name: string; done: Promise<Exit> } {
  const name = `xetra-smoke-${process.pid}-${++containerSeq}`;
  started.add(name);
  const mounts = options.configDir === undefined ? [] : ['-v', `${options.configDir}:/config:ro`];
  const env = Object.entries(CREDENTIALS).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
  const done = podman([
    'run', '--rm', '--name', name, '--network', 'host', '--pull', 'never',
    '--read-only', '--read-only-tmpfs=false', '-v', `${tmpDir}:/tmp:rw`,
    ...mounts, ...env, ...(options.flags ?? []),
    image, ...(options.args ?? []),
  ]).finally(() => started.delete(name));
  return { name, done };
}

/** The container's main process as the host sees it (same pid namespace for /proc reads). */
async function containerPid(name: string): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const result = await podman(['inspect', '--format', '{{.State.Pid}}', name]);
    const pid = Number(result.stdout.trim());
    if (result.code === 0 && pid > 0) return pid;
    await sleep(50);
  }
  throw new Error(`container ${name} never got a pid`);
}

async function procStatus(pid: number): Promise<Record<string, string>> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  return Object.fromEntries(text.split('\n').filter(Boolean).map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]));
}

// ---------------------------------------------------------------------------------------------- proxy

interface Seen {
  readonly method: string;
  readonly url: string;
  status?: number;
}

/** What the proxy does with one request: pass it on after `delayMs` (default: at once). */
type Rule = (req: http.IncomingMessage) => { delayMs: number } | undefined;

interface Proxy {
  readonly endpoint: string;
  readonly seen: Seen[];
  rule: Rule | undefined;
  close(): Promise<void>;
}

async function startProxy(upstream: string): Promise<Proxy> {
  const target = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true });
  const proxy: Proxy = {
    endpoint: '',
    seen: [],
    rule: undefined,
    close: () => Promise.resolve(),
  };
  const server = http.createServer((req, res) => {
    const entry: Seen = { method: req.method ?? '', url: req.url ?? '' };
    proxy.seen.push(entry);
    const rule = proxy.rule?.(req);
    const forward = (): void => {
      const up = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
        (upRes) => {
          entry.status = upRes.statusCode;
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    };
    if (rule) {
      // A client that gives up during the delay never reaches the server, as with a request cut off mid-body.
      let gone = false;
      res.on('close', () => (gone = true));
      setTimeout(() => {
        if (!gone) forward();
      }, rule.delayMs);
    } else forward();
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(proxy, {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      agent.destroy();
    },
  });
}

// ---------------------------------------------------------------------------------------------- checks

const results: { name: string; ok: boolean; detail: string }[] = [];

async function check(name: string, body: () => Promise<string | undefined>): Promise<void> {
  const t0 = performance.now();
  try {
    const detail = (await body()) ?? '';
    results.push({ name, ok: true, detail: `${detail}${detail ? ', ' : ''}${((performance.now() - t0) / 1000).toFixed(1)} s` });
    console.log(`  ok    ${name}${detail ? `: ${detail}` : ''}`);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    results.push({ name, ok: false, detail });
    console.log(`  FAIL  ${name}: ${detail}`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until(what: string, timeoutMs: number, test: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** configs/prod.yml as shipped, pointed at the loopback server; `edit` changes it further. */
async function writeConfig(dir: string, endpoint: string, src: string, trg: string, firstDate: string, edit?: (c: Record<string, Record<string, unknown>>) => void): Promise<string> {
  const config = parse(await readFile(path.join(repoRoot, 'configs', 'prod.yml'), 'utf8')) as Record<string, Record<string, unknown>>;
  Object.assign(config.s3 ?? {}, { src_endpoint_url: endpoint, src_bucket: src, trg_endpoint_url: endpoint, trg_bucket: trg });
  Object.assign(config.source ?? {}, { src_first_extract_date: firstDate });
  edit?.(config);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await chmod(dir, 0o755); // the container's uid 1000 must read it
  await writeFile(path.join(dir, 'prod.yml'), stringify(config), { mode: 0o644 });
  return dir;
}

async function metaText(s3: S3TestServer, bucket: string): Promise<string> {
  return Buffer.from(await getObjectBytes(s3.client, bucket, META_KEY)).toString('utf8');
}

async function reportKeys(s3: S3TestServer, bucket: string): Promise<string[]> {
  return listAllKeys(s3.client, bucket, REPORT_PREFIX);
}

function assertNoSecret(exit: Exit): void {
  for (const secret of Object.values(CREDENTIALS)) assert.ok(!(exit.stdout + exit.stderr).includes(secret), 'a credential value reached the output');
}

function describeExit(exit: Exit): string {
  return `exit ${exit.code}; stderr: ${exit.stderr.trim().split('\n').slice(-3).join(' | ')}`;
}

/** Kubernetes memory quantity (Mi/Gi) in MiB. */
function mebibytes(quantity: string | undefined): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity ?? '');
  if (!match) throw new Error(`cannot read the memory quantity '${quantity ?? ''}' in ${CRON_WORKFLOW}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

/** The CronWorkflow's container resources; `flags` applies its limits to `podman run`, so the runs here fit what the cluster grants. */
async function manifestResources(): Promise<{ flags: string[]; requestMiB: number; limitMiB: number; text: string }> {
  type Resources = { limits?: Record<string, string>; requests?: Record<string, string> };
  const cron = parse(await readFile(CRON_WORKFLOW, 'utf8')) as { spec: { workflowSpec: { templates: { container?: { resources?: Resources } }[] } } };
  const resources = cron.spec.workflowSpec.templates.find((t) => t.container)?.container?.resources ?? {};
  const limitMiB = mebibytes(resources.limits?.memory);
  const requestMiB = mebibytes(resources.requests?.memory);
  const flags = ['--memory', `${limitMiB}m`, '--memory-swap', `${limitMiB}m`];
  const cpu = resources.limits?.cpu;
  if (cpu !== undefined) flags.push('--cpus', String(cpu.endsWith('m') ? Number(cpu.slice(0, -1)) / 1000 : Number(cpu)));
  return { flags, requestMiB, limitMiB, text: `limits memory ${limitMiB}Mi${cpu ? `, cpu ${cpu}` : ''}; requests memory ${requestMiB}Mi` };
}

interface Measured {
  readonly exit: Exit;
  readonly objects: number;
  readonly wallSeconds: number;
  readonly peakMiB: number;
  readonly cpuSeconds: number;
}

/**
 * One run over a data folder (uploaded to a fresh source bucket) under the manifest's limits, sampling the
 * container's node process from the host every 25 ms: peak RSS (VmHWM) and CPU time (utime + stime).
 */
async function measuredRun(image: string, s3: S3TestServer, proxy: Proxy, work: string, tmpVolume: string, dataDir: string, first: string, today: string, flags: readonly string[], edit?: (c: Record<string, Record<string, unknown>>) => void): Promise<Measured> {
  const tag = `m${++containerSeq}`;
  await createBucket(s3.client, `xetra-src-${tag}`);
  await createBucket(s3.client, `xetra-trg-${tag}`);
  const keys = await uploadFolder(s3.client, `xetra-src-${tag}`, dataDir);
  const dir = await writeConfig(path.join(work, tag), proxy.endpoint, `xetra-src-${tag}`, `xetra-trg-${tag}`, first, edit);
  const clockTicks = 100; // USER_HZ on Linux
  const t0 = performance.now();
  const run = runImage(image, tmpVolume, { configDir: dir, args: ['--config', '/config/prod.yml', '--today', today], flags });
  const state = { finished: false };
  const done = run.done.finally(() => (state.finished = true));
  const pid = await containerPid(run.name);
  let peakKiB = 0;
  let cpuTicks = 0;
  while (!state.finished) {
    try {
      const status = await procStatus(pid);
      peakKiB = Math.max(peakKiB, parseInt(status.VmHWM ?? '0', 10));
      const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
      cpuTicks = Number(stat[11]) + Number(stat[12]);
    } catch {
      break; // exited between two samples
    }
    await sleep(25);
  }
  const exit = await done;
  return { exit, objects: keys.length, wallSeconds: (performance.now() - t0) / 1000, peakMiB: peakKiB / 1024, cpuSeconds: cpuTicks / clockTicks };
}

function describeMeasured(m: Measured): string {
  return `wall ${m.wallSeconds.toFixed(2)} s (container start included), peak RSS ${m.peakMiB.toFixed(0)} MiB, CPU ${m.cpuSeconds.toFixed(2)} s`;
}

// ---------------------------------------------------------------------------------------------- main

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { measure: { type: 'string' }, today: { type: 'string' }, first: { type: 'string' }, workers: { type: 'string' } },
  });
  const image = positionals[0];
  if (!image) throw new Error('usage: smoke.ts IMAGE [--measure DATA_DIR --first YYYY-MM-DD --today YYYY-MM-DD]');
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

  const work = await mkdtemp(path.join(os.tmpdir(), 'xetra-smoke-'));
  const tmpVolume = path.join(work, 'tmp-volume');
  await mkdir(tmpVolume, { mode: 0o1777 });
  await chmod(tmpVolume, 0o1777);
  await chmod(work, 0o755);
  const s3 = await startS3Server();
  const proxy = await startProxy(s3.endpoint);
  try {
    if (values.measure !== undefined) return await measure(image, s3, proxy, work, tmpVolume, values.measure, values.first ?? '', values.today ?? '', values.workers);
    await smoke(image, s3, proxy, work, tmpVolume);
  } finally {
    for (const name of started) await podman(['rm', '--force', '--time', '0', name]);
    await proxy.close();
    await s3.stop();
    await rm(work, { recursive: true, force: true });
  }
  const failed = results.filter((r) => !r.ok).length;
  console.log(`container-smoke: ${results.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

async function smoke(image: string, s3: S3TestServer, proxy: Proxy, work: string, tmpVolume: string): Promise<void> {
  const limits = await manifestResources();
  await createBucket(s3.client, 'xetra-src');
  const sourceKeys = await uploadFolder(s3.client, 'xetra-src', sampleXetra);
  const isSourceGet = (req: http.IncomingMessage): boolean => req.method === 'GET' && (req.url ?? '').startsWith('/xetra-src/20');
  console.log(`container smoke: ${image}, S3 server ${s3.endpoint} (via proxy ${proxy.endpoint}), ${sourceKeys.length} sample objects, limits ${limits.text}`);

  await check('image config: user node, exec-form ENTRYPOINT/CMD, NODE_ENV=production, WORKDIR /app', async () => {
    const config = JSON.parse(await podmanOk(['image', 'inspect', '--format', '{{json .Config}}', image])) as { User?: string; Entrypoint?: string[]; Cmd?: string[]; Env?: string[]; WorkingDir?: string };
    assert.equal(config.User, 'node');
    assert.deepEqual(config.Entrypoint, ['node', 'dist/cli.js']);
    assert.deepEqual(config.Cmd, ['--config', '/config/prod.yml']);
    assert.ok(config.Env?.includes('NODE_ENV=production'), `Env: ${JSON.stringify(config.Env)}`);
    assert.equal(config.WorkingDir, '/app');
    const size = Number(await podmanOk(['image', 'inspect', '--format', '{{.Size}}', image]));
    return `${(size / 1e6).toFixed(0)} MB`;
  });

  await check('the default config in the image is configs/prod.yml', async () => {
    const exit = await podman(['run', '--rm', '--network', 'none', '--read-only', '--entrypoint', 'cat', image, '/config/prod.yml']);
    assert.equal(exit.code, 0, exit.stderr);
    assert.ok(exit.stdout === (await readFile(path.join(repoRoot, 'configs', 'prod.yml'), 'utf8')), "/config/prod.yml in the image differs from configs/prod.yml (an image built from another version?)");
    return undefined;
  });

  await check('no dev dependency and no source in the image', async () => {
    const lock = JSON.parse(await readFile(path.join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; devOptional?: boolean }> };
    const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { devDependencies: Record<string, string>; dependencies: Record<string, string> };
    const devOnly = new Set(Object.entries(lock.packages).filter(([key, p]) => key !== '' && p.dev === true).map(([key]) => key));
    // Every installed package (nested too) as its lock-file path, listed by the image's own node.
    const script = `
      const fs = require('fs'), path = require('path'), out = [];
      const walk = (dir, rel) => { for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (!e.isDirectory() || e.name === '.bin') continue;
        if (e.name.startsWith('@')) { walk(path.join(dir, e.name), rel + e.name + '/'); continue; }
        const p = path.join(dir, e.name); out.push(rel + e.name);
        if (fs.existsSync(path.join(p, 'node_modules'))) walk(path.join(p, 'node_modules'), rel + e.name + '/node_modules/');
      } };
      walk('/app/node_modules', 'node_modules/');
      console.log(JSON.stringify({ installed: out, app: fs.readdirSync('/app').sort() }));`;
    const exit = await podman(['run', '--rm', '--network', 'none', '--read-only', '--entrypoint', 'node', image, '-e', script]);
    assert.equal(exit.code, 0, exit.stderr);
    const { installed, app } = JSON.parse(exit.stdout) as { installed: string[]; app: string[] };
    const leaked = installed.filter((p) => devOnly.has(p) || Object.hasOwn(pkg.devDependencies, p.replace(/^node_modules\//, '')));
    assert.deepEqual(leaked, [], `dev-only packages in the image: ${leaked.join(', ')}`);
    for (const dep of Object.keys(pkg.dependencies)) assert.ok(installed.includes(`node_modules/${dep}`), `runtime dependency ${dep} missing`);
    assert.deepEqual(app, ['dist', 'node_modules', 'package-lock.json', 'package.json']);
    const ts = await podman(['run', '--rm', '--network', 'none', '--read-only', '--entrypoint', 'find', image, '/app', '/config', '-name', '*.ts', '!', '-name', '*.d.ts', '!', '-path', '*/node_modules/*']);
    assert.equal(ts.stdout.trim(), '', `TypeScript sources in the image: ${ts.stdout}`);
    return `${installed.length} packages installed, none of the lock file's ${devOnly.size} dev-only ones; /app holds ${app.join(' ')}`;
  });

  // --- the weekly run on the sample, as the CronWorkflow runs it (CMD args plus a pinned --today)
  const happyConfig = await writeConfig(path.join(work, 'happy'), proxy.endpoint, 'xetra-src', 'xetra-trg', '2017-07-24');
  await createBucket(s3.client, 'xetra-trg');
  let firstMeta = '';
  await check('run on the sample: report and meta file land in the target bucket', async () => {
    const t0 = performance.now();
    const exit = await runImage(image, tmpVolume, { configDir: happyConfig, args: ['--config', '/config/prod.yml', '--today', '2017-07-28'], flags: limits.flags }).done;
    const seconds = (performance.now() - t0) / 1000;
    assert.equal(exit.code, 0, describeExit(exit));
    assertNoSecret(exit);
    const keys = await reportKeys(s3, 'xetra-trg');
    assert.equal(keys.length, 1, `report objects: ${JSON.stringify(keys)}`);
    const key = keys[0] ?? '';
    assert.match(key, /^report1\/xetra_daily_report1_\d{8}_\d{6}\.parquet$/);
    assert.ok(exit.stdout.includes(`report written to ${proxy.endpoint}/xetra-trg/${key}`), exit.stdout);
    assert.match(exit.stdout, /report rows: +144$/m);
    // The report, cell for cell, equals the one the tested build (dist/, Node on the host) makes from the same files.
    const report = await readParquet(await getObjectBytes(s3.client, 'xetra-trg', key));
    assert.equal(report.rows.length, 144);
    assert.deepEqual([...new Set(report.rows.map((r) => r.Date))].sort(), ['2017-07-24', '2017-07-25', '2017-07-26', '2017-07-27', '2017-07-28']);
    const reference = await hostReport(work);
    assert.deepEqual(report.rows, reference, 'the container report differs from the host build on the same sample');
    // Nothing else is left in the bucket: no run lock, no journal, no temporary object.
    assert.deepEqual(await listAllKeys(s3.client, 'xetra-trg'), [META_KEY, key].sort());
    firstMeta = await metaText(s3, 'xetra-trg');
    const lines = firstMeta.trimEnd().split('\n');
    assert.equal(lines[0], 'source_date,datetime_of_processing');
    assert.deepEqual(lines.slice(1).map((l) => l.split(',')[0]), ['2017-07-24', '2017-07-25', '2017-07-26', '2017-07-27', '2017-07-28']);
    for (const line of lines.slice(1)) assert.match(line, /^\d{4}-\d{2}-\d{2},\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    // Logs: JSON lines at info on stderr, so `argo logs` shows them (the original's pods showed none).
    const logs = exit.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg?: string; level?: number });
    assert.ok(logs.some((l) => l.msg === 'Xetra ETL job started'), `no start log line in: ${exit.stderr.slice(0, 300)}`);
    assert.ok(logs.some((l) => l.msg === 'Xetra meta file successfully updated.'), 'no meta log line');
    const written = await listFiles(tmpVolume);
    assert.deepEqual(written, [], `the job wrote to /tmp: ${written.join(', ')}`);
    return `${report.rows.length} rows = host build, meta 2017-07-24..28, ${logs.length} JSON log lines, nothing written to /tmp, ${seconds.toFixed(1)} s`;
  });

  // The image's build wrote the cache with the image's own Node (src/common/code-cache.ts): a run must take it.
  await check('the S3 code runs from the V8 code cache the image was built with', async () => {
    const debug = (c: Record<string, Record<string, unknown>>): void => {
      c.logging = { ...c.logging, level: 'debug' };
    };
    const dir = await writeConfig(path.join(work, 'code-cache'), proxy.endpoint, 'xetra-src', 'xetra-trg-code-cache', '2017-07-28', debug);
    await createBucket(s3.client, 'xetra-trg-code-cache');
    const exit = await runImage(image, tmpVolume, { configDir: dir, args: ['--config', '/config/prod.yml', '--today', '2017-07-28'], flags: limits.flags }).done;
    assert.equal(exit.code, 0, describeExit(exit));
    const loads = exit.stderr.split('\n').filter((l) => l.includes('"S3 code loaded"')).map((l) => JSON.parse(l) as { codeCache?: string; ms?: number });
    assert.deepEqual(loads.map((l) => l.codeCache), ['accepted'], exit.stderr.slice(0, 500));
    return `accepted, the S3 code loaded in ${loads[0]?.ms ?? '?'} ms`;
  });

  await check('rerun: nothing new, meta file unchanged', async () => {
    const exit = await runImage(image, tmpVolume, { configDir: happyConfig, args: ['--config', '/config/prod.yml', '--today', '2017-07-28'] }).done;
    assert.equal(exit.code, 0, describeExit(exit));
    assert.match(exit.stdout, /dates processed: none/);
    assert.equal(await metaText(s3, 'xetra-trg'), firstMeta);
    assert.equal((await reportKeys(s3, 'xetra-trg')).length, 1);
    return undefined;
  });

  await check('bad config: exit 2 and one clear line naming the file and the key', async () => {
    const dir = await writeConfig(path.join(work, 'bad'), proxy.endpoint, 'xetra-src', 'xetra-trg', '2017-07-24', (c) => {
      const s3Section = c.s3 ?? {};
      s3Section.src_bukcet = s3Section.src_bucket;
      delete s3Section.src_bucket;
    });
    const exit = await runImage(image, tmpVolume, { configDir: dir }).done; // the image's CMD: --config /config/prod.yml
    assert.equal(exit.code, 2, describeExit(exit));
    assert.match(exit.stderr, /^xetra-etl: error: \/config\/prod\.yml: invalid config: .*'src_bukcet'/m);
    assert.doesNotMatch(exit.stderr, /^\s+at /m, 'a stack trace was printed');
    // A ConfigMap without the key prod.yml: the mounted folder hides the image's default config.
    const empty = path.join(work, 'empty-config');
    await mkdir(empty, { mode: 0o755 });
    const missing = await runImage(image, tmpVolume, { configDir: empty }).done;
    assert.equal(missing.code, 2, describeExit(missing));
    assert.match(missing.stderr, /^xetra-etl: error: \/config\/prod\.yml: cannot read the config file \(ENOENT\)$/m);
    return exit.stderr.trim().split('\n')[0];
  });

  // --- SIGTERM: a target bucket whose meta file already has 2017-07-24 and 25, so the run has work to do
  const seededMeta = firstMeta.trimEnd().split('\n').slice(0, 3).join('\n') + '\n';
  const sigtermRun = async (bucket: string, rule: Rule, ready: () => boolean, waitingFor: string): Promise<{ exit: Exit; stopSeconds: number; uid: string }> => {
    await createBucket(s3.client, bucket);
    await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: META_KEY, Body: seededMeta }));
    const dir = await writeConfig(path.join(work, bucket), proxy.endpoint, 'xetra-src', bucket, '2017-07-24');
    proxy.rule = rule;
    try {
      const run = runImage(image, tmpVolume, { configDir: dir, args: ['--config', '/config/prod.yml', '--today', '2017-07-28'], flags: limits.flags });
      const pid = await containerPid(run.name);
      const status = await procStatus(pid);
      await until(waitingFor, 30_000, ready);
      const t0 = performance.now();
      await podmanOk(['kill', '--signal', 'TERM', run.name]);
      const exit = await run.done;
      return { exit, stopSeconds: (performance.now() - t0) / 1000, uid: status.Uid ?? '' };
    } finally {
      proxy.rule = undefined;
    }
  };

  await check('SIGTERM while extracting: exit 143, no report, meta file untouched; ran as uid 1000', async () => {
    // 150 ms per source object: the run would take ~20 s; stop it after 20 objects.
    const before = proxy.seen.length;
    const sourceGets = (): number => proxy.seen.slice(before).filter((s) => s.method === 'GET' && s.url.startsWith('/xetra-src/20') && s.status === 200).length;
    const { exit, stopSeconds, uid } = await sigtermRun('xetra-trg-sigterm', (req) => (isSourceGet(req) ? { delayMs: 150 } : undefined), () => sourceGets() >= 20, '20 source objects read');
    assert.equal(exit.code, 143, describeExit(exit));
    assert.match(exit.stderr, /stopped by SIGTERM: no report was written and the meta file is unchanged/);
    assert.equal(await metaText(s3, 'xetra-trg-sigterm'), seededMeta, 'the meta file changed');
    // Only the meta file: no report, and no run lock left to block the next run.
    assert.deepEqual(await listAllKeys(s3.client, 'xetra-trg-sigterm'), [META_KEY]);
    assert.ok(stopSeconds < 10, `took ${stopSeconds.toFixed(1)} s to stop (the CLI's 20 s grace fallback?)`);
    // /proc/<pid>/status of the container's node process, seen from the host: real, effective, saved, fs uid.
    assert.equal(uid.split(/\s+/).join(' '), '1000 1000 1000 1000', `Uid: ${uid}`);
    return `stopped ${stopSeconds.toFixed(1)} s after SIGTERM, after ${sourceGets()} of ${sourceKeys.length} objects; Uid ${uid.split(/\s+/).join(' ')}`;
  });

  await check('SIGTERM during the report upload: exit 143 promptly, and report and meta file agree', async () => {
    // The report PUT reaches the server 3 s after it was sent, unless the job drops it first. SIGTERM comes
    // while it is in flight. Either the job abandons the upload (no report, meta unchanged) or it finishes
    // both writes before exiting; a report without its meta rows (or the reverse) is the failure.
    const isReportWrite = (req: http.IncomingMessage): boolean => (req.method === 'PUT' || req.method === 'POST') && (req.url ?? '').includes(`/${REPORT_PREFIX}`);
    const before = proxy.seen.length;
    const uploads = (): Seen[] => proxy.seen.slice(before).filter((s) => (s.method === 'PUT' || s.method === 'POST') && s.url.includes(`/${REPORT_PREFIX}`));
    const { exit, stopSeconds } = await sigtermRun('xetra-trg-upload', (req) => (isReportWrite(req) ? { delayMs: 3000 } : undefined), () => uploads().length > 0, 'the report upload');
    await sleep(3500); // let a PUT the job did not cancel arrive at the server
    const reports = await reportKeys(s3, 'xetra-trg-upload');
    const meta = await metaText(s3, 'xetra-trg-upload');
    assert.equal(exit.code, 143, describeExit(exit));
    const others = (await listAllKeys(s3.client, 'xetra-trg-upload')).filter((k) => k !== META_KEY && !reports.includes(k));
    assert.deepEqual(others, [], 'objects left behind in the target bucket (a run lock or journal would block or confuse the next run)');
    if (reports.length === 0) {
      assert.equal(meta, seededMeta, 'no report, but the meta file changed');
      assert.match(exit.stderr, /stopped by SIGTERM: no report was written and the meta file is unchanged/);
    } else {
      assert.notEqual(meta, seededMeta, `report ${reports.join(', ')} landed after SIGTERM, but the meta file was not updated (the job said: ${exit.stderr.trim().split('\n').at(-1) ?? ''})`);
      assert.match(exit.stderr, /came after the report was written/);
    }
    assert.ok(stopSeconds < 10, `took ${stopSeconds.toFixed(1)} s to stop after SIGTERM (the CLI's 20 s grace fallback: the upload was not cancelled)`);
    return `stopped ${stopSeconds.toFixed(1)} s after SIGTERM; ${reports.length === 0 ? 'no report left, meta unchanged' : 'report and meta both written'}`;
  });

  // --- a real week, under the CronWorkflow's limits: the measured peak must fit its memory request
  if (existsSync(sharedXetra)) {
    await check('a real week (shared/data/xetra, 2017-07-24..28) under the manifest limits, peak RSS within requests.memory', async () => {
      const m = await measuredRun(image, s3, proxy, work, tmpVolume, sharedXetra, '2017-07-24', '2017-07-28', limits.flags);
      assert.equal(m.exit.code, 0, describeExit(m.exit));
      assert.match(m.exit.stdout, /rows read: +331310 /);
      assert.ok(m.peakMiB <= limits.requestMiB, `peak RSS ${m.peakMiB.toFixed(0)} MiB is above requests.memory ${limits.requestMiB}Mi`);
      return `${m.objects} objects, 331,310 rows: ${describeMeasured(m)}`;
    });
  } else {
    console.log(`  skip  real-week run: ${sharedXetra} not found`);
  }
}

/** The report the host's build (dist/cli.js on Node here) makes from the sample with file: endpoints. */
async function hostReport(work: string): Promise<Record<string, unknown>[]> {
  await ensureBuilt();
  const dir = path.join(work, 'host');
  const target = path.join(dir, 'out', 'xetra-target');
  await mkdir(dir, { recursive: true });
  const config = await writeJobConfig(dir, { sourceBucketDir: sampleXetra, targetBucketDir: target });
  const exit = await runCli(['--config', config, '--today', '2017-07-28']);
  if (exit.code !== 0) throw new Error(`host run failed: ${exit.stderr}`);
  const files = (await readdir(path.join(target, 'report1'))).filter((f) => f.endsWith('.parquet'));
  return (await readParquet(new Uint8Array(await readFile(path.join(target, 'report1', files[0] ?? ''))))).rows;
}

/** `--measure`: one run over a data folder under the manifest's limits, printed for sizing the resources. */
async function measure(image: string, s3: S3TestServer, proxy: Proxy, work: string, tmpVolume: string, dataDir: string, first: string, today: string, workers: string | undefined): Promise<number> {
  const resources = await manifestResources();
  const edit = workers === undefined ? undefined : (c: Record<string, Record<string, unknown>>): void => {
    c.performance = { ...c.performance, workers: workers === 'auto' ? 'auto' : Number(workers) };
  };
  const m = await measuredRun(image, s3, proxy, work, tmpVolume, dataDir, first, today, resources.flags, edit);
  console.log(m.exit.stdout.trim());
  console.log(`measure: ${m.objects} objects from ${dataDir}; ${resources.text}`);
  console.log(`measure: exit ${m.exit.code}, ${describeMeasured(m)}`);
  return m.exit.code;
}

process.exitCode = await main();
