import { describe, expect, it } from 'vitest';
import { humanSize, ordinal } from '../../sandbox-server/format/units.ts';

describe('units as the docker CLI prints them', () => {
  it('sizes in decimal multiples', () => {
    expect(humanSize(0)).toBe('0B');
    expect(humanSize(2048)).toBe('2.048kB');
    expect(humanSize(1_980_000, 3)).toBe('1.98MB');
    expect(humanSize(1_240_000_000, 3)).toBe('1.24GB');
  });

  it('ordinals for queue positions', () => {
    expect(ordinal(1)).toBe('1st');
    expect(ordinal(12)).toBe('12th');
    expect(ordinal(23)).toBe('23rd');
  });
});
