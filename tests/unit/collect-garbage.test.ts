import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../../src/common/collect-garbage.js';

describe('collectGarbage', () => {
  it('collects what nothing refers to any more (a WeakRef to it is cleared), without --expose-gc', async () => {
    const ref = new WeakRef({ values: Array.from({ length: 10_000 }, (_, i) => i) });
    // A WeakRef keeps its target alive until the current job ends.
    await new Promise((resolve) => setTimeout(resolve, 0));
    collectGarbage();
    expect(ref.deref()).toBeUndefined();
  });

  it('leaves the flag off again: new contexts get no gc', () => {
    collectGarbage();
    expect(runInNewContext('typeof gc')).toBe('undefined');
  });
});
