/**
 * The build slots every session on the server shares, handed out fairly: one client address may
 * hold at most `perAddress` slots at once (by default all but one, so one client, however many
 * sessions it opens, never holds every slot), and addresses take turns: a freed slot goes to the
 * waiting address served longest ago, each address's own builds first come, first served.
 * Waiting builds hear their place each time it changes.
 */

interface Waiter {
  address: string;
  /** performance.now() when it joined the line. */
  since: number;
  grant: (release: () => void) => void;
  onPosition: (position: number) => void;
  position?: number;
}

export class BuildQueue {
  readonly #slots: number;
  readonly #perAddress: number;
  #running = 0;
  readonly #runningByAddress = new Map<string, number>();
  /** When each address was last given a slot (a tick of #ticks); an address never served goes first. */
  readonly #lastServed = new Map<string, number>();
  #ticks = 0;
  readonly #waiting: Waiter[] = [];
  readonly #granted = new Set<(waitMs: number) => void>();

  constructor(slots: number, perAddress = Math.max(1, slots - 1)) {
    this.#slots = slots;
    this.#perAddress = Math.min(perAddress, slots);
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Hears how long each build waited for its slot, in milliseconds, as it is granted: the in-process
   * metric of the queue (the bench reads it). Only the wait is told, never whose build it was.
   * Returns the function that stops listening.
   */
  onGranted(listener: (waitMs: number) => void): () => void {
    this.#granted.add(listener);
    return () => this.#granted.delete(listener);
  }

  /**
   * Resolves with a release function once a slot is granted to this address. `onPosition(n)` is
   * called with the 1-based place in line while waiting. An abort leaves the line.
   */
  acquire(signal: AbortSignal, address: string, onPosition: (position: number) => void): Promise<() => void> {
    if (signal.aborted) return Promise.reject(new Error('cancelled'));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { address, since: performance.now(), grant: resolve, onPosition };
      this.#waiting.push(waiter);
      signal.addEventListener(
        'abort',
        () => {
          const index = this.#waiting.indexOf(waiter);
          if (index < 0) return;
          this.#waiting.splice(index, 1);
          reject(new Error('cancelled'));
          this.#dispatch();
        },
        { once: true },
      );
      this.#dispatch();
    });
  }

  /** The line in the order it would be served, were every slot to free one after another. */
  #line(): Waiter[] {
    const served = new Map(this.#lastServed);
    const left = [...this.#waiting];
    const line: Waiter[] = [];
    let tick = this.#ticks;
    while (left.length > 0) {
      let best = 0;
      for (let index = 1; index < left.length; index++) {
        if ((served.get(left[index]!.address) ?? -1) < (served.get(left[best]!.address) ?? -1)) best = index;
      }
      const [next] = left.splice(best, 1);
      served.set(next!.address, ++tick);
      line.push(next!);
    }
    return line;
  }

  #dispatch(): void {
    while (this.#running < this.#slots) {
      const next = this.#line().find((waiter) => (this.#runningByAddress.get(waiter.address) ?? 0) < this.#perAddress);
      if (!next) break;
      this.#waiting.splice(this.#waiting.indexOf(next), 1);
      this.#running += 1;
      this.#runningByAddress.set(next.address, (this.#runningByAddress.get(next.address) ?? 0) + 1);
      this.#lastServed.set(next.address, ++this.#ticks);
      if (this.#lastServed.size > 1000) this.#forgetIdleAddresses();
      next.grant(this.#releaser(next.address));
      const waited = performance.now() - next.since;
      for (const listener of this.#granted) listener(waited);
    }
    for (const [index, waiter] of this.#line().entries()) {
      if (waiter.position === index + 1) continue;
      waiter.position = index + 1;
      waiter.onPosition(index + 1);
    }
  }

  /** Addresses with nothing running or waiting need no turn kept. */
  #forgetIdleAddresses(): void {
    const active = new Set([...this.#runningByAddress.keys(), ...this.#waiting.map((waiter) => waiter.address)]);
    for (const address of this.#lastServed.keys()) if (!active.has(address)) this.#lastServed.delete(address);
  }

  #releaser(address: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#running -= 1;
      const left = (this.#runningByAddress.get(address) ?? 1) - 1;
      if (left > 0) this.#runningByAddress.set(address, left);
      else this.#runningByAddress.delete(address);
      this.#dispatch();
    };
  }
}
