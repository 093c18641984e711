import { describe, expect, it } from 'vitest';
import { registryPort } from '../../sandbox-server/registry/address.ts';

describe('the class registry port', () => {
  it('follows the variable when it changes, though read once per value', () => {
    expect(registryPort({ LAYERLAB_REGISTRY_PORT: '5001' })).toBe(5001);
    expect(registryPort({ LAYERLAB_REGISTRY_PORT: '5001' })).toBe(5001);
    expect(registryPort({ LAYERLAB_REGISTRY_PORT: '5003' })).toBe(5003);
    expect(registryPort({})).toBe(5000);
    expect(() => registryPort({ LAYERLAB_REGISTRY_PORT: 'many' })).toThrow(/^LAYERLAB_REGISTRY_PORT: "many"/);
  });
});
