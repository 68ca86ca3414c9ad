import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SourceDataError, StorageError, XetraEtlError } from '../common/errors.js';
import { holdYoungGeneration } from '../common/v8-heap.js';
import type { XetraSourceConfig } from '../config/schema.js';
import type { DaysSnapshot } from '../report/instrument-day.js';
import type { SignedUrl } from '../storage/object-store.js';
import { DownloadFailed } from '../storage/download-failed.js';
import { ObjectFold, type PartialFold } from './object-fold.js';
import type { RejectedRow } from './source-rows.js';

/** One source object being folded: feed it the object's chunks in order, then wait for the result. */
export interface FoldJob {
  push(chunk: Uint8Array): void;
  end(): Promise<PartialFold>;
}

/** Where parsing happens: on the main thread, or on worker threads so both cores parse. */
export interface FoldPool {
  begin(where: string): FoldJob;
  /**
   * Worker threads only: folds a local file that the thread reads itself, sparing this thread the
   * bytes; undefined when the file is gone.
   */
  foldLocalFile?(where: string, file: string): Promise<PartialFold | undefined>;
  /**
   * Worker threads only: folds an S3 object that the thread downloads itself from a signed URL; a
   * DownloadFailed says why the thread could not (nothing of the object is kept then).
   */
  foldUrl?(where: string, signed: SignedUrl): Promise<PartialFold | DownloadFailed>;
  close(): Promise<void>;
}

export type FoldRequest =
  | { type: 'begin'; id: number; where: string }
  | { type: 'chunk'; id: number; chunk: Uint8Array }
  | { type: 'end'; id: number }
  | { type: 'file'; id: number; where: string; file: string }
  | { type: 'url'; id: number; where: string; signed: SignedUrl }
  | { type: 'giveBack'; id: number; block: ArrayBuffer };
export type FoldReply = ({ ok: true; days: DaysSnapshot; sawHeader: boolean; rows: number; dropped: number; rejects?: readonly RejectedRow[] } | { ok: true; gone: true } | { ok: true; unread: string } | { ok: false; name: string; message: string }) & { id: number };

/** The bundled worker, a CommonJS file that starts sooner than an ES module: dist/ holds it next to this module's code (scripts/build.mjs). */
const BUNDLED_WORKER = new URL('./fold-worker.cjs', import.meta.url);

export interface PoolOptions {
  /** The threads will download objects (`foldUrl`): they load the HTTP code as they start, not on the first object. */
  readonly downloads?: boolean;
  readonly workerFile?: URL;
}

/** What a thread is started with. */
export interface ThreadData {
  readonly source: XetraSourceConfig;
  readonly downloads: boolean;
}

/**
 * A pool of `workers` threads, or the main thread when `workers` is 0 or the bundled worker is not
 * there (running from TypeScript sources, as the in-process tests do).
 */
export function openFoldPool(source: XetraSourceConfig, workers: number | 'auto', { downloads = false, workerFile = BUNDLED_WORKER }: PoolOptions = {}): FoldPool {
  const cores = usableCores();
  const count = workers === 'auto' ? (cores < 2 ? 0 : Math.min(cores, 4)) : workers;
  if (count < 1 || !existsSync(fileURLToPath(workerFile))) return inlinePool(source);
  return new WorkerPool({ source, downloads }, count, workerFile);
}

/**
 * Cores this process may really use: a container's CPU limit (cgroup v2 `cpu.max`) counts, which
 * Node 20's availableParallelism() ignores; threads beyond it cost memory and win nothing.
 */
function usableCores(): number {
  const cores = availableParallelism();
  try {
    const [quota = 'max', period = '100000'] = readFileSync('/sys/fs/cgroup/cpu.max', 'utf8').trim().split(/\s+/);
    return quota === 'max' ? cores : Math.max(1, Math.min(cores, Math.floor(Number(quota) / Number(period))));
  } catch {
    return cores;
  }
}

function inlinePool(source: XetraSourceConfig): FoldPool {
  // Parsing here makes the main thread's garbage from the start; held, 4 M rows peaked at 100–105 MiB instead
  // of 113–129. With threads, each thread holds it once started (fold-worker.ts).
  holdYoungGeneration();
  return {
    begin(where) {
      const fold = new ObjectFold(where, source);
      let failure: Error | undefined;
      return {
        push(chunk) {
          if (failure !== undefined) return;
          try {
            fold.push(chunk);
          } catch (error) {
            failure = error instanceof Error ? error : new Error(String(error));
          }
        },
        end: () => (failure !== undefined ? Promise.reject(failure) : Promise.resolve().then(() => fold.end())),
      };
    },
    close: () => Promise.resolve(),
  };
}

