import './regexp-guard.ts';
import type Docker from 'dockerode';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { sweepBuildCgroups } from './build/cgroup.ts';
import type { ServerConfig } from './config/server.ts';
import { createSandboxContext, type SandboxContext } from './context.ts';
import { buildApp } from './http/app.ts';
import { hostLoad } from './hosts/host-load.ts';
import { startLoadAgent } from './hosts/load-agent.ts';
import { LessonLibrary } from './lessons/library.ts';
import { isolateSessionBridgesFromHost } from './scope/host-firewall.ts';
import { LeaseKeeper } from './sessions/lease.ts';
import { Reaper } from './sessions/reaper.ts';
import { machineFor } from './services/machine.ts';

/** How long stopping waits for requests in flight before it cuts their connections. */
const CLOSE_GRACE_MS = 2000;

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
    const machine = await machineFor(config, docker, log);
    const context = createSandboxContext({ config, docker, lessons: new LessonLibrary(config.course.lessonsDir, config.policy.build), log, machine });
    await context.classes.start();
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
    machine.services.watch(config.serviceCheckIntervalMs);
    context.warmPool.fill();
    const app = await buildApp(context);
    const agent = config.agentPort === undefined ? undefined : await startLoadAgent({ host: config.host, port: config.agentPort, load: () => hostLoad(context) });
    const address = await app.listen({ host: config.host, port: config.port }).catch(async (error: unknown) => {
      await agent?.close();
      await context.classes.close();
      throw error;
    });
    return {
      url: address.replace('[::1]', 'localhost'),
      context,
      app,
      reaper,
      lease,
      async close(options = {}) {
        reaper.stop();
        machine.services.stop();
        await agent?.close();
        // A server that won't come back takes its warm workbenches with it; one that restarts leaves them to its next reaper.
        if (options.forget) await context.warmPool.drain();
        else context.warmPool.close();
        // A connection that never sent a request would hold close() until its header timeout (a
        // minute); after a grace period for answers in flight, every connection is cut.
        const cut = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS);
        await app.close();
        clearTimeout(cut);
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
