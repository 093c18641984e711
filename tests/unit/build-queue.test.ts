import { describe, expect, it } from 'vitest';
import { BuildQueue } from '../../sandbox-server/build/queue.ts';

describe('BuildQueue', () => {
  it('grants slots in order and tells the waiting their place', async () => {
    const queue = new BuildQueue(1);
    const never = new AbortController().signal;
    const first = await queue.acquire(never, () => undefined);
    const positions: Record<string, number[]> = { b: [], c: [] };
    const second = queue.acquire(never, (n) => positions.b!.push(n));
    const third = queue.acquire(never, (n) => positions.c!.push(n));
    expect(positions).toEqual({ b: [1], c: [2] });
    first();
    const releaseSecond = await second;
    expect(positions.c).toEqual([2, 1]);
    releaseSecond();
    (await third)();
    expect(queue.running).toBe(0);
  });

  it('lets an aborted waiter leave the line', async () => {
    const queue = new BuildQueue(1);
    const release = await queue.acquire(new AbortController().signal, () => undefined);
    const controller = new AbortController();
    const positions: number[] = [];
    const waiting = queue.acquire(controller.signal, () => undefined);
    const behind = queue.acquire(new AbortController().signal, (n) => positions.push(n));
    controller.abort();
    await expect(waiting).rejects.toThrow('cancelled');
    expect(positions).toEqual([2, 1]);
    release();
    (await behind)();
  });
});
