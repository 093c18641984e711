import { describe, expect, it } from 'vitest';
import { Namespace, namespaceOf, namespaceOfImageTag, namespaceOfObjectName } from '../../sandbox-server/scope/namespace.ts';

describe('Namespace', () => {
  const id = namespaceOf('secret-session-id');
  const ns = new Namespace(id, 'main', 1_000);

  it('derives a 16-hex namespace that does not reveal the session id', () => {
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(id).not.toContain('secret');
    expect(namespaceOf('another')).not.toBe(id);
  });

  it('namespaces and un-namespaces image tags', () => {
    expect(ns.imageTag('hello')).toBe(`ll-${id}/hello:latest`);
    expect(ns.imageTag('myorg/app:v2')).toBe(`ll-${id}/myorg/app:v2`);
    expect(ns.displayTag(`ll-${id}/hello:latest`)).toBe('hello:latest');
    expect(ns.displayTag('ll-0000000000000000/hello:latest')).toBeUndefined();
    expect(ns.qualify({ path: 'busybox' })).toBe(`ll-${id}/busybox`);
    expect(namespaceOfImageTag(`ll-${id}/x:1`)).toBe(id);
    expect(namespaceOfImageTag(ns.keepTag('b1'))).toBe(id);
    expect(namespaceOfImageTag('busybox:latest')).toBeUndefined();
  });

  it('namespaces container and volume names', () => {
    expect(ns.containerName('web')).toBe(`ll-${id}-web`);
    expect(ns.displayName(`/ll-${id}-web`)).toBe('web');
    expect(namespaceOfObjectName(`ll-${id}-data`)).toBe(id);
  });

  it('labels objects with session, instance and expiry', () => {
    expect(ns.labels).toEqual({
      'org.layerlab.session': id,
      'org.layerlab.instance': 'main',
      'org.layerlab.expires': '1000',
    });
  });

  it('scrubs the namespace out of engine text', () => {
    expect(ns.scrub(`Successfully tagged ll-${id}/hello:latest\nStep 1/2 : FROM ll-${id}/busybox`)).toBe(
      'Successfully tagged hello:latest\nStep 1/2 : FROM busybox',
    );
    expect(ns.scrub(`container name "/ll-${id}-web"`)).toBe('container name "/web"');
  });
});
