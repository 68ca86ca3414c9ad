/**
 * Runs `start` on each item with up to `window` of them under way at once, and hands each result to
 * `consume` in the items' order: later items proceed while an earlier one is awaited. The first failure,
 * in item order, is thrown; `signal` stops the starting of further items.
 */
export async function inOrder<T, R>(items: Iterable<T>, window: number, start: (item: T) => Promise<R>, consume: (result: R) => void, signal?: AbortSignal): Promise<void> {
  const underWay: Promise<R>[] = [];
  for (const item of items) {
    signal?.throwIfAborted();
    const result = start(item);
    result.catch(() => undefined); // awaited in order below; this only keeps a later failure from going unhandled meanwhile
    underWay.push(result);
    if (underWay.length >= window) consume(await (underWay.shift() as Promise<R>));
  }
  for (const result of underWay) consume(await result);
}
