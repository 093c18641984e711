import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import type Docker from 'dockerode';
import { ensureHostPackages } from '../engine/host-packages.ts';
import { allowOnlyTheProxyFromPackageBridge } from '../scope/host-firewall.ts';
import { NPM_CACHE_HOST, PROXY_PORT } from './cache-hosts.ts';
import { npmCacheConfig } from './npm-cache-config.ts';
import { PROXY_MARKER, proxyConfig, SERVICE_USER } from './proxy-config.ts';
import type { PackageCacheSettings } from './settings.ts';
import { runningFromPidFile, SERVICE_MARK, type ServiceProcess } from '../processes.ts';
import { waitFor } from '../wait-for.ts';

export class PackageCacheError extends Error {}

/** The npm cache's Verdaccio, which renames its command line to "verdaccio" once it runs. */
function verdaccioIn(npmDir: string): ServiceProcess {
  return { pidFile: path.join(npmDir, 'verdaccio.pid'), configFile: path.join(npmDir, 'config.yaml'), title: 'verdaccio' };
}

/** The proxy's nginx master. */
function nginxIn(proxyDir: string): ServiceProcess {
  return { pidFile: path.join(proxyDir, 'nginx.pid'), configFile: path.join(proxyDir, 'nginx.conf') };
}


interface Options {
  logDir: string;
  log: (line: string) => void;
}

/**
 * Gets the class package cache serving builds: the builds' internal network, the host rule that
 * lets that network reach only the proxy, Verdaccio for npm, and nginx as the proxy in front of
 * everything. Like the class registry it is shared by every Layerlab server on the machine and
 * outlives them; one already answering with this configuration is kept.
 */
export async function ensurePackageCache(docker: Docker, settings: PackageCacheSettings, options: Options): Promise<void> {
  await ensurePackageNetwork(docker, settings);
  const refused = allowOnlyTheProxyFromPackageBridge(settings.bridge, settings.gateway, PROXY_PORT);
  if (refused) options.log(`warning: ${refused}`);

  makeTraversable(settings.directory);
  const npmDir = path.join(settings.directory, 'npm');
  const proxyDir = path.join(settings.directory, 'proxy');
  for (const dir of [npmDir, path.join(proxyDir, 'tmp'), path.join(proxyDir, 'cache')]) mkdirSync(dir, { recursive: true, mode: 0o755 });
  const npmSocket = path.join(npmDir, 'verdaccio.sock');

  // Each half is started again only if it is down, so that mending one never cuts the other's
  // downloads: a half that is running with this configuration is kept, answering or only slow.
  const npmConfig = npmCacheConfig(settings, { directory: npmDir, socket: npmSocket });
  const verdaccio = verdaccioIn(npmDir);
  if (!(await sameConfigUp(verdaccio.configFile, npmConfig, async () => runningFromPidFile(verdaccio) || (await npmCacheAnswers(npmSocket))))) {
    await startNpmCache(npmDir, npmConfig, npmSocket, options);
  }

  ensureHostPackages([{ provides: '/usr/sbin/nginx', package: 'nginx' }], options.logDir, options.log);
  const config = proxyConfig(settings, { directory: proxyDir, npmSocket });
  const nginx = nginxIn(proxyDir);
  if (!(await sameConfigUp(nginx.configFile, config, async () => runningFromPidFile(nginx) || (await proxyItselfAnswers(settings))))) {
    startProxy(proxyDir, config, options);
    // The proxy itself: the npm cache behind it was seen to above, and may only be slow.
    if (!(await waitFor(() => proxyItselfAnswers(settings), 15_000))) {
      throw new PackageCacheError(`The package cache's proxy did not answer on ${settings.proxyUrl} within 15 s; see ${path.join(proxyDir, 'error.log')}.`);
    }
  }
  options.log(`class package cache on ${settings.proxyUrl} (npm, PyPI and Debian; cache in ${settings.directory})`);
}

/** True when the service was started from exactly this configuration and is up. */
async function sameConfigUp(file: string, config: string, up: () => Promise<boolean>): Promise<boolean> {
  const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  return current === config && (await up());
}

