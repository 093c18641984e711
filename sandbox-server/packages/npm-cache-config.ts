import type { PackageCacheSettings } from './settings.ts';

export interface NpmCachePaths {
  directory: string;
  socket: string;
}

/**
 * Verdaccio as a read-only mirror of the npm registry: every package is fetched from upstream
 * once and kept, nobody may publish (no user can be added), and it listens on a unix socket that
 * only the proxy is pointed at. Its log is JSON lines on stdout, one per request and per fetch.
 */
export function npmCacheConfig(settings: PackageCacheSettings, paths: NpmCachePaths): string {
  const quote = (text: string) => JSON.stringify(text);
  return [
    '# the Layerlab class package cache: npm',
    `storage: ${quote(`${paths.directory}/storage`)}`,
    'auth:',
    '  htpasswd:',
    `    file: ${quote(`${paths.directory}/htpasswd`)}`,
    '    max_users: -1',
    'uplinks:',
    '  upstream:',
    `    url: ${quote(settings.npmRegistry)}`,
    '    cache: true',
    '    timeout: 60s',
    '    maxage: 10m',
    'packages:',
    "  '@*/*':",
    '    access: $all',
    '    publish: $authenticated',
    '    proxy: upstream',
    "  '**':",
    '    access: $all',
    '    publish: $authenticated',
    '    proxy: upstream',
    'web:',
    '  enable: false',
    'listen:',
    `  - ${quote(`unix:${paths.socket}`)}`,
    'log:',
    '  type: stdout',
    '  format: json',
    '  level: http',
    '',
  ].join('\n');
}
