import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { packageCacheAnswers, packageCacheRunning } from '../packages/package-cache.ts';
import type { PackageCacheSettings } from '../packages/settings.ts';
import { probeRegistry } from '../registry/client.ts';
import { registryDirectory } from '../registry/credentials.ts';
import { registryRunning } from '../registry/process.ts';

export type MachineService = 'registry' | 'packages';

/** A service a command needs is down and could not be started again; the message is the learner's sentence. */
export class ServiceUnavailableError extends Error {}

const NAMES: Record<MachineService, string> = { registry: 'the class registry', packages: 'the class package cache' };

const RESTART_SCRIPT = path.join(import.meta.dirname, 'restart-service.ts');
/** How long a restart may wait for another server's restart of the same service to end. */
const LOCK_WAIT_SECONDS = 120;
/** flock's exit code when the wait ran out (its default, 1, is also the restart's failure). */
const LOCK_TIMED_OUT = 75;
/** Past this a restart is given up (and killed): the lock's wait, and the longest start (Verdaccio's 30 s and nginx's 15 s). */
const RESTART_LIMIT_MS = (LOCK_WAIT_SECONDS + 60) * 1000;

/**
 * The machine's services a learner's commands need besides the engine: the class registry (push,
 * pull) and the class package cache (what builds install). prepareEngine starts them, and they
 * outlive any one server, so nothing else notices when one dies (killed, out of memory, a crash).
 * This starts a dead one again without an operator: when a command is about to need it, and on a
 * timer in between, so the next learner rarely waits. A restart is shared: however many sessions
 * ask at once, each service is started once, in a process of its own (restart-service.ts) under a
 * lock the machine's other servers take too.
 */
export class MachineServices {
  readonly #docker: Docker;
  readonly #logDir: string;
  readonly #packages: PackageCacheSettings | undefined;
  readonly #log: Logger;
  readonly #restarting = new Map<MachineService, Promise<boolean>>();
  #timer: NodeJS.Timeout | undefined;
  /** A look that outlasts the interval (a restart waiting for its lock) isn't joined by the next. */
  #checking = false;

  constructor(options: { docker: Docker; logDir: string; packages: PackageCacheSettings | undefined; log: Logger }) {
    this.#docker = options.docker;
    this.#logDir = options.logDir;
    this.#packages = options.packages;
    this.#log = options.log;
  }

  /** Looks at every service each `intervalMs`, and starts again the ones that died. */
  watch(intervalMs: number): void {
    // At least a second (a look costs two requests), and at most what a timer holds (past 2^31 ms
    // Node would fire it every millisecond instead).
    const every = Math.min(Math.max(intervalMs, 1000), 2 ** 31 - 1);
    this.#timer ??= setInterval(() => void this.#checkAll(), every);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Resolves once `service` answers, starting it again first if it died; throws a
   * ServiceUnavailableError when it can't be. A service the server runs without (the package
   * cache off) is never needed.
   */
  async need(service: MachineService): Promise<void> {
    if (await this.#answers(service)) return;
    if (!(await this.#restart(service))) {
      throw new ServiceUnavailableError(`${NAMES[service]} stopped answering and could not be started again; try again in a minute, and tell your instructor if it goes on`);
    }
  }

  async #checkAll(): Promise<void> {
    if (this.#checking) return;
    this.#checking = true;
    try {
      for (const service of ['registry', 'packages'] as const) {
        if (!(await this.#answers(service))) await this.#restart(service);
      }
    } finally {
      this.#checking = false;
    }
  }

  /**
   * Up, or at least not dead: a service whose process is alive is only slow (under a class's
   * pushes or downloads), and starting it again would cut what it is serving. Asked first, as it
   * costs no request.
   */
  async #answers(service: MachineService): Promise<boolean> {
    if (service === 'registry') return registryRunning() || (await probeRegistry()) === 200;
    return this.#packages === undefined || packageCacheRunning(this.#packages) || (await packageCacheAnswers(this.#packages));
  }

  #restart(service: MachineService): Promise<boolean> {
    let restarting = this.#restarting.get(service);
    if (!restarting) {
      restarting = this.#start(service).finally(() => this.#restarting.delete(service));
      this.#restarting.set(service, restarting);
    }
    return restarting;
  }

  async #start(service: MachineService): Promise<boolean> {
    this.#log.warn(`${NAMES[service]} stopped answering; starting it again`);
    const failure = await this.#runRestart(service);
    if (failure === undefined) this.#log.warn(`${NAMES[service]} is answering again`);
    else this.#log.error(`${NAMES[service]} could not be started again: ${failure}`);
    return failure === undefined;
  }

  /** Runs restart-service.ts under the service's lock; resolves with why it failed, or undefined. */
  #runRestart(service: MachineService): Promise<string | undefined> {
    const directory = service === 'registry' ? registryDirectory() : this.#packages!.directory;
    // The registry's folder is private; the cache's is open to its unprivileged services.
    mkdirSync(directory, { recursive: true, mode: service === 'registry' ? 0o700 : 0o755 });
    const args = [service, this.#logDir, ...(service === 'packages' ? [JSON.stringify(this.#packages)] : [])];
    const socketPath = (this.#docker.modem as { socketPath?: unknown }).socketPath;
    const env = typeof socketPath === 'string' ? { ...process.env, DOCKER_HOST: `unix://${socketPath}` } : process.env;
    return new Promise((resolve) => {
      // -o: the services it starts outlive it, and must not hold the lock with them.
      const lock = ['-o', '-w', String(LOCK_WAIT_SECONDS), '-E', String(LOCK_TIMED_OUT), path.join(directory, 'restart.lock')];
      const child = spawn('flock', [...lock, process.execPath, RESTART_SCRIPT, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      // flock and the restart under it, not the services it started (they leave its process group).
      const limit = setTimeout(() => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // ended meanwhile
        }
      }, RESTART_LIMIT_MS);
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (text: string) => {
        for (const line of text.split('\n')) if (line.trim()) this.#log.info(line);
      });
      child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-2000)));
      child.on('error', (error) => {
        clearTimeout(limit);
        resolve(error.message);
      });
      child.on('close', (code, signal) => {
        clearTimeout(limit);
        if (code === 0) resolve(undefined);
        else resolve(stderr.trim().split('\n').at(-1) || (signal ? `stopped by ${signal}` : code === LOCK_TIMED_OUT ? `another server's restart of it held the lock for over ${LOCK_WAIT_SECONDS} s` : `exit code ${code}`));
      });
    });
  }
}
