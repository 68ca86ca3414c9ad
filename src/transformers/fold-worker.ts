import { parentPort, workerData } from 'node:worker_threads';
import { holdYoungGeneration } from '../common/v8-heap.js';
import { DailyAggregator } from '../report/instrument-day.js';
import { readLocalFileSync } from '../storage/local-file.js';
import { DownloadFailed } from '../storage/download-failed.js';
import type { FoldReply, FoldRequest, ThreadData } from './fold-pool.js';
import { ObjectFold, type PartialFold } from './object-fold.js';

/** A fold worker: parses the objects the main thread streams to it, or local files it reads itself, one ObjectFold per job. */
const { source, downloads: willDownload } = workerData as ThreadData;
// Set here, after this thread's start (which undoes it on Node 20), it holds every thread's young generation:
// each thread's grew from 4 to 8 MiB over a 19 M-row read, and the peak was 143 MiB against 124–125.
holdYoungGeneration();
/**
 * The download code, loaded by a thread's first download: threads that read local files never load it, TLS or
 * the checksums, which, loaded with the thread, took 1 M rows from 88–90 to 92–93 MiB (6 alternating pairs).
 */
let downloads: Promise<typeof import('../storage/url-download.js')> | undefined;
// A pool that will download says so: loading the code now overlaps the main thread's listing of the source.
if (willDownload) downloads = import('../storage/url-download.js');
const jobs = new Map<number, { fold: ObjectFold; days: DailyAggregator } | undefined>();
/** One read buffer for every local file: the parser copies what it keeps, and fresh buffers cost page faults. */
const readBuffer = Buffer.allocUnsafe(1 << 16);
/**
 * Aggregators whose days were sent: the next objects fold into their arrays. A fresh one per object was
 * ~190 KiB of garbage each, header-only hours included (3,336 objects at 20 M rows); reusing them lowered
 * that run's peak RSS by about 20 MiB.
 */
const spare: DailyAggregator[] = [];
/**
 * Aggregators whose arrays were handed to the main thread, by job, until it gives them back merged: a copy
 * per object instead was freed only when the main thread collected it, and reading 19 M rows peaked at
 * 138–139 MiB (124–125 with a full collection every 64 objects, which cost a 4 M run up to a second of CPU).
 */
const lent = new Map<number, DailyAggregator>();
/**
 * Downloads take turns: each body flows once the one before it has ended, so the thread parses one object while
 * the next one's bytes wait in its socket. Side by side, a thread's two bodies ended together and it then waited
 * for the next two: from S3, each thread was idle for 0.5–1.1 s of a 1 M-row run (CPU profiles; 0.4–0.8 s now).
 */
let lastTurn = Promise.resolve();

parentPort?.on('message', (request: FoldRequest) => {
  const { id } = request;
  try {
    if (request.type === 'file') {
      const days = spare.pop() ?? new DailyAggregator();
      finish(id, foldFile(request.where, request.file, days), days);
      return;
    }
    if (request.type === 'url') {
      const days = spare.pop() ?? new DailyAggregator();
      const fold = new ObjectFold(request.where, source, days);
      const turn = lastTurn;
      let done!: () => void;
      lastTurn = new Promise((resolve) => { done = resolve; });
      downloads ??= import('../storage/url-download.js');
      downloads
        .then(({ downloadUrl }) => downloadUrl(request.signed, (chunk) => { fold.push(chunk); }, turn))
        .then(() => { finish(id, fold.end(), days); })
        .catch((error: unknown) => { failUrl(id, error, days); })
        .finally(done);
      return;
    }
    if (request.type === 'giveBack') {
      const aggregator = lent.get(id);
      lent.delete(id);
      if (aggregator) {
        aggregator.adopt(request.block);
        spare.push(aggregator);
      }
      return;
    }
    const job = jobs.get(id);
    if (request.type === 'begin') {
      const days = spare.pop() ?? new DailyAggregator();
      jobs.set(id, { fold: new ObjectFold(request.where, source, days), days });
    } else if (job === undefined) {
      if (request.type === 'end') jobs.delete(id); // the job failed earlier and was answered then
    } else if (request.type === 'chunk') {
      job.fold.push(request.chunk);
    } else {
      jobs.delete(id);
      finish(id, job.fold.end(), job.days);
    }
  } catch (error) {
    if (request.type === 'chunk') jobs.set(id, undefined);
    reply({ id, ok: false, name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) });
  }
});

/** Replies with the fold's instrument-days, handing over their arrays, or that the object was gone. */
function finish(id: number, fold: PartialFold | undefined, aggregator: DailyAggregator): void {
  if (fold === undefined) {
    release(aggregator);
    reply({ id, ok: true, gone: true });
    return;
  }
  const { days } = fold;
  lent.set(id, aggregator);
  reply({ id, ok: true, days, rows: fold.rows, dropped: fold.dropped, sawHeader: fold.sawHeader, ...(fold.rejects?.length ? { rejects: fold.rejects } : {}) }, [days.block]);
}

/** A download that failed is answered as unread, so the main thread reads the object another way; a parse error as an error. */
function failUrl(id: number, error: unknown, aggregator: DailyAggregator): void {
  release(aggregator);
  if (error instanceof DownloadFailed) reply({ id, ok: true, unread: error.message });
  else reply({ id, ok: false, name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) });
}

function release(aggregator: DailyAggregator): void {
  aggregator.clear();
  spare.push(aggregator);
}

/** Folds a local file read here; undefined when it is gone. */
function foldFile(where: string, file: string, days: DailyAggregator): PartialFold | undefined {
  const fold = new ObjectFold(where, source, days);
  return readLocalFileSync(file, where, readBuffer, (chunk) => { fold.push(chunk); }) ? fold.end() : undefined;
}

function reply(message: FoldReply, transfer: ArrayBuffer[] = []): void {
  parentPort?.postMessage(message, transfer);
}
