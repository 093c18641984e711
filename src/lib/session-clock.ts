/**
 * The sandbox session's clock, as the workspace shows it: how long is left before the session's hard
 * end, and the warning five minutes before it ends, by its time limit or by going unused. Pure, so
 * the browser's element (src/client/session-clock.ts) only paints what these say.
 */

export const WARN_BEFORE_MS = 5 * 60_000;

export interface SessionTimes {
  /** The hard end, whatever the learner does (epoch ms). */
  expiresAt: number;
  /** The session also ends after this long unused. */
  idleTimeoutMs: number;
}

export interface SessionEnd {
  at: number;
  cause: 'limit' | 'idle';
}

/** When the session ends if nothing more happens after lastActiveAt. */
export function sessionEnd(times: SessionTimes, lastActiveAt: number): SessionEnd {
  const idleAt = lastActiveAt + times.idleTimeoutMs;
  return idleAt < times.expiresAt ? { at: idleAt, cause: 'idle' } : { at: times.expiresAt, cause: 'limit' };
}

/** "1 h 05 min", "42 min", "under a minute": whole minutes, rounded up, so it never says 0 too soon. */
export function formatRemaining(ms: number): string {
  if (ms <= 0) return 'no time';
  if (ms < 60_000) return 'under a minute';
  const minutes = Math.ceil(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** The status line's warning once the end is five minutes away or less; undefined before that. */
export function endWarning(end: SessionEnd, now: number): string | undefined {
  const left = end.at - now;
  if (left > WARN_BEFORE_MS || left <= 0) return undefined;
  const when = left < 60_000 ? 'in under a minute' : `in ${Math.ceil(left / 60_000)} min`;
  return end.cause === 'limit'
    ? `Your sandbox ends ${when}: Download keeps a copy of your files (this browser keeps them too).`
    : `Your sandbox closes ${when} unless you use it; your files stay in this browser.`;
}
