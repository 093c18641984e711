import { describe, expect, it } from 'vitest';
import { policyFromEnv } from '../../sandbox-server/config/policy.ts';
import { allowsBaseImage, availableBaseImages, lessonPolicy } from '../../sandbox-server/policy/lesson-policy.ts';

describe('lesson policy overrides', () => {
  const server = policyFromEnv({ LAYERLAB_MAX_RUNNING_CONTAINERS: '3' });

  it('leaves the server policy alone without overrides', () => {
    expect(lessonPolicy(server, undefined)).toBe(server);
    expect(availableBaseImages(server)).toContain('nginx:1.22');
  });

  it('only tightens', () => {
    expect(lessonPolicy(server, { runningContainers: 1 }).quotas.runningContainers).toBe(1);
    expect(lessonPolicy(server, { runningContainers: 9 }).quotas.runningContainers).toBe(3);
    const narrowed = lessonPolicy(server, { baseImages: ['busybox', 'nginx:1.22'] });
    expect(availableBaseImages(narrowed)).toEqual(['busybox:latest', 'nginx:1.22']);
    expect(allowsBaseImage(narrowed, { path: 'nginx', tag: '1.22' })).toBe(true);
    expect(allowsBaseImage(narrowed, { path: 'nginx' })).toBe(false);
    expect(allowsBaseImage(narrowed, { path: 'node', tag: '18-slim' })).toBe(false);
  });
});
