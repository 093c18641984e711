import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureHostPackages } from '../engine/host-packages.ts';
import { registryPort } from './address.ts';
import { probeRegistry } from './client.ts';
import { htpasswdFile, registryDirectory, registryLogin } from './credentials.ts';
import { processesWhere } from '../processes.ts';
import { waitFor } from '../wait-for.ts';

export class RegistryUnavailableError extends Error {}

/** Written into the config, so a registry this project started can be told from anyone else's. */
const MARKER = '# the Layerlab class registry';

function config(port: number, dataDir: string): string {
  return [
    MARKER,
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${dataDir}`,
    '  delete:',
    '    enabled: true',
    'auth:',
    '  htpasswd:',
    '    realm: layerlab',
    `    path: ${htpasswdFile()}`,
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '  headers:',
    '    X-Content-Type-Options: [nosniff]',
    '',
  ].join('\n');
}

/**
 * Gets the class registry answering on 127.0.0.1 with its login required: one another server on
 * this machine already started, or Debian's docker-registry started here, its layers
 * garbage-collected first. An open registry (one an earlier Layerlab started without a login) is
 * replaced; anyone else's is left alone and the server refuses to start.
 */
export async function ensureRegistry(options: { logDir: string; log: (line: string) => void; collectGarbage?: boolean }): Promise<void> {
  const port = registryPort();
  registryLogin();
  const open = await probeRegistry(false);
  if (open === 401) {
    if ((await probeRegistry()) === 200) return;
    throw new RegistryUnavailableError(
      `A registry on port ${port} wants a login this server doesn't hold (looked in ${registryDirectory()}); set LAYERLAB_REGISTRY_DIR to the folder of the server that started it, or LAYERLAB_REGISTRY_PORT to a free port.`,
    );
  }
  if (open === 200) {
    if (!stopOwnOpenRegistry(port)) {
      throw new RegistryUnavailableError(
        `An open registry answers on port ${port} without a login, so learners' images would be readable by anything on this machine; stop it, or set LAYERLAB_REGISTRY_PORT to a free port.`,
      );
    }
    options.log(`replacing the class registry on port ${port}, which an earlier version started without a login`);
    await waitFor(async () => (await probeRegistry(false)) === undefined, 10_000);
  } else if (open !== undefined) {
    throw new RegistryUnavailableError(
      `Something on port ${port} answers but is not a registry (HTTP ${open}); set LAYERLAB_REGISTRY_PORT to a free port.`,
    );
  }
  ensureHostPackages([{ provides: 'docker-registry', package: 'docker-registry' }], options.logDir, options.log);
  const directory = registryDirectory();
  const dataDir = path.join(directory, 'data');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const configFile = registryConfigFile();
  writeFileSync(configFile, config(port, dataDir), { mode: 0o600 });
  // Sessions delete their manifests when they end; this frees the layers nothing names any more.
  // Not when a live server restarts a registry that died: the collection blocks it while it runs.
  if (options.collectGarbage !== false) spawnSync('docker-registry', ['garbage-collect', '--delete-untagged', configFile], { stdio: 'ignore', timeout: 60_000 });
  mkdirSync(options.logDir, { recursive: true });
  const logFile = path.join(options.logDir, 'registry.log');
  options.log(`starting the class registry on localhost:${port} (log: ${logFile})`);
  const fd = openSync(logFile, 'a');
  spawn('docker-registry', ['serve', configFile], { detached: true, stdio: ['ignore', fd, fd] }).unref();
  closeSync(fd);
  if (!(await waitFor(async () => (await probeRegistry()) === 200, 20_000))) {
    throw new RegistryUnavailableError(`The class registry did not answer on port ${port} within 20 s; see ${logFile}.`);
  }
}

function registryConfigFile(): string {
  return path.join(registryDirectory(), 'config.yml');
}

/** A docker-registry serving a config file: its arguments are `serve FILE`. */
function servesRegistry(args: string[]): boolean {
  return path.basename(args[0] ?? '') === 'docker-registry' && args[1] === 'serve' && args[2] !== undefined;
}

/**
 * Whether the class registry's process is alive, answering or not: one slow under a class's pushes
 * is not dead, and a second one started beside it could only fail to take its port.
 */
export function registryRunning(): boolean {
  const configFile = registryConfigFile();
  return processesWhere((args) => servesRegistry(args) && args[2] === configFile).length > 0;
}

/**
 * Stops a docker-registry on this port that a Layerlab server started from its own config (an
 * earlier version's, with no login). Returns whether there was one.
 */
function stopOwnOpenRegistry(port: number): boolean {
  const own = processesWhere((args, pid) => {
    if (!servesRegistry(args)) return false;
    let text: string;
    try {
      text = readFileSync(path.resolve(`/proc/${pid}/cwd`, args[2]!), 'utf8');
    } catch {
      return false;
    }
    const ours = text.includes(MARKER) || args[2]!.includes(`${path.sep}.layerlab${path.sep}registry${path.sep}`);
    return ours && text.includes(`addr: 127.0.0.1:${port}`);
  });
  for (const pid of own) process.kill(pid, 'SIGTERM');
  return own.length > 0;
}
