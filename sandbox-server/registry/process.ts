import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../config/server.ts';
import { ensureHostPackages } from '../engine/host-packages.ts';
import { registryPort } from './address.ts';
import { probeRegistry } from './client.ts';

export class RegistryUnavailableError extends Error {}

function config(port: number, dataDir: string): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${dataDir}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '  headers:',
    '    X-Content-Type-Options: [nosniff]',
    '',
  ].join('\n');
}

/**
 * Gets the class registry answering on 127.0.0.1: an open one already there (another server on
 * this machine may have started it), or Debian's docker-registry started here, its layers
 * garbage-collected first. It listens on loopback only; learners reach it through the engine.
 */
export async function ensureRegistry(options: { logDir: string; log: (line: string) => void }): Promise<void> {
  const port = registryPort();
  const status = await probeRegistry();
  if (status === 200) return;
  if (status !== undefined) {
    throw new RegistryUnavailableError(
      `Something on port ${port} answers but is not an open registry (HTTP ${status}); set LAYERLAB_REGISTRY_PORT to a free port.`,
    );
  }
  ensureHostPackages([{ provides: 'docker-registry', package: 'docker-registry' }], options.logDir, options.log);
  const directory = path.resolve(process.env.LAYERLAB_REGISTRY_DIR ?? path.join(PROJECT_ROOT, '.layerlab', 'registry'));
  const dataDir = path.join(directory, 'data');
  mkdirSync(dataDir, { recursive: true });
  const configFile = path.join(directory, 'config.yml');
  writeFileSync(configFile, config(port, dataDir));
  // Sessions delete their manifests when they end; this frees the layers nothing names any more.
  spawnSync('docker-registry', ['garbage-collect', '--delete-untagged', configFile], { stdio: 'ignore', timeout: 60_000 });
  mkdirSync(options.logDir, { recursive: true });
  const logFile = path.join(options.logDir, 'registry.log');
  options.log(`starting the class registry on localhost:${port} (log: ${logFile})`);
  const fd = openSync(logFile, 'a');
  spawn('docker-registry', ['serve', configFile], { detached: true, stdio: ['ignore', fd, fd] }).unref();
  closeSync(fd);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if ((await probeRegistry()) === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new RegistryUnavailableError(`The class registry did not answer on port ${port} within 20 s; see ${logFile}.`);
}
