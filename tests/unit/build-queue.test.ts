import { describe, expect, it } from 'vitest';
import { BuildQueue } from '../../sandbox-server/build/queue.ts';

const never = new AbortController().signal;

describe('BuildQueue', () => {
  it('grants slots in order and tells the waiting their place', async () => {
    const queue = new BuildQueue(1);
    const first = await queue.acquire(never, 'a', () => undefined);
    const positions: Record<string, number[]> = { b: [], c: [] };
    const second = queue.acquire(never, 'b', (n) => positions.b!.push(n));
    const third = queue.acquire(never, 'c', (n) => positions.c!.push(n));
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
    const release = await queue.acquire(never, 'a', () => undefined);
    const controller = new AbortController();
    const positions: number[] = [];
    const waiting = queue.acquire(controller.signal, 'b', () => undefined);
    const behind = queue.acquire(never, 'c', (n) => positions.push(n));
    controller.abort();
    await expect(waiting).rejects.toThrow('cancelled');
    expect(positions).toEqual([2, 1]);
    release();
    (await behind)();
  });

  it('never gives one address every slot, however many builds it asks for', async () => {
    const queue = new BuildQueue(2);
    const first = await queue.acquire(never, 'crowd', () => undefined);
    let secondGranted = false;
    const second = queue.acquire(never, 'crowd', () => undefined).then((release) => {
      secondGranted = true;
      return release;
    });
    await Promise.resolve();
    expect(secondGranted).toBe(false);
    // The slot it could not take is there for anyone else at once.
    const other = await queue.acquire(never, 'learner', () => undefined);
    expect(queue.running).toBe(2);
    first();
    (await second)();
    other();
  });

  it('serves the address with the fewest builds first, so one client with many sessions takes turns', async () => {
    const queue = new BuildQueue(1, 1);
    const order: string[] = [];
    const running = await queue.acquire(never, 'crowd', () => undefined);
    const waiters = ['crowd', 'crowd', 'learner'].map((address, index) =>
      queue.acquire(never, address, () => undefined).then((release) => {
        order.push(`${address}${index}`);
        release();
      }),
    );
    running();
    await Promise.all(waiters);
    expect(order).toEqual(['learner2', 'crowd0', 'crowd1']);
  });

  it('tells each grant how long it waited, and stops telling a listener that left', async () => {
    const queue = new BuildQueue(1);
    const waits: number[] = [];
    const stop = queue.onGranted((waitMs) => waits.push(waitMs));
    const first = await queue.acquire(never, 'a', () => undefined);
    const second = queue.acquire(never, 'b', () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    first();
    const releaseSecond = await second;
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeLessThan(40);
    expect(waits[1]).toBeGreaterThanOrEqual(45);
    stop();
    releaseSecond();
    (await queue.acquire(never, 'c', () => undefined))();
    expect(waits).toHaveLength(2);
  });
});
