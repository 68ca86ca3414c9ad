import { runInNewContext } from 'node:vm';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/run-cli.js';
import { collectGarbage } from '../../src/common/v8-heap.js';

const moduleUrl = (file: string): string => pathToFileURL(path.resolve(file)).href;
const heapModule = moduleUrl('src/common/v8-heap.ts');

/**
 * A heap space's size (MiB) in a fresh Node process that runs `setup` (an ES module's statements) and then
 * `garbage`. A fresh process, because V8's flags are per process.
 */
function spaceAfter(space: 'new_space' | 'old_space', setup: string, garbage: string): number {
  const code = `
    import { getHeapSpaceStatistics } from 'node:v8';
    ${setup}
    ${garbage}
    console.log(getHeapSpaceStatistics().find((s) => s.space_name === '${space}').space_size / 2 ** 20);
  `;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return Number(run.stdout.trim());
}

/** ~200 MiB of short-lived garbage. */
const youngGenerationAfterGarbage = (setup: string): number =>
  spaceAfter('new_space', setup, `
    let kept = [];
    for (let i = 0; i < 2_000_000; i++) { kept.push({ i, text: 'row ' + i }); if (kept.length > 50_000) kept = []; }`);

/** Garbage that lives long enough to be promoted (batches of 50,000 rows, some kept a while), then none. */
const oldGenerationAfterGarbage = (setup: string): number =>
  spaceAfter('old_space', setup, `
    let kept = [];
    const longer = [];
    for (let i = 0; i < 2_000_000; i++) { kept.push({ i, text: 'row ' + i }); if (kept.length > 50_000) { if (i % 400_000 <= 50_000) longer.push(kept); kept = []; } }
    longer.length = 0;
    for (let i = 0; i < 1_000_000; i++) { kept.push({ i, text: 'row ' + i }); if (kept.length > 1_000) kept = []; }`);

/** Module statements that start a parsing thread of the built job and wait until it has run its module. */
const startParsingThread = `
  import { once } from 'node:events';
  import { Worker } from 'node:worker_threads';
  const worker = new Worker(new URL('${moduleUrl('dist/fold-worker.cjs')}'), { workerData: {}, execArgv: [] });
  // Any reply means the thread has run its module: a file that is not there is answered as gone.
  worker.postMessage({ type: 'file', id: 0, where: 'nowhere', file: '/nonexistent/xetra.csv' });
  await once(worker, 'message');
  await worker.terminate();`;

describe('collectGarbage', () => {
  it('collects what nothing refers to any more (a WeakRef to it is cleared), without --expose-gc', async () => {
    const ref = new WeakRef({ values: Array.from({ length: 10_000 }, (_, i) => i) });
    // A WeakRef keeps its target alive until the current job ends.
    await new Promise((resolve) => setTimeout(resolve, 0));
    collectGarbage();
    expect(ref.deref()).toBeUndefined();
  });

  it('leaves the flag off again: new contexts get no gc', () => {
    collectGarbage();
    expect(runInNewContext('typeof gc')).toBe('undefined');
  });
});

describe('holdYoungGeneration', () => {
  it('keeps the young generation from growing under a burst of garbage, which it otherwise does', () => {
    const grown = youngGenerationAfterGarbage('');
    const held = youngGenerationAfterGarbage(`import { holdYoungGeneration } from '${heapModule}'; holdYoungGeneration();`);
    expect(grown).toBeGreaterThanOrEqual(16);
    expect(held).toBeLessThanOrEqual(4);
  });

  it('is held for every thread once a parsing thread of the built job has started', async () => {
    await ensureBuilt();
    const held = youngGenerationAfterGarbage(startParsingThread);
    expect(held).toBeLessThanOrEqual(4);
  }, 120_000);

  it('is held from the start when the rows are parsed on the main thread', () => {
    const held = youngGenerationAfterGarbage(`import { openFoldPool } from '${moduleUrl('src/transformers/fold-pool.ts')}'; openFoldPool({}, 0);`);
    expect(held).toBeLessThanOrEqual(4);
  });
});

describe('favourMemoryOverSpeed', () => {
  const held = `import { favourMemoryOverSpeed, holdYoungGeneration } from '${heapModule}'; holdYoungGeneration();`;

  it('collects promoted garbage instead of letting the old generation grow with it', () => {
    const grown = oldGenerationAfterGarbage(held);
    const favoured = oldGenerationAfterGarbage(`${held} favourMemoryOverSpeed(true);`);
    expect(grown).toBeGreaterThanOrEqual(32);
    expect(favoured).toBeLessThanOrEqual(16);
  });

  it('withdrawn (a run from S3, whose main thread downloads), lets the old generation grow as by default', () => {
    const withdrawn = oldGenerationAfterGarbage(`${held} favourMemoryOverSpeed(true); favourMemoryOverSpeed(false);`);
    expect(withdrawn).toBeGreaterThanOrEqual(32);
  });

  it('still holds after a parsing thread of the built job has started', async () => {
    await ensureBuilt();
    const favoured = oldGenerationAfterGarbage(`${held} favourMemoryOverSpeed(true); ${startParsingThread}`);
    expect(favoured).toBeLessThanOrEqual(16);
  }, 120_000);
});
