/**
 * A first-come, first-served line for build slots shared by every session on the server.
 * Waiting builds hear their place in line each time it changes.
 */

interface Waiter {
  grant: (release: () => void) => void;
  reject: (error: Error) => void;
  onPosition: (position: number) => void;
}

export class BuildQueue {
  readonly #slots: number;
  #running = 0;
  readonly #waiting: Waiter[] = [];

  constructor(slots: number) {
    this.#slots = slots;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Resolves with a release function once a slot is free. `onPosition(n)` is called with the
   * 1-based place in line while waiting. An abort leaves the line.
   */
  acquire(signal: AbortSignal, onPosition: (position: number) => void): Promise<() => void> {
    if (signal.aborted) return Promise.reject(new Error('cancelled'));
    if (this.#running < this.#slots) {
      this.#running += 1;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { grant: resolve, reject, onPosition };
      this.#waiting.push(waiter);
      onPosition(this.#waiting.length);
      signal.addEventListener(
        'abort',
        () => {
          const index = this.#waiting.indexOf(waiter);
          if (index < 0) return;
          this.#waiting.splice(index, 1);
          reject(new Error('cancelled'));
          this.#announce(index);
        },
        { once: true },
      );
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) {
        next.grant(this.#releaser());
        this.#announce(0);
      } else {
        this.#running -= 1;
      }
    };
  }

  /** Tells everyone from `index` on that they moved up. */
  #announce(index: number): void {
    for (let i = index; i < this.#waiting.length; i++) this.#waiting[i]!.onPosition(i + 1);
  }
}
