import { describe, expect, it } from 'vitest';
import { formatReference, looksLikeImageId, parseReference } from '../../sandbox-server/scope/reference.ts';

describe('parseReference', () => {
  it('reads names the way the docker CLI does', () => {
    expect(parseReference('nginx')).toEqual({ domain: undefined, path: 'nginx', tag: undefined, digest: undefined });
    expect(parseReference('node:18-slim')).toMatchObject({ path: 'node', tag: '18-slim' });
    expect(parseReference('myorg/app:v1')).toMatchObject({ path: 'myorg/app', tag: 'v1' });
    expect(parseReference('localhost:5000/app:v1')).toMatchObject({ domain: 'localhost:5000', path: 'app', tag: 'v1' });
  });

  it('folds Docker Hub spellings into the familiar name', () => {
    expect(parseReference('docker.io/library/nginx:1.22')).toMatchObject({ domain: undefined, path: 'nginx', tag: '1.22' });
    expect(parseReference('library/busybox')).toMatchObject({ path: 'busybox' });
    expect(parseReference('docker.io/myorg/app')).toMatchObject({ domain: undefined, path: 'myorg/app' });
  });

  it('refuses what docker refuses, with its words', () => {
    expect(() => parseReference('Hello')).toThrow('invalid reference format: repository name must be lowercase');
    expect(() => parseReference('hello world')).toThrow('invalid reference format');
    expect(() => parseReference('app:')).toThrow('invalid reference format');
    expect(() => parseReference('')).toThrow('invalid reference format');
    expect(() => parseReference('a/../b')).toThrow('invalid reference format');
  });

  it('formats with an explicit tag', () => {
    expect(formatReference(parseReference('hello'))).toBe('hello:latest');
    expect(formatReference(parseReference('localhost:5000/app'))).toBe('localhost:5000/app:latest');
  });

  it('recognises image IDs', () => {
    expect(looksLikeImageId('3f2a1b9c')).toBe(true);
    expect(looksLikeImageId('sha256:3f2a1b9c')).toBe(true);
    expect(looksLikeImageId('hello')).toBe(false);
  });
});
