import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { XetraEtlError } from './errors.js';
import type { Logger } from './logger.js';
import type { ObjectStore } from '../storage/object-store.js';

/** Another run holds the lock: this run stops at once and touches nothing. */
export class LockHeldError extends XetraEtlError {
  override readonly name = 'LockHeldError';
}

/** What a lock object holds: who took it and when. */
export interface LockInfo {
  readonly owner: string;
  readonly host: string;
  readonly pid: number;
  readonly started: string;
}

export interface LockOptions {
  /** A lock older than this is a dead run's and is taken over. */
  readonly staleAfterMs: number;
  /** Remove whatever lock is there first (`--force-unlock`). */
  readonly force: boolean;
  readonly logger: Logger;
  readonly now?: () => Date;
}

/** The lock object's key: next to the meta file it protects. */
export const lockKeyFor = (metaKey: string): string => `${metaKey}.lock`;

/**
 * One run at a time per target: a lock object created only when absent (S3 `If-None-Match: *`,
 * an exclusive create on a folder). A crashed run's lock is taken over once it is older than
 * `staleAfterMs`, or removed at once with `--force-unlock`.
 */
export class RunLock {
  private constructor(
    private readonly store: ObjectStore,
    readonly key: string,
    readonly info: LockInfo,
  ) {}

  static async acquire(store: ObjectStore, key: string, options: LockOptions): Promise<RunLock> {
    const now = options.now ?? (() => new Date());
    const where = `${store.location}/${key}`;
    if (options.force) {
      const old = await readLock(store, key);
      if (old !== undefined) {
        options.logger.warn(`--force-unlock: removing the lock ${where} (${describe(old, now())})`);
        await store.delete(key);
      }
    }
    const info: LockInfo = { owner: randomUUID(), host: hostname(), pid: process.pid, started: now().toISOString() };
    const body = Buffer.from(`${JSON.stringify(info)}\n`, 'utf8');
    // Two rounds at most: the second follows a stale lock's removal or a lock released meanwhile.
    for (let round = 0; round < 2; round++) {
      if (await store.createExclusive(key, body, 'application/json')) return new RunLock(store, key, info);
      const held = await readLock(store, key);
      if (held === undefined) continue; // released between our create and our read
      if (held !== 'unreadable' && held.owner === info.owner) return new RunLock(store, key, info); // our own write, retried by the SDK
      const age = held === 'unreadable' ? undefined : now().getTime() - Date.parse(held.started);
      if (round === 0 && age !== undefined && age > options.staleAfterMs) {
        options.logger.warn(`taking over the stale lock ${where} (${describe(held, now())}); its run is presumed dead`);
        await store.delete(key);
        continue;
      }
      throw new LockHeldError(
        `another run holds the lock ${where} (${describe(held, now())}); this run stops and changes nothing. ` +
          `If no run is active, wait until the lock is ${Math.round(options.staleAfterMs / 60_000)} min old (lock.stale_after_minutes) or rerun with --force-unlock`,
      );
    }
    throw new LockHeldError(`cannot take the lock ${where}: another run took it first; this run stops and changes nothing`);
  }

  /** Removes the lock, unless someone forced it away and holds it now. */
  async release(): Promise<void> {
    const held = await readLock(this.store, this.key);
    if (held !== undefined && held !== 'unreadable' && held.owner === this.info.owner) await this.store.delete(this.key);
  }
}

async function readLock(store: ObjectStore, key: string): Promise<LockInfo | 'unreadable' | undefined> {
  const body = await store.read(key);
  if (body === undefined) return undefined;
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  try {
    const info = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<LockInfo>;
    if (typeof info.owner !== 'string' || typeof info.started !== 'string' || Number.isNaN(Date.parse(info.started))) return 'unreadable';
    return { owner: info.owner, host: String(info.host), pid: Number(info.pid), started: info.started };
  } catch {
    return 'unreadable';
  }
}

function describe(held: LockInfo | 'unreadable', now: Date): string {
  if (held === 'unreadable') return 'its content is unreadable';
  const minutes = Math.floor((now.getTime() - Date.parse(held.started)) / 60_000);
  return `taken by pid ${held.pid} on ${held.host} at ${held.started}, ${minutes} min ago`;
}
