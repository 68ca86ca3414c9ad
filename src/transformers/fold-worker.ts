import { parentPort, workerData } from 'node:worker_threads';
import type { XetraSourceConfig } from '../config/schema.js';
import type { FoldReply, FoldRequest } from './fold-pool.js';
import { compactSnapshot } from '../report/instrument-day.js';
import { ObjectFold } from './object-fold.js';

/** A fold worker: parses the objects the main thread streams to it, one ObjectFold per job. */
const source = workerData as XetraSourceConfig;
const jobs = new Map<number, ObjectFold | undefined>();

parentPort?.on('message', (request: FoldRequest) => {
  const { id } = request;
  const fold = jobs.get(id);
  if (request.type !== 'begin' && fold === undefined) {
    if (request.type === 'end') jobs.delete(id); // the job failed earlier and was answered then
    return;
  }
  try {
    if (request.type === 'begin') {
      jobs.set(id, new ObjectFold(request.where, source));
    } else if (request.type === 'chunk') {
      fold?.push(request.chunk);
    } else {
      jobs.delete(id);
      const result = fold?.end();
      if (result) {
        const days = compactSnapshot(result.days);
        reply({ id, ok: true, days, rows: result.rows, dropped: result.dropped, sawHeader: result.sawHeader }, [days.numbers.buffer, days.ints.buffer, days.isinBytes.buffer]);
      }
    }
  } catch (error) {
    if (request.type !== 'end') jobs.set(id, undefined);
    reply({ id, ok: false, name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) });
  }
});

function reply(message: FoldReply, transfer: ArrayBuffer[] = []): void {
  parentPort?.postMessage(message, transfer);
}
