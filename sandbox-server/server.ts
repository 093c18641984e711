import './regexp-guard.ts';
import type Docker from 'dockerode';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { sweepBuildCgroups } from './build/cgroup.ts';
import type { ServerConfig } from './config/server.ts';
import { createSandboxContext, type SandboxContext } from './context.ts';
import { buildApp } from './http/app.ts';
import { LessonLibrary } from './lessons/library.ts';
import { isolateSessionBridgesFromHost } from './scope/host-firewall.ts';
import { LeaseKeeper } from './sessions/lease.ts';
import { Reaper } from './sessions/reaper.ts';

export interface RunningServer {
  url: string;
  context: SandboxContext;
  app: FastifyInstance;
  reaper: Reaper;
  lease: LeaseKeeper;
  /** Stops serving. `forget` also removes the instance's lease, for an instance that won't return. */
  close(options?: { forget?: boolean }): Promise<void>;
}

/**
 * Starts the sandbox on an engine that `prepareEngine` has readied: the instance's lease taken
 * (or a refusal, if a live server already has it), sessions restored from the state file, what a
 * crash left behind reaped, then HTTP and the terminal socket on one port.
 */
export async function startServer(config: ServerConfig, docker: Docker, log: Logger): Promise<RunningServer> {
  const lease = await LeaseKeeper.start(docker, { instance: config.instance, idleTtlMs: config.policy.sessions.idleTtlMs }, log);
  try {
    const context = createSandboxContext({ config, docker, lessons: new LessonLibrary(config.lessonsDir, config.policy.build), log });
    sweepBuildCgroups(2 * config.policy.build.timeoutMs);
    const firewallProblem = isolateSessionBridgesFromHost();
    if (firewallProblem) log.warn(firewallProblem);
    const reaper = new Reaper({
      docker,
      store: context.store,
      instance: config.instance,
      holdsLease: () => lease.held,
      isWarm: (namespace) => context.warmPool.holds(namespace),
      hardTtlMs: config.policy.sessions.hardTtlMs,
      log,
    });
    await reaper.sweep();
    reaper.start(config.policy.reaperIntervalMs);
    context.warmPool.fill();
    const app = await buildApp(context);
    const address = await app.listen({ host: config.host, port: config.port });
    return {
      url: address.replace('[::1]', 'localhost'),
      context,
      app,
      reaper,
      lease,
      async close(options = {}) {
        reaper.stop();
        // A server that won't come back takes its warm workbenches with it; one that restarts leaves them to its next reaper.
        if (options.forget) await context.warmPool.drain();
        else context.warmPool.close();
        await app.close();
        await context.workbenches.detachAll();
        context.store.flush();
        await lease.stop({ remove: options.forget });
      },
    };
  } catch (error) {
    await lease.stop();
    throw error;
  }
}