class WorkerPool implements FoldPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, { resolve(fold: PartialFold | DownloadFailed | undefined): void; reject(error: Error): void }>();
  private readonly early = new Map<number, FoldReply>();
  /** Jobs not yet answered, per worker, and the worker of each job: a new job goes to the least busy. */
  private readonly openJobs: number[];
  private readonly workerOf = new Map<number, number>();
  private nextId = 0;
  private closing = false;
  /** Set when a worker died: every job still open fails with it instead of waiting forever. */
  private broken: Error | undefined;

  constructor(data: ThreadData, count: number, workerFile: URL) {
    this.workers = Array.from({ length: count }, () => {
      // No young-generation cap here (8 MiB did not lower the peak: 4 M rows 159 MiB with it, 152 without); each
      // thread holds its young generation at its size once started (fold-worker.ts).
      const worker = new Worker(workerFile, { workerData: data });
      worker.on('message', (reply: FoldReply) => {
        this.settle(reply);
      });
      worker.on('error', (error) => {
        this.failAll(error);
      });
      worker.on('exit', (code) => {
        if (code !== 0 && !this.closing) this.failAll(new XetraEtlError(`a parsing thread stopped with exit code ${code}`));
      });
      return worker;
    });
    this.openJobs = this.workers.map(() => 0);
  }

  begin(where: string): FoldJob {
    const [id, worker] = this.nextWorker();
    worker.postMessage({ type: 'begin', id, where } satisfies FoldRequest);
    return {
      push: (chunk) => {
        // Hand the bytes over: as they are when the chunk owns its whole buffer, else as an exact copy
        // (cloning a view would copy all of the buffer behind it, a socket's pool for example).
        const owned = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && chunk.buffer instanceof ArrayBuffer;
        const bytes = owned ? chunk : new Uint8Array(chunk);
        worker.postMessage({ type: 'chunk', id, chunk: bytes } satisfies FoldRequest, [bytes.buffer as ArrayBuffer]);
      },
      end: async () => {
        const fold = await this.request(worker, { type: 'end', id });
        if (fold === undefined || fold instanceof DownloadFailed) throw new XetraEtlError(`${where}: a parsing thread lost the object`);
        return fold;
      },
    };
  }

  foldLocalFile(where: string, file: string): Promise<PartialFold | undefined> {
    const [id, worker] = this.nextWorker();
    return this.request(worker, { type: 'file', id, where, file }) as Promise<PartialFold | undefined>;
  }

  async foldUrl(where: string, signed: SignedUrl): Promise<PartialFold | DownloadFailed> {
    const [id, worker] = this.nextWorker();
    const fold = await this.request(worker, { type: 'url', id, where, signed });
    if (fold === undefined) throw new XetraEtlError(`${where}: a parsing thread lost the object`);
    return fold;
  }

  private nextWorker(): [number, Worker] {
    const id = this.nextId++;
    const index = this.openJobs.indexOf(Math.min(...this.openJobs));
    const worker = this.workers[index];
    if (worker === undefined) throw new XetraEtlError('no fold worker');
    this.openJobs[index] = (this.openJobs[index] ?? 0) + 1;
    this.workerOf.set(id, index);
    return [id, worker];
  }

  /** Sends the request that finishes job `id` and waits for its reply (which may have come early, as a failure). */
  private request(worker: Worker, message: FoldRequest): Promise<PartialFold | DownloadFailed | undefined> {
    if (this.broken) return Promise.reject(this.broken);
    const result = new Promise<PartialFold | DownloadFailed | undefined>((resolve, reject) => this.pending.set(message.id, { resolve, reject }));
    const early = this.early.get(message.id);
    if (early) {
      this.early.delete(message.id);
      this.settle(early);
    }
    worker.postMessage(message);
    return result;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private settle(reply: FoldReply): void {
    const waiter = this.pending.get(reply.id);
    if (waiter === undefined) {
      this.early.set(reply.id, reply); // a failure reported before end() was called
      return;
    }
    this.pending.delete(reply.id);
    const index = this.workerOf.get(reply.id) ?? 0;
    this.workerOf.delete(reply.id);
    this.openJobs[index] = (this.openJobs[index] ?? 1) - 1;
    if (!reply.ok) waiter.reject(reply.name === 'SourceDataError' ? new SourceDataError(reply.message) : reply.name === 'StorageError' ? new StorageError(reply.message) : new XetraEtlError(reply.message));
    else if ('gone' in reply) waiter.resolve(undefined);
    else if ('unread' in reply) waiter.resolve(new DownloadFailed(reply.unread));
    else waiter.resolve({ ...reply, giveBack: () => { this.giveBack(index, reply.id, reply.days); } });
  }

  /** The arrays go back to the thread that filled them (transferred, not copied), so it allocates none per object. */
  private giveBack(index: number, id: number, { block }: DaysSnapshot): void {
    if (this.closing || block.byteLength === 0) return;
    this.workers[index]?.postMessage({ type: 'giveBack', id, block } satisfies FoldRequest, [block]);
  }

  private failAll(error: Error): void {
    this.broken ??= error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}
