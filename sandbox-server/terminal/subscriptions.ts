interface Emitter {
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
}

/** Listeners a terminal put on the workbench and the session, taken off together when it is done with them. */
export class Subscriptions {
  readonly #off: (() => void)[] = [];

  on(emitter: Emitter, event: string, listener: (...args: never[]) => void): void {
    emitter.on(event, listener);
    this.#off.push(() => emitter.off(event, listener));
  }

  clear(): void {
    for (const off of this.#off.splice(0)) off();
  }
}
