import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { connectEngine, engineAddress, engineAnswers } from './connect.ts';
import { canInstallPackages, ensureHostPackages } from './host-packages.ts';

/**
 * Gets a Docker Engine answering: the one DOCKER_HOST or the default socket names, or, on a
 * Debian or Ubuntu machine where we are root, Debian's docker.io installed and started here.
 */

export class EngineUnavailableError extends Error {}

const PID_FILE = '/var/run/docker.pid';
const CONTAINERD_PID_FILE = '/var/run/docker/containerd/containerd.pid';
const LOCK_FILE = '/tmp/layerlab-engine-start.lock';

export interface ProvisionOptions {
  logDir: string;
  log?: (line: string) => void;
  /** How long to wait for a freshly started engine. */
  startTimeoutMs?: number;
}

export async function ensureEngine(options: ProvisionOptions): Promise<Docker> {
  const log = options.log ?? (() => undefined);
  const docker = connectEngine();
  if (await engineAnswers(docker)) return docker;

  const host = process.env.DOCKER_HOST;
  if (host && !host.startsWith('unix://')) {
    throw new EngineUnavailableError(`The Docker Engine at ${host} does not answer; start it, or unset DOCKER_HOST to use a local one.`);
  }
  if (!canInstallPackages()) {
    throw new EngineUnavailableError(
      `No Docker Engine answers at ${engineAddress()}; install Docker Engine (on Debian or Ubuntu: apt-get install docker.io), start it, and run this again.`,
    );
  }
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  await withStartLock(async () => {
    if (await engineAnswers(docker)) return;
    ensureHostPackages([{ provides: 'dockerd', package: 'docker.io' }, { provides: 'iptables', package: 'iptables' }], options.logDir, log);
    // A dockerd that is still coming up is waited for; one that died (even as a zombie, or mid-
    // start) is replaced, so a killed machine's leftovers never block the start.
    let started = false;
    while (Date.now() < deadline) {
      if (await engineAnswers(docker, 1000)) return;
      if (!dockerdRunning()) {
        if (started) throw new EngineUnavailableError(`dockerd stopped while starting; see ${path.join(options.logDir, 'dockerd.log')}.`);
        startDockerd(options.logDir, log);
        started = true;
      }
      await sleep(250);
    }
  });
  if (await engineAnswers(docker, 1000)) {
    log('Docker Engine is answering');
    return docker;
  }
  throw new EngineUnavailableError(
    `dockerd was started but did not answer within ${Math.round((options.startTimeoutMs ?? 60_000) / 1000)} s; see ${path.join(options.logDir, 'dockerd.log')}.`,
  );
}

/** A live process with this command name; a zombie (killed, not yet reaped) doesn't count. */
function processRunning(pid: number, command?: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && (command === undefined || name === command);
  } catch {
    return false;
  }
}

function dockerdRunning(): boolean {
  return readdirSync('/proc').some((entry) => /^\d+$/.test(entry) && processRunning(Number(entry), 'dockerd'));
}

/** A pid file left by a killed process stops the next one from starting ("pid file found"). */
function removeStalePidFile(file: string, command: string): void {
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (Number.isInteger(pid) && pid > 0 && processRunning(pid, command)) return;
  rmSync(file, { force: true });
}

/**
 * How the server starts an engine of its own. no-new-privileges for every container, build steps
 * included: the build API takes no security options, so this is the one place build containers
 * get it (they keep Docker's default capabilities, which the build API can't narrow either).
 */
export const DOCKERD_ARGS = ['--no-new-privileges'];

function startDockerd(logDir: string, log: (line: string) => void): void {
  removeStalePidFile(PID_FILE, 'dockerd');
  removeStalePidFile(CONTAINERD_PID_FILE, 'containerd');
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, 'dockerd.log');
  log(`Starting dockerd (log: ${logFile})…`);
  const fd = openSync(logFile, 'a');
  const child = spawn('dockerd', DOCKERD_ARGS, { detached: true, stdio: ['ignore', fd, fd] });
  child.unref();
  closeSync(fd);
}

/** npm start and npm test may race to start the engine; one of them does it. */
async function withStartLock(action: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (true) {
    try {
      writeFileSync(LOCK_FILE, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      let holder = 0;
      try {
        holder = Number(readFileSync(LOCK_FILE, 'utf8').trim() || 0);
      } catch {
        continue; // released between our two calls
      }
      if (!holder || !processRunning(holder) || Date.now() > deadline) rmSync(LOCK_FILE, { force: true });
      else await sleep(250);
    }
  }
  try {
    await action();
  } finally {
    rmSync(LOCK_FILE, { force: true });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
