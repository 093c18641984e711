import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { readEnvironment } from '../config/environment.ts';
import { hostDebianMirrors, type DebianMirrors } from '../images/debian-mirrors.ts';
import { PACKAGE_BRIDGE_PREFIX, PACKAGE_NETWORK, PROXY_PORT } from './cache-hosts.ts';

const DEFAULT_SUBNET = '10.201.0.0/29';

/** Where one Python package index comes from: a folder laid out as a simple index, or a remote one. */
export type PythonIndex = { kind: 'folder'; path: string } | { kind: 'remote'; url: string };

export interface PackageCacheSettings {
  /** The builds' engine network, and its bridge on the host. */
  network: string;
  bridge: string;
  subnet: string;
  /** The network's first address, where the proxy listens. */
  gateway: string;
  /** What builds get as HTTP_PROXY. */
  proxyUrl: string;
  directory: string;
  npmRegistry: string;
  pythonIndexes: PythonIndex[];
  /** Where a remote index's absolute file links point. */
  pythonFiles: string;
  debian: DebianMirrors;
}

type Env = Record<string, string | undefined>;

const DEFAULT_PYPI = 'https://pypi.org/simple/';

/** The address builds reach the proxy at, known from the environment alone (no engine needed). */
export function packageProxyAddress(env: Env = process.env): { network: string; bridge: string; gateway: string; proxyUrl: string } | undefined {
  const e = readEnvironment(env);
  if (e.LAYERLAB_PACKAGE_CACHE === 'off') return undefined;
  const subnet = e.LAYERLAB_PACKAGE_CACHE_SUBNET;
  const gateway = subnet.replace(/\.0\/\d+$/, '.1');
  // A cache on another subnet (a test's, a second course's) is a network of its own.
  const [, second, third] = subnet.split('.');
  const own = subnet === DEFAULT_SUBNET ? '' : `-${second}-${third}`;
  return {
    network: `${PACKAGE_NETWORK}${own}`,
    bridge: `${PACKAGE_BRIDGE_PREFIX}${own ? `${second}x${third}` : 'cache'}`,
    gateway,
    proxyUrl: `http://${gateway}:${PROXY_PORT}`,
  };
}

export async function packageCacheSettings(env: Env = process.env): Promise<PackageCacheSettings | undefined> {
  const address = packageProxyAddress(env);
  if (!address) return undefined;
  const e = readEnvironment(env);
  const configured = e.LAYERLAB_PACKAGE_CACHE_DIR;
  return {
    subnet: e.LAYERLAB_PACKAGE_CACHE_SUBNET,
    ...address,
    directory: path.resolve(configured ?? (process.getuid?.() === 0 ? '/var/lib/layerlab/packages' : path.join(os.homedir(), '.local', 'share', 'layerlab', 'packages'))),
    npmRegistry: e.LAYERLAB_NPM_REGISTRY.endsWith('/') ? e.LAYERLAB_NPM_REGISTRY : `${e.LAYERLAB_NPM_REGISTRY}/`,
    pythonIndexes: (e.LAYERLAB_PYPI_INDEX ?? hostPipIndexes()).map(pythonIndex),
    pythonFiles: e.LAYERLAB_PYPI_FILES.endsWith('/') ? e.LAYERLAB_PYPI_FILES : `${e.LAYERLAB_PYPI_FILES}/`,
    debian: await hostDebianMirrors(env),
  };
}

/** `file:///opt/pypi/simple` and `/opt/pypi/simple` are folders; anything else is a remote index. */
export function pythonIndex(text: string): PythonIndex {
  const folder = text.startsWith('file://') ? decodeURIComponent(new URL(text).pathname) : text.startsWith('/') ? text : undefined;
  if (folder !== undefined) {
    // The folder's path goes into the proxy's configuration, so it is held to plain characters.
    if (!/^\/[A-Za-z0-9._/-]*$/.test(folder) || folder.split('/').includes('..')) {
      throw new Error(`LAYERLAB_PYPI_INDEX: "${text}" is not a plain absolute folder path (letters, digits, . _ - and /)`);
    }
    return { kind: 'folder', path: folder.replace(/\/+$/, '') };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`LAYERLAB_PYPI_INDEX: "${text}" is neither a URL nor an absolute folder`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`LAYERLAB_PYPI_INDEX: "${text}" is not an http(s) URL`);
  return { kind: 'remote', url: url.href.endsWith('/') ? url.href : `${url.href}/` };
}

/**
 * The indexes this host's pip uses (its index, PyPI unless set, then its extra indexes), since
 * those are known to answer from here; some machines reach PyPI only through a local mirror.
 */
export function hostPipIndexes(): string[] {
  const listed = spawnSync('python3', ['-m', 'pip', 'config', 'list'], { encoding: 'utf8', timeout: 20_000 });
  const values = new Map<string, string>();
  for (const line of (listed.stdout ?? '').split('\n')) {
    const equals = line.indexOf('=');
    if (equals < 0) continue;
    const key = line.slice(0, equals).replace(/^[^.]*\./, '');
    values.set(key, line.slice(equals + 1).trim().replace(/^'(.*)'$/, '$1'));
  }
  const env = process.env;
  const index = env.PIP_INDEX_URL ?? values.get('index-url') ?? DEFAULT_PYPI;
  const extras = (env.PIP_EXTRA_INDEX_URL ?? values.get('extra-index-url') ?? '').split(/\s+/).filter(Boolean);
  return [index, ...extras];
}
