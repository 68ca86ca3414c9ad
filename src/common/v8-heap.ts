import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Holds on V8's heap, for a job that makes short-lived garbage in bulk. They work although `node dist/cli.js`
 * and the image's ENTRYPOINT start Node without heap flags, and do nothing where Node does not allow them.
 */

let gc: (() => void) | null | undefined;

/**
 * A full garbage collection: `--expose-gc` is switched on just long enough to take `gc` from a fresh context,
 * as jest-leak-detector does.
 */
export function collectGarbage(): void {
  gc ??= exposedGc();
  gc?.();
}

function exposedGc(): (() => void) | null {
  try {
    setFlagsFromString('--expose-gc');
    const found: unknown = runInNewContext('gc');
    return typeof found === 'function' ? (found as () => void) : null;
  } catch {
    return null;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

/**
 * Keeps the young generation at the size it has now, for the rest of the process: V8 reads this flag each
 * time it would grow it. Writing a 244,114-row report otherwise grew it from 8 to 32 MiB, nearly all of it
 * resident (peak 182–185 MiB against 158–163 with the hold, at the same speed). Set at the start of the run
 * instead, it did not lower the peak (186 and 191 MiB against 185 and 192): on Node 20 a worker thread starting
 * up undoes it (not on Node 24). So each parsing thread sets it once it has started, which holds it for every
 * thread from the last one's start on; the main thread sets it when it parses itself.
 */
export function holdYoungGeneration(): void {
  setFlagIfKnown('--semi-space-growth-factor=1');
}

/**
 * Asks V8 to favour memory over speed (`on`), or not, for the rest of the process: favoured, its young generation
 * shrinks to 1 MiB a half, and its old generation grows by a small factor and is collected sooner instead of
 * gathering the garbage of a long read. Only for a main thread that makes little garbage: where parsing threads
 * read local files and the main thread merely merges, 1 M / 19 M rows peaked at 88–90 / 113–115 MiB against
 * 96–98 / 126–128, at the same speed (4 M rows: median 3.64 against 3.58 s; 1 M: 1.55 against 1.59 s). Likewise
 * where the parsing threads download S3 objects over their own connections, which make no garbage per chunk: 19 M
 * rows from S3 peaked at 137–139 MiB against 159, as fast (4 M rows: 4.89 against 4.95 s). Not where bodies stream
 * through the main thread: it collected 2.6 times as often (4 M rows 16–33 % slower); nor, until the threads had
 * their own connections, where Node's HTTP client made their buffers young garbage in every thread (4–14 % slower).
 * Favoured once the job knows its source is local, the young generation never grows (1 M rows: 88–90 MiB; from the
 * start of the extraction: 91–94). A thread's start does not undo it.
 */
export function favourMemoryOverSpeed(on: boolean): void {
  setFlagIfKnown(on ? '--optimize-for-size' : '--no-optimize-for-size');
}

function setFlagIfKnown(flag: string): void {
  try {
    setFlagsFromString(flag);
  } catch {
    // an engine without the flag keeps its default heap sizing: only memory is at stake
  }
}
