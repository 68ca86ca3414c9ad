// Crash consistency: the real CLI against loopback S3, held by the fault proxy at one request (so
// the process is stopped exactly at a step boundary, or in the middle of an upload), then killed
// with SIGKILL and run again. Invariant after recovery: every source date is in the meta file
// exactly once and every report row lives in exactly one live report object.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../support/fault-proxy.js';
import { cliPath, ensureBuilt, repoRoot, runCli } from '../support/run-cli.js';
import { FIRST_DATE, LOCK_KEY, META_KEY, PENDING_KEY, SECRET_ENV, SEEDED_META, TODAY, metaDates, objectText, reports, runRigCli, seedSampleSource, seedTarget, snapshot, startRig, writeRigConfig, type Rig } from '../support/s3-job.js';
import { makeWorkspace, type Workspace } from '../support/workspace.js';

let rig: Rig;
let baseline: string[];
const SRC = 'crash-src';

beforeAll(async () => {
  await ensureBuilt();
  rig = await startRig();
  await seedSampleSource(rig.client, SRC);
  await seedTarget(rig.client, 'crash-baseline');
  const config = await writeRigConfig({ endpoint: rig.proxy.endpoint, src: SRC, trg: 'crash-baseline' });
  expect((await runRigCli(config)).code).toBe(0);
  baseline = (await reports(rig.client, 'crash-baseline'))[0]?.rows ?? [];
  expect(baseline.length).toBeGreaterThan(20);
});
afterAll(() => rig.stop());

interface Boundary {
  readonly name: string;
  readonly at: (r: RecordedRequest) => boolean;
  /** Matching requests to let through before holding one. */
  readonly skip?: number;
  /** What the target must look like while the process is dead, before the rerun. */
  readonly whileDead: { readonly meta: 'old' | 'new'; readonly reports: number; readonly pending: boolean };
  /** What the recovering run logs, if anything. */
  readonly recovery?: RegExp;
  /** Also check that a plain rerun (no --force-unlock) is refused; one CLI run more, so only where it says something new. */
  readonly checkRefusal?: boolean;
}

const get = (key: string) => (r: RecordedRequest): boolean => r.operation === 'GetObject' && r.key === key;
const put = (key: string) => (r: RecordedRequest): boolean => r.operation === 'PutObject' && r.key === key;

const BOUNDARIES: Boundary[] = [
  { name: 'lock taken, before the journal and meta reads', at: get(PENDING_KEY), whileDead: { meta: 'old', reports: 0, pending: false }, checkRefusal: true },
  { name: 'in the middle of the extract (a source object read)', at: get('2017-07-25/2017-07-25_BINS_XETR09.csv'), whileDead: { meta: 'old', reports: 0, pending: false } },
  { name: 'report computed, before the journal record is written', at: put(PENDING_KEY), whileDead: { meta: 'old', reports: 0, pending: false } },
  {
    name: 'in the middle of the report upload',
    at: (r) => r.operation === 'PutObject' && r.key.startsWith('report1/'),
    whileDead: { meta: 'old', reports: 0, pending: true },
    recovery: /recovery: an earlier run stopped before its report \S+ was written; its dates will be extracted again/,
  },
  {
    name: 'report written, before the meta update reads the meta file',
    at: get(META_KEY),
    skip: 2, // the date list's read and the journal's row count come first
    whileDead: { meta: 'old', reports: 1, pending: true },
    checkRefusal: true,
    recovery: /recovery: an earlier run wrote \S+ but stopped before the meta file; recorded its 1 date\(s\) now/,
  },
  {
    name: 'in the middle of the meta file write',
    at: put(META_KEY),
    whileDead: { meta: 'old', reports: 1, pending: true },
    recovery: /recovery: an earlier run wrote \S+ but stopped before the meta file; recorded its 1 date\(s\) now/,
  },
  {
    name: 'meta file written, before the journal record is removed',
    at: (r) => r.operation === 'DeleteObject' && r.key === PENDING_KEY,
    whileDead: { meta: 'new', reports: 1, pending: true },
    recovery: /recovery: an earlier run committed \S+ and stopped just after; nothing to do/,
  },
  { name: 'all done, before the lock is released', at: get(LOCK_KEY), whileDead: { meta: 'new', reports: 1, pending: false } },
];

/** Every source date once in the meta file; every baseline row in exactly one live report; nothing left over. */
async function expectInvariant(trg: string): Promise<void> {
  expect(await metaDates(rig.client, trg)).toEqual(['2017-07-21', FIRST_DATE]);
  const rows = (await reports(rig.client, trg)).flatMap((r) => r.rows);
  expect([...rows].sort()).toEqual([...baseline].sort());
  const keys = Object.keys(await snapshot(rig.client, trg));
  expect(keys).not.toContain(LOCK_KEY);
  expect(keys).not.toContain(PENDING_KEY);
  expect((await rig.client.send(new ListMultipartUploadsCommand({ Bucket: trg }))).Uploads ?? []).toEqual([]);
}

