/**
 * The toolbar's session clock: the time left before the sandbox's hard end, refreshed every few
 * seconds, and one warning on the status line (a polite live region) five minutes before the
 * session ends, by its limit or by going unused.
 */
import { endWarning, formatRemaining, sessionEnd, WARN_BEFORE_MS, type SessionTimes } from '../lib/session-clock.ts';

const TICK_MS = 5_000;

export class SessionClock {
  readonly #element: HTMLElement;
  readonly #warn: (text: string) => void;
  #times: SessionTimes | undefined;
  #lastActiveAt = Date.now();
  /** The end a warning was given for, so each end is announced once. */
  #warnedFor: number | undefined;

  constructor(element: HTMLElement, warn: (text: string) => void) {
    this.#element = element;
    this.#warn = warn;
    setInterval(() => this.#paint(), TICK_MS);
  }

  /** The server described the session (which also counts as using it). */
  update(times: SessionTimes): void {
    this.#times = { expiresAt: times.expiresAt, idleTimeoutMs: times.idleTimeoutMs };
    this.touch();
  }

  /** The learner used the sandbox: the idle end moves on. */
  touch(): void {
    this.#lastActiveAt = Date.now();
    this.#paint();
  }

  #paint(): void {
    if (!this.#times) return;
    const now = Date.now();
    const left = this.#times.expiresAt - now;
    this.#element.hidden = false;
    this.#element.querySelector('[data-clock-text]')!.textContent = `${formatRemaining(left)} left`;
    this.#element.dataset.tone = left <= WARN_BEFORE_MS ? 'warn' : 'info';
    const end = sessionEnd(this.#times, this.#lastActiveAt);
    const warning = endWarning(end, now);
    if (warning && this.#warnedFor !== end.at) {
      this.#warnedFor = end.at;
      this.#warn(warning);
    }
  }
}
