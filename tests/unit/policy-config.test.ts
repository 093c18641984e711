import { describe, expect, it } from 'vitest';
import { policyFromEnv } from '../../sandbox-server/config/policy.ts';
import { parseBytes, parseDuration } from '../../sandbox-server/config/units.ts';
import { containerCreateOptions, decodePorts, encodePorts } from '../../sandbox-server/policy/container-template.ts';
import { Namespace } from '../../sandbox-server/scope/namespace.ts';

describe('policy from the environment', () => {
  it('has the documented defaults', () => {
    const policy = policyFromEnv({});
    expect(policy.container).toMatchObject({ memoryBytes: 256 * 1024 ** 2, nanoCpus: 5e8, pids: 128, logMaxBytes: 1024 ** 2 });
    expect(policy.build).toMatchObject({ memoryBytes: 512 * 1024 ** 2, cpuQuota: 50_000 });
    expect(policy.quotas).toMatchObject({ runningContainers: 5, images: 10, buildsPerSession: 1 });
    expect(policy.sessions).toMatchObject({ idleTtlMs: 30 * 60_000, hardTtlMs: 2 * 3_600_000 });
  });

  it('reads overrides, and names the variable when one is wrong', () => {
    expect(policyFromEnv({ LAYERLAB_CONTAINER_MEMORY: '1g' }).container.memoryBytes).toBe(1024 ** 3);
    expect(policyFromEnv({ LAYERLAB_SESSION_IDLE_TTL: '90s' }).sessions.idleTtlMs).toBe(90_000);
    expect(() => policyFromEnv({ LAYERLAB_CONTAINER_PIDS: 'lots' })).toThrow('LAYERLAB_CONTAINER_PIDS: "lots" is not a positive number');
    expect(() => policyFromEnv({ LAYERLAB_BUILD_MEMORY: 'big' })).toThrow(/^LAYERLAB_BUILD_MEMORY: "big" is not a size/);
  });

  it('parses units', () => {
    expect(parseBytes('512m')).toBe(512 * 1024 ** 2);
    expect(parseBytes('64KiB')).toBe(64 * 1024);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('250')).toBe(250);
  });
});

describe('the container template', () => {
  const ns = new Namespace('0123456789abcdef', 'main', 42);
  const options = containerCreateOptions(
    {
      image: 'll-0123456789abcdef/web',
      name: 'web',
      env: ['A=1'],
      tty: true,
      interactive: true,
      ports: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
      volumes: [{ name: 'data', target: '/data', readOnly: false }],
    },
    ns,
    policyFromEnv({}),
  );

  it('fixes every security field, whatever the learner asked', () => {
    expect(options.HostConfig).toMatchObject({
      Memory: 256 * 1024 ** 2,
      MemorySwap: 256 * 1024 ** 2,
      NanoCpus: 5e8,
      PidsLimit: 128,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Privileged: false,
      Init: true,
      NetworkMode: 'll-0123456789abcdef-net',
      Binds: [],
      PortBindings: {},
      Devices: [],
      OomKillDisable: false,
      LogConfig: { Type: 'json-file', Config: { 'max-size': String(1024 ** 2), 'max-file': '1' } },
    });
    expect(options.HostConfig?.CapAdd).not.toContain('SYS_ADMIN');
    expect(options.HostConfig?.Mounts).toEqual([{ Type: 'volume', Source: 'll-0123456789abcdef-data', Target: '/data', ReadOnly: false }]);
  });

  it('names and labels the container in the namespace, remembering its ports', () => {
    expect(options.name).toBe('ll-0123456789abcdef-web');
    expect(options.Labels).toMatchObject({ 'org.layerlab.session': '0123456789abcdef', 'org.layerlab.name': 'web', 'org.layerlab.ports': '8080:80/tcp' });
    expect(options.ExposedPorts).toEqual({ '80/tcp': {} });
    expect(decodePorts(encodePorts([{ hostPort: 1, containerPort: 2, protocol: 'udp' }]))).toEqual([{ hostPort: 1, containerPort: 2, protocol: 'udp' }]);
  });
});
