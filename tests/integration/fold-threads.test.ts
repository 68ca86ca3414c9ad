// The parsing threads of the built job (dist/fold-worker.js), reading local files themselves: what they fold must equal
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
function sourceFile(rows: number): string {
  const lines = Array.from({ length: rows }, (_, i) => {
    const isin = `DE${String(i % 40).padStart(10, '0')}`;
    const minute = String(i % 60).padStart(2, '0');
    const price = (10 + (i % 97) / 4).toFixed(2);
    return `"${isin}","M${i % 40}","NAME ${i % 40}, INH. O.N.","Common stock","EUR",${2504000 + (i % 40)},2017-07-24,09:${minute},${price},${price},${price},${price},${i % 500},1\n`;
  });
  return HEADER + lines.join('');
}

describe('parsing threads reading local files', () => {
  let pool: FoldPool;
  let dir: string;

  beforeAll(async () => {
    await ensureBuilt();
    pool = openFoldPool(XETRA_SOURCE, 2, pathToFileURL(path.join(repoRoot, 'dist/fold-worker.js')));
    dir = await mkdtemp(path.join(tmpdir(), 'xetra-threads-'));
    return () => pool.close();
  }, 120_000);

  it('fold a file exactly as the main thread folds its bytes', async () => {
    const text = sourceFile(3_000);
    const file = path.join(dir, 'good.csv');
    await writeFile(file, text);
    expect('foldLocalFile' in pool).toBe(true);
    const threaded = await pool.foldLocalFile?.('file:/bucket/good.csv', file);
    const inline = new ObjectFold('file:/bucket/good.csv', XETRA_SOURCE);
    inline.push(Buffer.from(text));
    const expected = inline.end();
    expect(threaded).toBeDefined();
    if (threaded === undefined) return;
    expect({ rows: threaded.rows, dropped: threaded.dropped, sawHeader: threaded.sawHeader }).toEqual({ rows: 3_000, dropped: 0, sawHeader: true });
    const [fromThread, fromMain] = [threaded, expected].map((fold) => {
      const days = new DailyAggregator();
      days.merge(fold.days);
      return [...days.valuesWithTimes()];
    });
    expect(fromThread).toHaveLength(40);
    expect(fromThread).toStrictEqual(fromMain);
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
});
