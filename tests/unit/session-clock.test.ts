import { describe, expect, it } from 'vitest';
import { endWarning, formatRemaining, sessionEnd } from '../../src/lib/session-clock.ts';

const MIN = 60_000;

describe('the session clock', () => {
  it('ends at the hard limit or after the idle time, whichever is first', () => {
    expect(sessionEnd({ expiresAt: 100 * MIN, idleTimeoutMs: 30 * MIN }, 10 * MIN)).toEqual({ at: 40 * MIN, cause: 'idle' });
    expect(sessionEnd({ expiresAt: 100 * MIN, idleTimeoutMs: 30 * MIN }, 80 * MIN)).toEqual({ at: 100 * MIN, cause: 'limit' });
  });

  it('reads in whole minutes, rounded up', () => {
    expect(formatRemaining(2 * 60 * MIN)).toBe('2 h 00 min');
    expect(formatRemaining(65 * MIN + 1)).toBe('1 h 06 min');
    expect(formatRemaining(42 * MIN)).toBe('42 min');
    expect(formatRemaining(30_000)).toBe('under a minute');
    expect(formatRemaining(0)).toBe('no time');
  });

  it('warns from five minutes before the end, naming the cause', () => {
    const limit = { at: 60 * MIN, cause: 'limit' } as const;
    expect(endWarning(limit, 54 * MIN)).toBeUndefined();
    expect(endWarning(limit, 55 * MIN)).toBe('Your sandbox ends in 5 min: Download keeps a copy of your files (this browser keeps them too).');
    expect(endWarning(limit, 60 * MIN - 10_000)).toMatch(/^Your sandbox ends in under a minute/);
    expect(endWarning(limit, 60 * MIN)).toBeUndefined();
    expect(endWarning({ at: 60 * MIN, cause: 'idle' }, 57 * MIN)).toBe('Your sandbox closes in 3 min unless you use it; your files stay in this browser.');
  });
});
