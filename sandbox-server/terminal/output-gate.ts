/**
 * Keeps a flood of output from swamping the browser. A command's output stops at a total cap with
 * a notice; a TTY session (run -it, exec -it) is held to a rate instead, since a shell may
 * legitimately print a lot over time.
 */
export interface Admitted {
  data: Uint8Array;
  notice?: 'cap' | 'rate';
}

export class OutputGate {
  readonly #cap: number;
  readonly #perSecond: number;
  #total = 0;
  #capped = false;
  #windowStart = 0;
  #windowBytes = 0;
  #rateNoticeShown = false;

  constructor(capBytes: number, bytesPerSecond: number) {
    this.#cap = capBytes;
    this.#perSecond = bytesPerSecond;
  }

  admit(data: Uint8Array, interactive: boolean, now = Date.now()): Admitted {
    if (interactive) {
      if (now - this.#windowStart >= 1000) {
        this.#windowStart = now;
        this.#windowBytes = 0;
        this.#rateNoticeShown = false;
      }
      const room = this.#perSecond - this.#windowBytes;
      if (data.length <= room) {
        this.#windowBytes += data.length;
        return { data };
      }
      this.#windowBytes = this.#perSecond;
      const notice = this.#rateNoticeShown ? undefined : 'rate';
      this.#rateNoticeShown = true;
      return { data: data.subarray(0, Math.max(0, room)), notice };
    }
    if (this.#capped) return { data: new Uint8Array() };
    const room = this.#cap - this.#total;
    if (data.length <= room) {
      this.#total += data.length;
      return { data };
    }
    this.#capped = true;
    this.#total = this.#cap;
    return { data: data.subarray(0, room), notice: 'cap' };
  }
}
