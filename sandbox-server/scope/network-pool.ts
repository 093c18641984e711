/**
 * Session networks take small subnets from a pool of their own. Left to itself, the engine gives
 * every network a /16 or /20 from its default pools, which hold about 30 networks: a classroom
 * would run out. A /28 holds 13 containers, more than a session may run at once, and a /16 pool
 * holds 4096 of them.
 */

export const SUBNET_PREFIX = 28;

export interface Pool {
  base: number;
  prefix: number;
}

export function parsePool(text: string): Pool {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  const octets = match?.slice(1, 5).map(Number) ?? [];
  const prefix = Number(match?.[5]);
  if (!match || octets.some((octet) => octet > 255) || prefix < 8 || prefix > SUBNET_PREFIX) {
    throw new Error(`"${text}" is not an IPv4 pool like 10.200.0.0/16 (a prefix from /8 to /${SUBNET_PREFIX})`);
  }
  const base = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (base & mask) >>> 0, prefix };
}

function formatAddress(address: number): string {
  return [24, 16, 8, 0].map((shift) => (address >>> shift) & 255).join('.');
}

/**
 * The subnets to try for a namespace, in order: starting at a place its hash picks, so sessions
 * rarely collide, then onwards through the pool.
 */
export function* subnetsFor(pool: Pool, namespace: string): Generator<{ subnet: string; gateway: string }> {
  const count = 2 ** (SUBNET_PREFIX - pool.prefix);
  const size = 2 ** (32 - SUBNET_PREFIX);
  const start = Number.parseInt(namespace.slice(0, 8), 16) % count;
  for (let i = 0; i < count; i++) {
    const network = (pool.base + ((start + i) % count) * size) >>> 0;
    // The gateway is named so that inspect reports it (the host's address on the bridge).
    yield { subnet: `${formatAddress(network)}/${SUBNET_PREFIX}`, gateway: formatAddress(network + 1) };
  }
}
