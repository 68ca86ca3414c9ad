// The parsing threads of the built job (dist/fold-worker.cjs), reading local files themselves: what they fold must equal
// what the main thread folds from the same bytes, a file that vanished is reported as gone, and a bad row
// names the object and line. These are the paths a `file:` run with more than a few objects takes.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { DailyAggregator } from '../../src/report/instrument-day.js';
import { openFoldPool, type FoldPool } from '../../src/transformers/fold-pool.js';
import { ObjectFold } from '../../src/transformers/object-fold.js';
import { ensureBuilt, repoRoot } from '../support/run-cli.js';
import { XETRA_HEADER, XETRA_SOURCE } from '../support/xetra-source.js';

const HEADER = `${XETRA_HEADER}\n`;

/** A file of `rows` rows over 40 ISINs, larger than one 64 KiB read, with a quoted comma in every description. */
function sourceFile(rows: number, { firstIsin = 0, date = '2017-07-24', seconds = '' } = {}): string {
  const lines = Array.from({ length: rows }, (_, i) => {
    const isin = `DE${String(firstIsin + (i % 40)).padStart(10, '0')}`;
    const minute = String(i % 60).padStart(2, '0');
    const price = (10 + (i % 97) / 4).toFixed(2);
    return `"${isin}","M${i % 40}","NAME ${i % 40}, INH. O.N.","Common stock","EUR",${2504000 + (i % 40)},${date},09:${minute}${seconds},${price},${price},${price},${price},${i % 500},1\n`;
  });
  return HEADER + lines.join('');
}

describe('parsing threads reading local files', () => {
  let pool: FoldPool;
  let dir: string;

  beforeAll(async () => {
    await ensureBuilt();
    pool = openFoldPool(XETRA_SOURCE, 2, { workerFile: pathToFileURL(path.join(repoRoot, 'dist/fold-worker.cjs')) });
    dir = await mkdtemp(path.join(tmpdir(), 'xetra-threads-'));
    return () => pool.close();
  }, 120_000);

  /**
   * Folds `text` on a thread and on this one; returns both folds' days with their times. The thread's arrays go
   * back to it once merged, as in a run, so its next file folds into them.
   */
  async function foldBothWays(name: string, text: string): Promise<{ rows: number | undefined; fromThread: unknown[]; fromMain: unknown[] }> {
    const file = path.join(dir, name);
    await writeFile(file, text);
    const threaded = await pool.foldLocalFile?.(`file:/bucket/${name}`, file);
    const inline = new ObjectFold(`file:/bucket/${name}`, XETRA_SOURCE);
    inline.push(Buffer.from(text));
    const [fromThread = [], fromMain = []] = [threaded, inline.end()].map((fold) => {
      const days = new DailyAggregator();
      if (fold) days.merge(fold.days);
      fold?.giveBack?.();
      return [...days.valuesWithTimes()];
    });
    return { rows: threaded?.rows, fromThread, fromMain };
  }

  it('fold a file exactly as the main thread folds its bytes', async () => {
    expect('foldLocalFile' in pool).toBe(true);
    const text = sourceFile(3_000);
    const file = path.join(dir, 'good.csv');
    await writeFile(file, text);
    const threaded = await pool.foldLocalFile?.('file:/bucket/good.csv', file);
    expect(threaded).toBeDefined();
    if (threaded === undefined) return;
    expect({ rows: threaded.rows, dropped: threaded.dropped, sawHeader: threaded.sawHeader }).toEqual({ rows: 3_000, dropped: 0, sawHeader: true });
    const { fromThread, fromMain } = await foldBothWays('good.csv', text);
    expect(fromThread).toHaveLength(40);
    expect(fromThread).toStrictEqual(fromMain);
  });

  it('fold each file as if it were the first, though a thread reuses its arrays from file to file', async () => {
    // Overlapping ISINs, other dates, a header-only hour and times with seconds (kept as texts): what a
    // thread left behind from one file must not show in the next.
    const files = [
      sourceFile(2_500),
      sourceFile(700, { firstIsin: 20, date: '2017-07-25' }),
      HEADER,
      sourceFile(1_200, { firstIsin: 30, date: '2017-07-24', seconds: ':30.5' }),
      sourceFile(90, { firstIsin: 5, date: '2017-07-26' }),
      sourceFile(2_500),
    ];
    // One after another, so each file is folded into the arrays the thread got back from the one before.
    const folds = [];
    for (const [i, text] of files.entries()) folds.push(await foldBothWays(`reuse-${i}.csv`, text));
    expect(folds.map((f) => [f.rows, f.fromThread.length])).toEqual([[2_500, 40], [700, 40], [0, 0], [1_200, 40], [90, 40], [2_500, 40]]);
    for (const { fromThread, fromMain } of folds) expect(fromThread).toStrictEqual(fromMain);
  });

  it('report a file that is gone (or is a folder) as gone', async () => {
    await mkdir(path.join(dir, 'folder.csv'), { recursive: true });
    await expect(pool.foldLocalFile?.('file:/bucket/missing.csv', path.join(dir, 'missing.csv'))).resolves.toBeUndefined();
    await expect(pool.foldLocalFile?.('file:/bucket/folder.csv', path.join(dir, 'folder.csv'))).resolves.toBeUndefined();
  });

  it('fail on a bad row with the object, line and column, as a SourceDataError', async () => {
    const file = path.join(dir, 'bad.csv');
    await writeFile(file, `${sourceFile(2)}"DE0000000001","X","N","Common stock","EUR",1,2017-07-24,09:05,abc,1,1,1,1,1\n`);
    const failure = pool.foldLocalFile?.('file:/bucket/bad.csv', file);
    await expect(failure).rejects.toMatchObject({ name: 'SourceDataError' });
    await expect(failure).rejects.toThrow("file:/bucket/bad.csv: line 4: column StartPrice has 'abc', which is not a number; fix or remove the row");
  });

  it('in skip mode (source.bad_rows: skip), hand back the rejected rows with their object, line and reason', async () => {
    const skipping = openFoldPool({ ...XETRA_SOURCE, bad_rows: 'skip' }, 1, { workerFile: pathToFileURL(path.join(repoRoot, 'dist/fold-worker.cjs')) });
    try {
      const file = path.join(dir, 'skip.csv');
      await writeFile(file, `${sourceFile(3)}"DE0000000001","X","N","Common stock","EUR",1,2017-07-24,09:05,abc,1,1,1,1,1\n${sourceFile(2).slice(HEADER.length)}`);
      const fold = await skipping.foldLocalFile?.('file:/bucket/skip.csv', file);
      expect({ rows: fold?.rows, rejects: fold?.rejects }).toEqual({
        rows: 6,
        rejects: [{ where: 'file:/bucket/skip.csv', line: 5, reason: "line 5: column StartPrice has 'abc', which is not a number; fix or remove the row", fields: ['DE0000000001', 'X', 'N', 'Common stock', 'EUR', '1', '2017-07-24', '09:05', 'abc', '1', '1', '1', '1', '1'] }],
      });
    } finally {
      await skipping.close();
    }
  });
});
