import type Docker from 'dockerode';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { sweepBuildCgroups } from './build/cgroup.ts';
import type { ServerConfig } from './config/server.ts';
import { createSandboxContext, type SandboxContext } from './context.ts';
import { buildApp } from './http/app.ts';
import { LessonLibrary } from './lessons/library.ts';
import { isolateSessionBridgesFromHost } from './scope/host-firewall.ts';
import { Reaper } from './sessions/reaper.ts';

export interface RunningServer {
  url: string;
  context: SandboxContext;
  app: FastifyInstance;
  reaper: Reaper;
  close(): Promise<void>;
}

/**
 * Starts the sandbox on an engine that `prepareEngine` has readied: sessions restored from the
 * state file, what a crash left behind reaped, then HTTP and the terminal socket on one port.
 */
export async function startServer(config: ServerConfig, docker: Docker, log: Logger): Promise<RunningServer> {
  const context = createSandboxContext({ config, docker, lessons: new LessonLibrary(config.lessonsDir), log });
  sweepBuildCgroups();
  const firewallProblem = isolateSessionBridgesFromHost();
  if (firewallProblem) log.warn(firewallProblem);
  const reaper = new Reaper({ docker, store: context.store, instance: config.instance, log });
  await reaper.sweep();
  reaper.start(config.policy.reaperIntervalMs);
  const app = await buildApp(context);
  const address = await app.listen({ host: config.host, port: config.port });
  const url = address.replace('[::1]', 'localhost');
  return {
    url,
    context,
    app,
    reaper,
    async close() {
      reaper.stop();
      await app.close();
      context.store.flush();
    },
  };
}
