import { describe, expect, it } from 'vitest';
import { progressFromClass } from '../../src/client/progress.ts';

/** In a class the course's progress marks come from the server's record (GET /api/classes/me). */
describe('progressFromClass', () => {
  const at = '2026-12-02T10:00:00.000Z';
  const later = '2026-12-02T10:05:00.000Z';

  it('counts the checks passing now, and makes a lesson complete once each check has passed at some time', () => {
    const marks = progressFromClass({
      one: {
        cmd: { passed: true, firstPassedAt: at, lastCheckedAt: at, reason: null },
        built: { passed: false, firstPassedAt: at, lastCheckedAt: later, reason: 'no image hello' },
      },
      two: {
        listed: { passed: false, firstPassedAt: null, lastCheckedAt: at, reason: 'not yet' },
        ran: { passed: true, firstPassedAt: at, lastCheckedAt: at, reason: null },
      },
    });
    expect(marks.one).toEqual({ status: 'complete', passed: ['cmd'], total: 2, updatedAt: Date.parse(later) });
    expect(marks.two).toEqual({ status: 'started', passed: ['ran'], total: 2, updatedAt: Date.parse(at) });
  });

  it('leaves a lesson with no recorded check out, so it reads "not started"', () => {
    expect(progressFromClass({ one: {} })).toEqual({});
  });
});