let count = 0;
async function killAt(boundary: Pick<Boundary, 'at' | 'skip'>, signal: NodeJS.Signals): Promise<{ trg: string; config: string; exit: { code: number | null; signal: NodeJS.Signals | null }; stderr: string }> {
  count += 1;
  const trg = `crash-trg-${count}`;
  await seedTarget(rig.client, trg);
  const config = await writeRigConfig({ endpoint: rig.proxy.endpoint, src: SRC, trg, logging: { level: 'warn' } });
  rig.proxy.reset();
  rig.proxy.addFault({ match: boundary.at, fault: 'hold', skip: boundary.skip ?? 0 });
  const child = spawn(process.execPath, [cliPath, config, '--today', TODAY], { stdio: ['ignore', 'ignore', 'pipe'], env: SECRET_ENV });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, sig) => { resolve({ code, signal: sig }); }));
  await Promise.race([
    rig.proxy.waitForFault(),
    exited.then(() => { throw new Error(`the run ended before reaching the boundary: ${stderr}`); }),
  ]);
  child.kill(signal);
  const exit = await exited;
  rig.proxy.reset();
  return { trg, config, exit, stderr };
}

describe('SIGKILL at every step boundary, then a rerun', () => {
  for (const boundary of BOUNDARIES) {
    it(boundary.name, async () => {
      const { trg, config, exit } = await killAt(boundary, 'SIGKILL');
      expect(exit).toEqual({ code: null, signal: 'SIGKILL' });

      // While dead: the meta file is either untouched or fully updated, never half; at most one report.
      const meta = await objectText(rig.client, trg, META_KEY);
      expect(meta === SEEDED_META ? 'old' : 'new').toBe(boundary.whileDead.meta);
      expect(await reports(rig.client, trg)).toHaveLength(boundary.whileDead.reports);
      const keys = Object.keys(await snapshot(rig.client, trg));
      expect(keys.includes(PENDING_KEY)).toBe(boundary.whileDead.pending);
      expect(keys).toContain(LOCK_KEY);

      if (boundary.checkRefusal) {
        // The dead run's lock stops a plain rerun, clearly and without changes (recovery waits for the lock too).
        const before = await snapshot(rig.client, trg);
        const refused = await runRigCli(config);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toMatch(/xetra-etl: error: another run holds the lock .*\.lock \(taken by pid \d+ on .*\); this run stops and changes nothing/);
        expect(await snapshot(rig.client, trg)).toEqual(before);
      }

      const recovered = await runRigCli(config, ['--force-unlock']);
      expect(recovered.code).toBe(0);
      if (boundary.recovery) expect(recovered.stderr).toMatch(boundary.recovery);
      else expect(recovered.stderr).not.toMatch(/recovery:/);
      await expectInvariant(trg);
    });
  }
});

describe('SIGTERM during the report upload on S3', () => {
  it('abandons the upload, exits 143, leaves the meta file, no report, no journal and no lock', async () => {
    const { trg, exit, stderr } = await killAt({ at: (r) => r.operation === 'PutObject' && r.key.startsWith('report1/') }, 'SIGTERM');
    expect(exit).toEqual({ code: 143, signal: null });
    expect(stderr).toContain('xetra-etl: stopped by SIGTERM: no report was written and the meta file is unchanged');
    expect(await objectText(rig.client, trg, META_KEY)).toBe(SEEDED_META);
    expect(Object.keys(await snapshot(rig.client, trg))).toEqual([META_KEY]);
  });
});

describe('SIGKILL on a file: target, wherever the kill lands after a log line', () => {
  // On a folder the proxy cannot hold the process at a request, so the kill follows a log line and
  // lands somewhere after it; the assertion holds wherever that is.
  // The two around the report write, where a kill can leave a report without its meta rows.
  const MARKERS = ['Writing file to', 'Xetra target data successfully written.'];

  async function fileWorkspace(): Promise<Workspace> {
    const files: Record<string, Uint8Array> = {};
    for (const date of ['2017-07-24', '2017-07-25']) {
      for (let hour = 0; hour < 24; hour++) {
        const name = `${date}_BINS_XETR${String(hour).padStart(2, '0')}.csv`;
        files[`${date}/${name}`] = await readFile(path.join(repoRoot, 'sample/xetra', date, name));
      }
    }
    return makeWorkspace({ files, edit: (c) => {
      Object.assign(c.source ?? {}, { src_first_extract_date: FIRST_DATE });
      Object.assign(c.target ?? {}, { trg_format: 'csv' });
      Object.assign(c.logging ?? {}, { level: 'info', format: 'json' });
      c.performance = { workers: 0 };
    } });
  }

  for (const marker of MARKERS) {
    it(`killed after '${marker}': the rerun leaves every date once and every row in one report`, async () => {
      const ws = await fileWorkspace();
      const child = spawn(process.execPath, [cliPath, ws.configPath, '--today', TODAY], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes(marker) && !child.killed) child.kill('SIGKILL');
      });
      await new Promise((resolve) => child.on('exit', resolve));
      const recovered = await runCli([ws.configPath, '--today', TODAY, '--force-unlock']);
      expect(recovered.code).toBe(0);
      const keys = await ws.targetKeys();
      expect(keys).not.toContain(LOCK_KEY);
      expect(keys).not.toContain(PENDING_KEY);
      const meta = (await readFile(path.join(ws.trgDir, META_KEY), 'utf8')).trimEnd().split('\n').slice(1).map((l) => l.split(',')[0]);
      expect(meta).toEqual([FIRST_DATE]);
      const rows: string[] = [];
      for (const key of keys.filter((k) => k.startsWith('report1/'))) rows.push(...(await readFile(path.join(ws.trgDir, key), 'utf8')).trimEnd().split('\n').slice(1));
      expect(rows.sort()).toEqual([...baseline].sort());
    });
  }
});
