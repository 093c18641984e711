import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { processesWhere } from '../../sandbox-server/processes.ts';
import { probeRegistry } from '../../sandbox-server/registry/client.ts';
import { ensureRegistry } from '../../sandbox-server/registry/process.ts';
import { freePort } from '../support/ports.ts';
import { until } from '../support/until.ts';

/**
 * A registry with no login on the class registry's port would let anything on the machine read
 * learners' images. An earlier Layerlab started one like that: a server replaces it. Anyone else's
 * open registry is left running, and the server refuses to start beside it. Both are real
 * docker-registry processes. (Vitest runs each file in its own process, so the port and folder set
 * here are this file's alone.)
 */

const directory = mkdtempSync(path.join(os.tmpdir(), 'layerlab-registry-replace-'));
const started: ChildProcess[] = [];

beforeAll(async () => {
  process.env.LAYERLAB_REGISTRY_PORT = String(await freePort());
  process.env.LAYERLAB_REGISTRY_DIR = path.join(directory, '.layerlab', 'registry');
});

afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  // The registry ensureRegistry started is detached; it serves this folder's config.
  for (const pid of processesWhere((args) => args.some((arg) => arg.startsWith(directory)))) process.kill(pid, 'SIGKILL');
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Starts docker-registry with no login on the class registry's port, from a config whose first line is `firstLine`. */
async function openRegistry(folder: string, firstLine: string): Promise<ChildProcess> {
  mkdirSync(folder, { recursive: true });
  const configFile = path.join(folder, 'config.yml');
  const port = process.env.LAYERLAB_REGISTRY_PORT!;
  writeFileSync(
    configFile,
    [firstLine, 'version: 0.1', 'log:', '  level: warn', 'storage:', '  filesystem:', `    rootdirectory: ${folder}/data`, 'http:', `  addr: 127.0.0.1:${port}`, ''].join('\n'),
  );
  const child = spawn('docker-registry', ['serve', configFile], { stdio: 'ignore' });
  started.push(child);
  await until(async () => (await probeRegistry(false)) === 200, `the open registry on port ${port} to answer`, 20_000);
  return child;
}

describe('an open registry on the class registry port', () => {
  it("is replaced by one that wants the login, when an earlier Layerlab started it", async () => {
    const old = await openRegistry(process.env.LAYERLAB_REGISTRY_DIR!, '# the Layerlab class registry');
    const said: string[] = [];
    await ensureRegistry({ logDir: directory, log: (line) => said.push(line), collectGarbage: false });
    await until(() => old.exitCode !== null || old.signalCode !== null, 'the open registry to stop', 15_000);
    expect(old.signalCode).toBe('SIGTERM');
    expect(said.join('\n')).toMatch(/replacing the class registry on port \d+, which an earlier version started without a login/);
    expect(await probeRegistry(false)).toBe(401);
    expect(await probeRegistry()).toBe(200);
  });

  it("is left running when it is somebody else's, and the server says why it won't start", async () => {
    const theirs = await openRegistry(path.join(directory, 'someone-else'), '# not ours');
    await expect(ensureRegistry({ logDir: directory, log: () => undefined, collectGarbage: false })).rejects.toThrow(
      /An open registry answers on port \d+ without a login, so learners' images would be readable by anything on this machine/,
    );
    expect(theirs.exitCode).toBeNull();
    expect(await probeRegistry(false)).toBe(200);
  });
});
