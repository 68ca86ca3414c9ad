// The run lock, with real processes: a second run against the same target while the first holds
// the lock exits at once with a clear message and changes nothing; stale locks are taken over;
// --force-unlock removes a lock. Both backends: a `file:` folder and S3 (If-None-Match: *).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/logger.js';
import { LockHeldError, RunLock } from '../../src/common/run-lock.js';
import { openObjectStore } from '../../src/storage/open-store.js';
import { cliPath, ensureBuilt, listFiles, repoRoot, runCli } from '../support/run-cli.js';
import { LOCK_KEY, SECRET_ENV, TODAY, objectText, reports, seedSampleSource, seedTarget, snapshot, startRig, writeRigConfig, type Rig } from '../support/s3-job.js';
import { makeWorkspace, type Workspace } from '../support/workspace.js';

let rig: Rig;
beforeAll(async () => {
  await ensureBuilt();
  rig = await startRig();
  await seedSampleSource(rig.client, 'lock-src');
});
afterAll(() => rig.stop());

const LOCK_MESSAGE = /^xetra-etl: error: another run holds the lock (\S+)\/meta\/report1\/xetra_report1_meta_file\.csv\.lock \(taken by pid (\d+) on \S+ at \S+, \d+ min ago\); this run stops and changes nothing\. If no run is active, wait until the lock is (\d+) min old \(lock\.stale_after_minutes\) or rerun with --force-unlock$/m;

async function sampleWorkspace(edit?: (config: Record<string, Record<string, unknown>>) => void): Promise<Workspace> {
  const files: Record<string, Uint8Array> = {};
  for (const hour of ['08', '09', '10']) {
    const name = `2017-07-25_BINS_XETR${hour}.csv`;
    files[`2017-07-25/${name}`] = await readFile(path.join(repoRoot, 'sample/xetra/2017-07-25', name));
  }
  return makeWorkspace({ files, edit: (c) => {
    Object.assign(c.source ?? {}, { src_first_extract_date: '2017-07-25' });
    Object.assign(c.logging ?? {}, { level: 'info', format: 'json' });
    edit?.(c);
  } });
}

/** Starts the CLI and resolves once it has logged `marker` (it then holds the lock), with its exit code promise. */
function startHolding(args: string[], marker: string, env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess; exit: Promise<number | null>; stdout: () => string }> {
  const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes(marker)) resolve({ child, exit, stdout: () => stdout });
    });
    void exit.then((code) => { reject(new Error(`exited ${String(code)} before '${marker}': ${stderr}`)); });
  });
}

describe('run lock on a file: target, two real processes', () => {
  it('a second run while the first holds the lock exits 1 at once, names the holder, and changes nothing', async () => {
    const ws = await sampleWorkspace();
    // The first run logs "job started" right after taking the lock; SIGSTOP freezes it there.
    const first = await startHolding([ws.configPath, '--today', '2017-07-25'], 'Xetra ETL job started');
    first.child.kill('SIGSTOP');
    try {
      const before = await ws.targetKeys();
      expect(before).toEqual(['meta/report1/xetra_report1_meta_file.csv.lock']);
      const started = Date.now();
      const second = await runCli([ws.configPath, '--today', '2017-07-25']);
      expect(second.code).toBe(1);
      const match = LOCK_MESSAGE.exec(second.stderr);
      expect(match?.[2]).toBe(String(first.child.pid));
      expect(match?.[3]).toBe('360');
      expect(second.stdout).toBe('');
      expect(await ws.targetKeys()).toEqual(before);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      first.child.kill('SIGCONT');
    }
    expect(await first.exit).toBe(0);
    expect(first.stdout()).toContain('dates processed: 2017-07-25 .. 2017-07-25 (1)');
    const keys = await ws.targetKeys();
    expect(keys.filter((k) => k.startsWith('report1/'))).toHaveLength(1);
    expect(keys).not.toContain('meta/report1/xetra_report1_meta_file.csv.lock');
  });

  it('takes over a lock older than lock.stale_after_minutes, with a warning', async () => {
    const ws = await sampleWorkspace((c) => (c.lock = { stale_after_minutes: 60 }));
    await mkdir(path.join(ws.trgDir, 'meta/report1'), { recursive: true });
    const stale = { owner: 'dead-run', host: 'old-pod', pid: 4242, started: new Date(Date.now() - 2 * 3_600_000).toISOString() };
    await writeFile(path.join(ws.trgDir, LOCK_KEY), JSON.stringify(stale));
    const result = await runCli([ws.configPath, '--today', '2017-07-25']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/taking over the stale lock file:\S+\/meta\/report1\/xetra_report1_meta_file\.csv\.lock \(taken by pid 4242 on old-pod at \S+, 120 min ago\); its run is presumed dead/);
    expect(await ws.targetKeys()).not.toContain(LOCK_KEY);
  });

  it('refuses a lock younger than lock.stale_after_minutes, and --force-unlock removes it', async () => {
    const ws = await sampleWorkspace((c) => (c.lock = { stale_after_minutes: 60 }));
    await mkdir(path.join(ws.trgDir, 'meta/report1'), { recursive: true });
    const fresh = { owner: 'live-run', host: 'other-pod', pid: 4343, started: new Date(Date.now() - 10 * 60_000).toISOString() };
    await writeFile(path.join(ws.trgDir, LOCK_KEY), JSON.stringify(fresh));
    const refused = await runCli([ws.configPath, '--today', '2017-07-25']);
    expect(refused.code).toBe(1);
    expect(LOCK_MESSAGE.exec(refused.stderr)?.slice(2)).toEqual(['4343', '60']);
    expect(await listFiles(ws.trgDir)).toEqual([LOCK_KEY]);

    const forced = await runCli([ws.configPath, '--today', '2017-07-25', '--force-unlock']);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(/--force-unlock: removing the lock file:\S+\.lock \(taken by pid 4343 on other-pod at \S+, 10 min ago\)/);
    expect(await ws.targetKeys()).not.toContain(LOCK_KEY);
    expect((await ws.targetKeys()).filter((k) => k.startsWith('report1/'))).toHaveLength(1);
  });

  it('an unreadable lock is never presumed stale: the message says so and --force-unlock is the way out', async () => {
    const ws = await sampleWorkspace((c) => (c.lock = { stale_after_minutes: 1 }));
    await mkdir(path.join(ws.trgDir, 'meta/report1'), { recursive: true });
    await writeFile(path.join(ws.trgDir, LOCK_KEY), 'garbage');
    const refused = await runCli([ws.configPath, '--today', '2017-07-25']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/another run holds the lock \S+\.lock \(its content is unreadable\); this run stops and changes nothing/);
  });
});

