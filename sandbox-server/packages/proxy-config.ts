import { readFileSync } from 'node:fs';
import path from 'node:path';
import { NPM_CACHE_HOST, PROXY_PORT, PYPI_CACHE_HOST } from './cache-hosts.ts';
import type { PackageCacheSettings, PythonIndex } from './settings.ts';

/** Written into the configuration, so a proxy this project started can be told from anyone else's. */
/** Debian's nginx package makes this user; the workers and the npm cache run as it. */
export const SERVICE_USER = 'www-data';

export const PROXY_MARKER = '# the Layerlab class package cache';

/** The sentence a build gets for any destination other than the three package sources. */
export const REFUSED_DESTINATION =
  "Layerlab's package cache serves only the npm registry, PyPI and Debian's packages; builds here reach nothing else";

export interface ProxyPaths {
  /** nginx's pid file, logs, temp files and cache live under here. */
  directory: string;
  /** The npm cache (Verdaccio) listens on this unix socket. */
  npmSocket: string;
}

/**
 * nginx as the builds' only way out. Build steps resolve the cache's names to the gateway, where
 * port 80 is turned to this one, so nginx picks the server by the request's host: the npm cache's
 * name goes to Verdaccio, the PyPI cache's name to the configured indexes, and Debian's mirrors to
 * themselves, each response kept in one cache. A request for any other host is refused.
 */
export function proxyConfig(settings: PackageCacheSettings, paths: ProxyPaths): string {
  const listen = `${settings.gateway}:${PROXY_PORT}`;
  const debianHosts = settings.hosts.filter((host) => host !== NPM_CACHE_HOST && host !== PYPI_CACHE_HOST);
  const folders = folderIndexes(settings.pythonIndexes);
  // try_files wants a file before its fallback; with no folders there is nothing to find.
  const orNothing = (paths: string[]) => (paths.length > 0 ? paths.join(' ') : '/.no-such-file');
  const remote = settings.pythonIndexes.find((index) => index.kind === 'remote');
  return [
    PROXY_MARKER,
    'worker_processes 1;',
    `user ${SERVICE_USER};`,
    'daemon on;',
    `pid ${paths.directory}/nginx.pid;`,
    `error_log ${paths.directory}/error.log warn;`,
    'events { worker_connections 512; }',
    'http {',
    '  default_type application/octet-stream;',
    `  log_format cache '$time_iso8601 $remote_addr "$request" $host $status $upstream_cache_status $body_bytes_sent';`,
    `  access_log ${paths.directory}/access.log cache;`,
    `  client_body_temp_path ${paths.directory}/tmp/body;`,
    `  proxy_temp_path ${paths.directory}/tmp/proxy;`,
    `  fastcgi_temp_path ${paths.directory}/tmp/fastcgi;`,
    `  uwsgi_temp_path ${paths.directory}/tmp/uwsgi;`,
    `  scgi_temp_path ${paths.directory}/tmp/scgi;`,
    `  proxy_cache_path ${paths.directory}/cache levels=1:2 keys_zone=packages:16m max_size=20g inactive=60d use_temp_path=off;`,
    // Builds only download: nothing is uploaded or published through the cache.
    '  client_max_body_size 0;',
    '  server_tokens off;',
    // Upstreams are looked up when asked for, so one that doesn't resolve leaves the others working.
    `  resolver ${resolvers().join(' ')} valid=300s ipv6=off;`,
    '  resolver_timeout 10s;',
    '  proxy_cache_lock on;',
    '  proxy_cache_lock_timeout 120s;',
    '  proxy_cache_use_stale error timeout updating;',
    '  proxy_read_timeout 120s;',
    // Some mirrors (and CDNs in front of them) answer HTTP/1.0 with 426.
    '  proxy_http_version 1.1;',
    '',
    '  server {',
    `    listen ${listen} default_server;`,
    `    location / { return 403 "${REFUSED_DESTINATION} ($host is not one of them).\\n"; }`,
    '  }',
    '',
    '  server {',
    `    listen ${listen};`,
    `    server_name ${NPM_CACHE_HOST};`,
    '    location / {',
    '      limit_except GET HEAD { deny all; }',
    `      proxy_pass http://unix:${paths.npmSocket}:;`,
    // Verdaccio writes the tarball links with this host, so they come back through the proxy.
    '      proxy_set_header Host $host;',
    '      proxy_set_header X-Forwarded-Proto http;',
    '    }',
    '  }',
    '',
    '  server {',
    `    listen ${listen};`,
    `    server_name ${PYPI_CACHE_HOST};`,
    '    location / { limit_except GET HEAD { deny all; } return 404; }',
    '    location ~ ^/simple/?$ { return 404 "This cache has no list of every project; ask for one: /simple/<project>/\\n"; }',
    `    location ~ "^/simple/(?<project>[A-Za-z0-9._-]{1,200})/?$" {`,
    '      limit_except GET HEAD { deny all; }',
    '      default_type text/html;',
    `      root /;`,
    `      try_files ${orNothing(folders.map((folder) => `${folder}/$project/index.html`))} ${remote ? '@remote_index' : '=404'};`,
    '    }',
    `    location ~ "^/files/(?<file>[^/]{1,300})$" {`,
    '      limit_except GET HEAD { deny all; }',
    '      root /;',
    `      try_files ${orNothing(folders.map((folder) => `${path.posix.dirname(folder)}/files/$file`))} ${remote ? '@remote_file' : '=404'};`,
    '    }',
    ...(remote ? remoteIndexLocations(remote.url, settings.pythonFiles) : []),
    '  }',
    '',
    ...debianHosts.flatMap((host) => debianServer(listen, host)),
    '}',
    '',
  ].join('\n');
}

