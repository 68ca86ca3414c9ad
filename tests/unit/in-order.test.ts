// inOrder: what extract relies on to merge objects, and to list dates, in order while several are under way.
import { describe, expect, it } from 'vitest';
import { inOrder } from '../../src/common/in-order.js';

/** Resolves `value` after `ms` milliseconds, counting how many are under way at once. */
function tracker() {
  let underWay = 0;
  let most = 0;
  return {
    get most() {
      return most;
    },
    after<T>(ms: number, value: T, fail = false): Promise<T> {
      underWay += 1;
      most = Math.max(most, underWay);
      return new Promise((resolve, reject) =>
        setTimeout(() => {
          underWay -= 1;
          if (fail) reject(new Error(`failed ${String(value)}`));
          else resolve(value);
        }, ms),
      );
    },
  };
}

describe('inOrder', () => {
  it('hands results over in item order although later items finish first, with at most `window` under way', async () => {
    const t = tracker();
    const seen: number[] = [];
    await inOrder([0, 1, 2, 3, 4, 5, 6], 3, (i) => t.after(30 - i * 4, i), (r) => seen.push(r));
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(t.most).toBe(3);
  });

  it('throws the first failure in item order, after handing over what came before it', async () => {
    const t = tracker();
    const seen: number[] = [];
    const run = inOrder([0, 1, 2, 3], 4, (i) => t.after(i === 3 ? 1 : 20, i, i >= 2), (r) => seen.push(r));
    await expect(run).rejects.toThrow('failed 2');
    expect(seen).toEqual([0, 1]);
  });

  it('starts nothing more once the signal is aborted', async () => {
    const controller = new AbortController();
    const started: number[] = [];
    const run = inOrder([0, 1, 2, 3], 1, async (i) => {
      started.push(i);
      if (i === 1) controller.abort(new Error('stop'));
      return Promise.resolve(i);
    }, () => undefined, controller.signal);
    await expect(run).rejects.toThrow('stop');
    expect(started).toEqual([0, 1]);
  });
});
