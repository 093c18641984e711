import { describe, expect, it } from 'vitest';
import { matchPreviewHost, parsePreviewHost, previewFrameSource, previewUrl } from '../../sandbox-server/preview/preview-host.ts';
import { serverConfigFromEnv } from '../../sandbox-server/config/server.ts';

const TOKEN = '0123456789abcdef0123456789abcdef';

describe('preview hosts', () => {
  const local = parsePreviewHost('p-{token}-{port}.localhost');

  it('reads the token and port of a preview host, whatever its case and port', () => {
    expect(matchPreviewHost(local, `p-${TOKEN}-8080.localhost:4321`)).toEqual({ token: TOKEN, port: 8080 });
    expect(matchPreviewHost(local, `P-${TOKEN.toUpperCase()}-80.LOCALHOST`)).toEqual({ token: TOKEN, port: 80 });
  });

  it('is no preview host for anything else', () => {
    for (const host of [
      'localhost:4321',
      `p-${TOKEN}-8080.localhost.evil.example`,
      `x.p-${TOKEN}-8080.localhost`,
      `p-${TOKEN.slice(1)}-8080.localhost`,
      `p-${TOKEN}-08080.localhost`,
      `p-${TOKEN}-0.localhost`,
      `p-${TOKEN}-70000.localhost`,
      `p-${TOKEN}-.localhost`,
      `p-${'g'.repeat(32)}-8080.localhost`,
      `${'p-'.repeat(200)}.localhost`,
    ]) {
      expect(matchPreviewHost(local, host), host).toBeUndefined();
    }
    expect(matchPreviewHost(local, undefined)).toBeUndefined();
  });

  it('takes a real domain, placeholders in either order', () => {
    const domain = parsePreviewHost('{port}--{token}.preview.example.org');
    expect(matchPreviewHost(domain, `3000--${TOKEN}.preview.example.org`)).toEqual({ token: TOKEN, port: 3000 });
    expect(previewUrl(domain, TOKEN, 3000, { protocol: 'https', host: 'course.example.org' })).toBe(`https://3000--${TOKEN}.preview.example.org/`);
    expect(previewFrameSource(domain, 'course.example.org')).toBe('*.preview.example.org');
    expect(previewUrl(local, TOKEN, 8080, { protocol: 'http', host: '127.0.0.1:4321' })).toBe(`http://p-${TOKEN}-8080.localhost:4321/`);
    expect(previewFrameSource(local, '127.0.0.1:4321')).toBe('*.localhost:4321');
  });

  it('refuses a pattern it could not match safely, naming the variable', () => {
    for (const pattern of ['localhost', 'p-{token}.localhost', '{token}{port}.localhost', 'p-{token}-{port}', 'p.{token}-{port}.localhost']) {
      expect(() => serverConfigFromEnv({ LAYERLAB_PREVIEW_HOST: pattern }), pattern).toThrow(/^LAYERLAB_PREVIEW_HOST: /);
    }
  });
});
