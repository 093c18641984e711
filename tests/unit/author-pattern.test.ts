import { describe, expect, it } from 'vitest';
import '../../sandbox-server/regexp-guard.ts';
import { findAuthorPattern, PatternTimeoutError } from '../../sandbox-server/checks/author-pattern.ts';

describe("a lesson author's pattern", () => {
  it('matches case-insensitively, with ^ and $ at line ends', () => {
    expect(findAuthorPattern('^docker tag', 'ls\nDocker TAG a b\n')).toBe(3);
    expect(findAuthorPattern('^tag', 'docker tag')).toBe(-1);
  });

  // Without the limit and the guard, backtracking on 40 characters takes minutes: past the test's timeout.
  it('cannot hold the server on a text built against it: it ends, or stops with a sentence', () => {
    let outcome: number | string;
    try {
      outcome = findAuthorPattern('^(a|aa)+$', `${'a'.repeat(40)}!`);
    } catch (error) {
      expect(error).toBeInstanceOf(PatternTimeoutError);
      outcome = (error as Error).message;
    }
    expect([-1, 'the pattern ^(a|aa)+$ took longer than 500 ms on this text']).toContain(outcome);
  });
});
