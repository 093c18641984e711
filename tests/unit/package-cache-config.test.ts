import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NPM_CACHE_HOST, PYPI_CACHE_HOST } from '../../sandbox-server/packages/cache-hosts.ts';
import { npmCacheConfig } from '../../sandbox-server/packages/npm-cache-config.ts';
import { proxyConfig, REFUSED_DESTINATION } from '../../sandbox-server/packages/proxy-config.ts';
import { packageProxyAddress, pythonIndex, type PackageCacheSettings } from '../../sandbox-server/packages/settings.ts';

const settings: PackageCacheSettings = {
  network: 'layerlab-packages',
  bridge: 'lpkgcache',
  subnet: '10.201.0.0/29',
  gateway: '10.201.0.1',
  proxyUrl: 'http://10.201.0.1:3128',
  directory: '/var/lib/layerlab/packages',
  npmRegistry: 'https://registry.npmjs.org/',
  pythonIndexes: [
    { kind: 'folder', path: '/opt/pypi/simple' },
    { kind: 'remote', url: 'https://pypi.org/simple/' },
  ],
  pythonFiles: 'https://files.pythonhosted.org/',
  debian: { archive: 'http://deb.debian.org/debian', security: 'http://security.debian.org/debian-security' },
};

describe('package cache settings', () => {
  it('reads folders and URLs as indexes, and refuses what is neither', () => {
    expect(pythonIndex('file:///opt/pypi/simple')).toEqual({ kind: 'folder', path: '/opt/pypi/simple' });
    expect(pythonIndex('/opt/pypi/simple/')).toEqual({ kind: 'folder', path: '/opt/pypi/simple' });
    expect(pythonIndex('https://mirror.example/simple')).toEqual({ kind: 'remote', url: 'https://mirror.example/simple/' });
    expect(() => pythonIndex('/opt/py pi')).toThrow(/not a plain absolute folder path/);
    expect(() => pythonIndex('/opt/../etc')).toThrow(/not a plain absolute folder path/);
    expect(() => pythonIndex('ftp://mirror.example/simple')).toThrow(/not an http\(s\) URL/);
    expect(() => pythonIndex('simple')).toThrow(/neither a URL nor an absolute folder/);
  });

  it('puts a cache on another subnet on a network and bridge of its own, and none when off', () => {
    expect(packageProxyAddress({})).toMatchObject({ network: 'layerlab-packages', bridge: 'lpkgcache', proxyUrl: 'http://10.201.0.1:3128' });
    const other = packageProxyAddress({ LAYERLAB_PACKAGE_CACHE_SUBNET: '10.202.0.0/29' })!;
    expect(other.network).toBe('layerlab-packages-202-0');
    expect(other.bridge.length).toBeLessThanOrEqual(15);
    expect(other.bridge.startsWith('ll')).toBe(false);
    expect(packageProxyAddress({ LAYERLAB_PACKAGE_CACHE: 'off' })).toBeUndefined();
    expect(() => packageProxyAddress({ LAYERLAB_PACKAGE_CACHE_SUBNET: '192.168.0.0/16' })).toThrow(/LAYERLAB_PACKAGE_CACHE_SUBNET: .*10\.x\.y\.0/);
  });
});

describe('the proxy configuration', () => {
  const config = proxyConfig(settings, { directory: '/tmp/proxy', npmSocket: '/tmp/npm.sock' });

  it('serves the three sources by name and refuses every other host with the sentence', () => {
    expect(config).toContain(`server_name ${NPM_CACHE_HOST};`);
    expect(config).toContain(`server_name ${PYPI_CACHE_HOST};`);
    expect(config).toContain('server_name deb.debian.org;');
    expect(config).toContain('server_name security.debian.org;');
    expect(config).toMatch(new RegExp(`default_server;\\n\\s+location / \\{ return 403 "${REFUSED_DESTINATION.replace(/[()]/g, '\\$&')}`));
    // Every server but the refusing one takes downloads only.
    const servers = config.split('  server {').slice(1);
    for (const server of servers.filter((text) => !text.includes('default_server'))) expect(server).toContain('limit_except GET HEAD { deny all; }');
  });

  it('looks in the index folders before the remote index, and rewrites its file links back to the cache', () => {
    expect(config).toContain('try_files /opt/pypi/simple/$project/index.html @remote_index;');
    expect(config).toContain('try_files /opt/pypi/files/$file @remote_file;');
    expect(config).toContain(`sub_filter 'https://files.pythonhosted.org/' 'http://${PYPI_CACHE_HOST}/files/';`);
  });

  it('is a configuration nginx accepts', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'proxy-config-'));
    try {
      mkdirSync(path.join(dir, 'tmp'));
      const file = path.join(dir, 'nginx.conf');
      writeFileSync(file, proxyConfig(settings, { directory: dir, npmSocket: path.join(dir, 'npm.sock') }));
      const tested = spawnSync('/usr/sbin/nginx', ['-t', '-q', '-c', file, '-p', dir, '-e', path.join(dir, 'error.log')], { encoding: 'utf8' });
      expect(tested.stderr).toBe('');
      expect(tested.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives Verdaccio an upstream and no way to publish', () => {
    const npm = npmCacheConfig(settings, { directory: '/tmp/npm', socket: '/tmp/npm.sock' });
    expect(npm).toContain('url: "https://registry.npmjs.org/"');
    expect(npm).toContain('max_users: -1');
    expect(npm).toContain('- "unix:/tmp/npm.sock"');
  });
});
