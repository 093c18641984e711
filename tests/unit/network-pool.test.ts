import { describe, expect, it } from 'vitest';
import { parsePool, subnetsFor } from '../../sandbox-server/scope/network-pool.ts';

describe('session network subnets', () => {
  it('reads a pool and walks its /28 subnets from the namespace\'s place', () => {
    const pool = parsePool('10.200.0.0/16');
    const subnets = [...subnetsFor(pool, '00000001aaaaaaaa')];
    expect(subnets).toHaveLength(4096);
    expect(subnets.slice(0, 2)).toEqual([
      { subnet: '10.200.0.16/28', gateway: '10.200.0.17' },
      { subnet: '10.200.0.32/28', gateway: '10.200.0.33' },
    ]);
    expect(subnets.at(-1)).toEqual({ subnet: '10.200.0.0/28', gateway: '10.200.0.1' });
    expect(new Set(subnets.map((entry) => entry.subnet)).size).toBe(4096);
  });

  it('refuses what is not a pool', () => {
    expect(() => parsePool('10.200.0.0')).toThrow(/not an IPv4 pool/);
    expect(() => parsePool('300.1.1.1/16')).toThrow(/not an IPv4 pool/);
    expect(() => parsePool('10.0.0.0/30')).toThrow(/not an IPv4 pool/);
  });
});