describe('run lock on S3 (If-None-Match: *), two real processes', () => {
  it('the second run gets 412 on the lock and exits 1; the first, held at its first source read, then finishes alone', async () => {
    await seedTarget(rig.client, 'lock-trg');
    const config = await writeRigConfig({ endpoint: rig.proxy.endpoint, src: 'lock-src', trg: 'lock-trg', logging: { level: 'info' } });
    rig.proxy.reset();
    rig.proxy.addFault({ match: (r) => r.operation === 'GetObject' && r.key.startsWith('2017-07-25/'), fault: 'hold' });
    const first = startHolding([config, '--today', TODAY], 'Xetra ETL job started', SECRET_ENV);
    await rig.proxy.waitFor((r) => r.operation === 'GetObject' && r.key.startsWith('2017-07-25/'));
    const holder = await first;
    const lock = JSON.parse(await objectText(rig.client, 'lock-trg', LOCK_KEY)) as { pid: number };
    expect(lock.pid).toBe(holder.child.pid);
    const before = await snapshot(rig.client, 'lock-trg');

    const second = await runCli([config, '--today', TODAY], SECRET_ENV);
    expect(second.code).toBe(1);
    expect(LOCK_MESSAGE.exec(second.stderr)?.[2]).toBe(String(holder.child.pid));
    const lockPuts = rig.proxy.requests.filter((r) => r.key === LOCK_KEY && r.operation === 'PutObject');
    expect(lockPuts.map((r) => r.ifNoneMatch)).toEqual(['*', '*']);
    expect(await snapshot(rig.client, 'lock-trg')).toEqual(before);

    rig.proxy.releaseHeld();
    expect(await holder.exit).toBe(0);
    expect(await reports(rig.client, 'lock-trg')).toHaveLength(1);
    expect(Object.keys(await snapshot(rig.client, 'lock-trg'))).not.toContain(LOCK_KEY);
  });
});

describe('the lock primitive under contention', () => {
  for (const backend of ['file', 's3'] as const) {
    it(`${backend}: ten simultaneous acquirers, exactly one wins`, async () => {
      let store;
      if (backend === 's3') {
        const bucket = 'lock-race';
        await seedTarget(rig.client, bucket);
        store = await openObjectStore(rig.server.endpoint, bucket, { baseDir: '/', accessKeyEnv: 'K', secretKeyEnv: 'S', env: { K: 'k', S: 's' } });
      } else {
        const ws = await makeWorkspace();
        store = await openObjectStore(`file:${path.dirname(ws.trgDir)}`, path.basename(ws.trgDir), { baseDir: '/' });
      }
      const results = await Promise.allSettled(Array.from({ length: 10 }, () => RunLock.acquire(store, LOCK_KEY, { staleAfterMs: 60_000, force: false, logger: silentLogger })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(losers).toHaveLength(9);
      for (const loser of losers) expect(loser.reason).toBeInstanceOf(LockHeldError);
    });
  }

  it('S3: a lock created by hand with a plain PutObject is honoured too', async () => {
    await seedTarget(rig.client, 'lock-manual');
    const started = new Date().toISOString();
    await rig.client.send(new PutObjectCommand({ Bucket: 'lock-manual', Key: LOCK_KEY, Body: JSON.stringify({ owner: 'x', host: 'h', pid: 1, started }) }));
    const store = await openObjectStore(rig.server.endpoint, 'lock-manual', { baseDir: '/', accessKeyEnv: 'K', secretKeyEnv: 'S', env: { K: 'k', S: 's' } });
    await expect(RunLock.acquire(store, LOCK_KEY, { staleAfterMs: 60_000, force: false, logger: silentLogger })).rejects.toThrow(/another run holds the lock .* \(taken by pid 1 on h at /);
  });
});
