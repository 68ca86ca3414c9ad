/** Runs one command from outside and measures it: wall time around the process, peak RSS from GNU time. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface Sample {
  readonly seconds: number;
  readonly peakMiB: number;
  /** The command's CPU time, user and system, all its threads (GNU time). */
  readonly cpuSeconds: number;
  /** This process's CPU time meanwhile: the loopback S3 server's work, for a run that reads from it. */
  readonly hostCpuSeconds: number;
  /** The share of the machine's CPU time that the hypervisor gave to other guests meanwhile ("steal"); NaN where unknown. */
  readonly stolen: number;
  /** The last 64 KiB of the command's standard output. */
  readonly stdout: string;
}

let counter = 0;

/**
 * Spawns `command` under `/usr/bin/time -f '%M %U %S'` (its maximum resident set in KiB, its CPU seconds) and times it with the monotonic
 * clock. Asynchronous, so a server in this process (the loopback S3) keeps serving. Throws with the child's stderr
 * when it exits non-zero.
 */
export async function measure(command: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Sample> {
  const timeFile = path.join(tmpdir(), `xetra-bench-time-${process.pid}-${counter++}`);
  const host = process.cpuUsage();
  const ticks = cpuTicks();
  const child = spawn('/usr/bin/time', ['-o', timeFile, '-f', '%M %U %S', ...command], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const started = process.hrtime.bigint();
  let [stdout, stderr] = ['', ''];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout = (stdout + chunk).slice(-65536)));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const code = await new Promise<number | null>((resolve, reject) => child.on('error', reject).on('close', resolve));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const { user, system } = process.cpuUsage(host);
  const stolen = stolenShare(ticks, cpuTicks());
  const [kib = NaN, userSeconds = NaN, systemSeconds = NaN] = ((await readFile(timeFile, 'utf8').catch(() => '')).trim().split('\n').at(-1) ?? '').split(' ').map(Number);
  await rm(timeFile, { force: true });
  if (code !== 0) throw new Error(`${command.join(' ')} exited ${code}: ${stderr.trim()}`);
  return { seconds, peakMiB: kib / 1024, cpuSeconds: userSeconds + systemSeconds, hostCpuSeconds: (user + system) / 1e6, stolen, stdout };
}

/** The machine's CPU time so far, in clock ticks: all of it, and the part stolen (`/proc/stat`, Linux only). */
function cpuTicks(): { total: number; steal: number } | undefined {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
    return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7] ?? NaN };
  } catch {
    return undefined;
  }
}

function stolenShare(before: ReturnType<typeof cpuTicks>, after: ReturnType<typeof cpuTicks>): number {
  if (!before || !after || after.total <= before.total) return NaN;
  return (after.steal - before.steal) / (after.total - before.total);
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}