async function ensurePackageNetwork(docker: Docker, settings: PackageCacheSettings): Promise<void> {
  const existing = await docker
    .getNetwork(settings.network)
    .inspect()
    .catch(() => undefined);
  const subnet = existing?.IPAM?.Config?.[0]?.Subnet;
  if (existing && subnet === settings.subnet && existing.Internal) return;
  if (existing) await docker.getNetwork(settings.network).remove();
  await docker
    .createNetwork({
      Name: settings.network,
      Driver: 'bridge',
      // No route out: the proxy on the gateway is the only thing a build can reach.
      Internal: true,
      CheckDuplicate: true,
      IPAM: { Config: [{ Subnet: settings.subnet, Gateway: settings.gateway }] },
      Options: {
        'com.docker.network.bridge.name': settings.bridge,
        // Builds of different sessions share this network; they must not reach each other.
        'com.docker.network.bridge.enable_icc': 'false',
      },
      Labels: { 'org.layerlab.package-cache': 'true' },
    })
    .catch(async (error: unknown) => {
      // Another server created it at the same moment.
      if (!(await docker.getNetwork(settings.network).inspect().catch(() => undefined))) throw error;
    });
}

async function startNpmCache(directory: string, config: string, socket: string, options: Options): Promise<void> {
  const verdaccio = verdaccioIn(directory);
  stopFromPidFile(verdaccio);
  writeFileSync(verdaccio.configFile, config);
  rmSync(socket, { force: true });
  // Its package exports no bin path, so the file is found beside its package.json.
  const entry = path.join(path.dirname(createRequire(import.meta.url).resolve('verdaccio/package.json')), 'bin', 'verdaccio');
  const logFile = path.join(directory, 'verdaccio.log');
  const fd = openSync(logFile, 'a');
  // It runs as the proxy's unprivileged user where that user can run this project's Node and
  // Verdaccio (a checkout in a private folder can't be), else as the server's own user.
  const user = serviceUser(entry);
  if (user) spawnSync('chown', ['-R', `${user.uid}:${user.gid}`, directory], { stdio: 'ignore' });
  else if (process.getuid?.() === 0) options.log(`warning: the npm cache runs as root, because ${SERVICE_USER} can't reach ${entry}; keep the project in a folder others may read`);
  const child = spawn(process.execPath, [entry, '--config', verdaccio.configFile], {
    detached: true,
    ...(user ?? {}),
    stdio: ['ignore', fd, fd],
    env: { ...process.env, NODE_ENV: 'production', [SERVICE_MARK]: verdaccio.configFile },
  });
  closeSync(fd);
  // A spawn that fails (EACCES, ENOENT) reports here, and the wait below says what to do.
  child.on('error', (error) => options.log(`the npm cache (Verdaccio) could not start: ${error.message}`));
  child.unref();
  writeFileSync(verdaccio.pidFile, `${child.pid}\n`);
  if (!(await waitFor(() => npmCacheAnswers(socket), 30_000))) {
    throw new PackageCacheError(`The npm cache (Verdaccio) did not answer within 30 s; see ${logFile}.`);
  }
  // nginx's workers connect to it; the folder around it is the cache's own.
  chmodSync(socket, 0o666);
  options.log(`started the npm cache (Verdaccio, log: ${logFile})`);
}

function startProxy(directory: string, config: string, options: Options): void {
  const nginx = nginxIn(directory);
  const conf = nginx.configFile;
  // A proxy this project started from an older configuration is replaced; anyone else's nginx is left alone.
  if (existsSync(conf) && readFileSync(conf, 'utf8').startsWith(PROXY_MARKER)) stopFromPidFile(nginx);
  writeFileSync(conf, config);
  spawnSync('chown', ['-R', `${SERVICE_USER}:${SERVICE_USER}`, path.join(directory, 'cache'), path.join(directory, 'tmp')], { stdio: 'ignore' });
  const started = spawnSync('/usr/sbin/nginx', ['-c', conf, '-p', directory, '-e', path.join(directory, 'error.log')], { encoding: 'utf8', timeout: 20_000 });
  if (started.status !== 0) {
    throw new PackageCacheError(`The package cache's proxy (nginx) would not start: ${(started.stderr || started.stdout).trim().split('\n').at(-1)}`);
  }
  options.log(`started the package cache's proxy (nginx, logs in ${directory})`);
}