/**
 * The folders of the configured indexes. Each holds `<project>/index.html` whose links are
 * relative (`../../files/...`), so `/files/x` is looked up beside the folder.
 */
function folderIndexes(indexes: PythonIndex[]): string[] {
  return indexes.flatMap((index) => (index.kind === 'folder' ? [index.path] : []));
}

/** A remote index (PyPI or a mirror) through the cache: its pages rewritten so file links come back here. */
function remoteIndexLocations(indexUrl: string, filesUrl: string): string[] {
  return [
    '    location @remote_index {',
    `      proxy_pass ${indexUrl}$project/;`,
    `      proxy_set_header Host ${new URL(indexUrl).host};`,
    '      proxy_ssl_server_name on;',
    // pip would take the JSON form, whose links sub_filter can't be trusted to find; HTML it is.
    '      proxy_set_header Accept "text/html";',
    '      proxy_set_header Accept-Encoding "";',
    `      sub_filter '${filesUrl}' 'http://${PYPI_CACHE_HOST}/files/';`,
    '      sub_filter_once off;',
    '      sub_filter_types application/vnd.pypi.simple.v1+html;',
    '      proxy_cache packages;',
    '      proxy_cache_key pypi-index$project;',
    '      proxy_cache_valid 200 10m;',
    '    }',
    '    location @remote_file {',
    `      proxy_pass ${filesUrl}$file;`,
    `      proxy_set_header Host ${new URL(filesUrl).host};`,
    '      proxy_ssl_server_name on;',
    '      proxy_cache packages;',
    '      proxy_cache_key pypi-file$uri;',
    '      proxy_cache_valid 200 60d;',
    '    }',
  ];
}

/** One of Debian's mirrors (plain HTTP, as apt uses them; apt checks every file's signature). */
function debianServer(listen: string, host: string): string[] {
  const cached = (pattern: string, valid: string) => [
    `    location ${pattern} {`,
    '      limit_except GET HEAD { deny all; }',
    `      set $mirror ${host};`,
    // A variable, so the name is looked up when asked for, not when nginx starts.
    '      proxy_pass http://$mirror;',
    `      proxy_set_header Host ${host};`,
    '      proxy_cache packages;',
    '      proxy_cache_key $host$uri;',
    `      proxy_cache_valid 200 ${valid};`,
    '    }',
  ];
  return [
    '  server {',
    `    listen ${listen};`,
    `    server_name ${host};`,
    // Packages never change under one name; the indexes that name them do, often.
    ...cached('/', '60d'),
    ...cached('~ /dists/', '60s'),
    '  }',
    '',
  ];
}

/** The host's name servers, for nginx's own lookups of the upstreams. */
function resolvers(): string[] {
  let text = '';
  try {
    text = readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    // none configured
  }
  const found = text
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((words) => words[0] === 'nameserver' && words[1])
    .map((words) => (words[1]!.includes(':') ? `[${words[1]}]` : words[1]!));
  return found.length > 0 ? found : ['127.0.0.1'];
}
