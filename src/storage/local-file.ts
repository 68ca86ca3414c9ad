import { closeSync, openSync, readSync } from 'node:fs';
import { StorageError } from '../common/errors.js';

// Apart from LocalStore, as each parsing thread loads it: LocalStore's imports (node:crypto, node:fs/promises)
// cost every thread ~30 ms of its start for nothing.

/**
 * Reads a local object's file on the calling thread (a parsing thread), through one reused buffer:
 * `onChunk` must be done with each chunk before it returns. False when the file is gone.
 */
export function readLocalFileSync(file: string, where: string, buffer: Uint8Array, onChunk: (chunk: Uint8Array) => void): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if (isCode(error, 'ENOENT')) return false;
    throw new StorageError(`cannot read ${where}: ${String(error)}`);
  }
  try {
    for (;;) {
      let read: number;
      try {
        read = readSync(fd, buffer, 0, buffer.length, null);
      } catch (error) {
        if (isCode(error, 'EISDIR')) return false;
        throw new StorageError(`cannot read ${where}: ${String(error)}; nothing was written, rerun the job`);
      }
      if (read === 0) return true;
      onChunk(buffer.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
}

export function isCode(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}
