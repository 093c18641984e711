import { describe, expect, it } from 'vitest';
import { isRuncStartRace } from '../../sandbox-server/engine/runc-start-race.ts';

describe("runc's start race", () => {
  it('is told by the two messages CI saw, as the engine words them, and by nothing else', () => {
    expect(isRuncStartRace(new Error('(HTTP code 500) server error - cannot start a stopped process: unknown'))).toBe(true);
    expect(isRuncStartRace(new Error('(HTTP code 500) server error - cannot start an already running container: unknown'))).toBe(true);
    expect(isRuncStartRace(new Error('(HTTP code 404) no such container - No such container: abc'))).toBe(false);
    expect(isRuncStartRace(new Error('(HTTP code 500) server error - OCI runtime create failed: unable to start container process'))).toBe(false);
    expect(isRuncStartRace(undefined)).toBe(false);
  });
});
