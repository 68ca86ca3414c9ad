import { parentPort, workerData } from 'node:worker_threads';
import type { XetraSourceConfig } from '../config/schema.js';
import { compactSnapshot } from '../report/instrument-day.js';
import { readLocalFileSync } from '../storage/local-store.js';
import type { FoldReply, FoldRequest } from './fold-pool.js';
import { ObjectFold, type PartialFold } from './object-fold.js';

/** A fold worker: parses the objects the main thread streams to it, or local files it reads itself, one ObjectFold per job. */
const source = workerData as XetraSourceConfig;
const jobs = new Map<number, ObjectFold | undefined>();
/** One read buffer for every local file: the parser copies what it keeps, and fresh buffers cost page faults. */
const readBuffer = Buffer.allocUnsafe(1 << 16);

parentPort?.on('message', (request: FoldRequest) => {
  const { id } = request;
  try {
    if (request.type === 'file') {
      finish(id, foldFile(request.where, request.file));
      return;
    }
    const fold = jobs.get(id);
    if (request.type === 'begin') {
      jobs.set(id, new ObjectFold(request.where, source));
    } else if (fold === undefined) {
      if (request.type === 'end') jobs.delete(id); // the job failed earlier and was answered then
    } else if (request.type === 'chunk') {
      fold.push(request.chunk);
    } else {
      jobs.delete(id);
      finish(id, fold.end());
    }
  } catch (error) {
    if (request.type === 'chunk') jobs.set(id, undefined);
    reply({ id, ok: false, name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) });
  }
});

/** Replies with the fold's instrument-days, handing their arrays over, or that the object was gone. */
function finish(id: number, fold: PartialFold | undefined): void {
  if (fold === undefined) {
    reply({ id, ok: true, gone: true });
    return;
  }
  const days = compactSnapshot(fold.days);
  reply({ id, ok: true, days, rows: fold.rows, dropped: fold.dropped, sawHeader: fold.sawHeader }, [days.numbers.buffer, days.ints.buffer, days.isinBytes.buffer]);
}

/** Folds a local file read here; undefined when it is gone. */
function foldFile(where: string, file: string): PartialFold | undefined {
  const fold = new ObjectFold(where, source);
  return readLocalFileSync(file, where, readBuffer, (chunk) => { fold.push(chunk); }) ? fold.end() : undefined;
}

function reply(message: FoldReply, transfer: ArrayBuffer[] = []): void {
  parentPort?.postMessage(message, transfer);
}