/**
 * The cache's services run unprivileged, so they must be able to pass through the folder above
 * the cache. Layerlab's own folder (`/var/lib/layerlab`, made private for the class registry) gets
 * search permission only, which lists nothing; the registry's folder inside stays private.
 */
function makeTraversable(directory: string): void {
  mkdirSync(directory, { recursive: true, mode: 0o755 });
  const parent = path.dirname(directory);
  if (path.basename(parent) !== 'layerlab') return;
  const mode = statSync(parent).mode & 0o777;
  if ((mode & 0o001) === 0) chmodSync(parent, mode | 0o011);
}

/** www-data, when the server runs as root and that user can run `entry` with this Node; otherwise none (the server's own user). */
function serviceUser(entry: string): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(spawnSync('id', ['-u', SERVICE_USER], { encoding: 'utf8' }).stdout);
  const gid = Number(spawnSync('id', ['-g', SERVICE_USER], { encoding: 'utf8' }).stdout);
  if (!Number.isInteger(uid) || uid <= 0 || !Number.isInteger(gid)) return undefined;
  const tried = spawnSync(process.execPath, ['-e', `require('node:fs').accessSync(${JSON.stringify(entry)}, require('node:fs').constants.R_OK)`], { uid, gid, stdio: 'ignore', timeout: 20_000 });
  return tried.status === 0 ? { uid, gid } : undefined;
}

/** Stops the process a pid file names, if it is still the one started from its config file (pids are reused). */
function stopFromPidFile(service: ServiceProcess): void {
  if (!runningFromPidFile(service)) return;
  const pid = Number.parseInt(readFileSync(service.pidFile, 'utf8'), 10);
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    spawnSync('sleep', ['0.1']);
  }
}

function npmCacheAnswers(socket: string): Promise<boolean> {
  return answers({ socketPath: socket, path: '/-/ping' });
}

/**
 * Whether the cache's processes (Verdaccio, nginx's master) are running, answering or not. A cache
 * slow under a class's builds is not a dead one, and starting it again would cut their downloads.
 */
export function packageCacheRunning(settings: PackageCacheSettings): boolean {
  return runningFromPidFile(verdaccioIn(path.join(settings.directory, 'npm'))) && runningFromPidFile(nginxIn(path.join(settings.directory, 'proxy')));
}

/** Whether a build would get its packages now: the proxy answers, with the npm cache behind it. */
export function packageCacheAnswers(settings: PackageCacheSettings): Promise<boolean> {
  return proxyAnswers(settings);
}

function proxyAnswers(settings: PackageCacheSettings): Promise<boolean> {
  // An absolute-form request, as a build's package manager sends it through the proxy.
  return answers({ host: settings.gateway, port: PROXY_PORT, path: `http://${NPM_CACHE_HOST}/-/ping`, headers: { Host: NPM_CACHE_HOST } });
}

/** The proxy itself, whatever is behind it: its catch-all server refuses a name it doesn't serve. */
async function proxyItselfAnswers(settings: PackageCacheSettings): Promise<boolean> {
  return (await status({ host: settings.gateway, port: PROXY_PORT, path: 'http://layerlab-probe.invalid/', headers: { Host: 'layerlab-probe.invalid' } })) === 403;
}

async function answers(request: http.RequestOptions): Promise<boolean> {
  return (await status(request)) === 200;
}

function status(request: http.RequestOptions): Promise<number | undefined> {
  return new Promise((resolve) => {
    const sent = http.get({ ...request, timeout: 3000 }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    sent.on('timeout', () => sent.destroy());
    sent.on('error', () => resolve(undefined));
  });
}


/** Stops a cache's proxy and npm cache and removes its network (tests and `LAYERLAB_PACKAGE_CACHE=off` operators tidying up). */
export async function stopPackageCache(docker: Docker, settings: PackageCacheSettings): Promise<void> {
  stopFromPidFile(nginxIn(path.join(settings.directory, 'proxy')));
  stopFromPidFile(verdaccioIn(path.join(settings.directory, 'npm')));
  await docker.getNetwork(settings.network).remove().catch(() => {});
}
