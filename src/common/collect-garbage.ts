import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null | undefined;

/**
 * A full garbage collection, although `node dist/cli.js` and the image's ENTRYPOINT start Node without
 * `--expose-gc`: the flag is switched on just long enough to take `gc` from a fresh context, as
 * jest-leak-detector does. Does nothing where that does not work.
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
