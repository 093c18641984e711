import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { EngineBoundary } from '../../sandbox-server/boundary/server.ts';
import { workbenchCreateOptions } from '../../sandbox-server/workbench/container.ts';
import type { RunningServer } from '../../sandbox-server/server.ts';
import type { Learner } from './sandbox.ts';

/**
 * A learner's workbench with its Engine API boundary, made straight from the modules until
 * sessions start their own: the real CLI in the real image, talking to the boundary only.
 */
export interface TestWorkbench {
  boundary: EngineBoundary;
  container: Docker.Container;
  /** Runs a bash script as the learner in ~/workspace; output is stdout and stderr as a terminal shows them. */
  run(script: string): Promise<{ output: string; exitCode: number }>;
  /** Writes a file under ~/workspace as the learner, byte for byte. */
  write(path: string, content: string): Promise<void>;
  close(): Promise<void>;
}

export async function openWorkbench(server: RunningServer, learner: Learner): Promise<TestWorkbench> {
  const { context } = server;
  const session = context.store.get(learner.sessionId);
  if (!session) throw new Error('the learner has no session');
  const engine = context.engineFor(session);
  await engine.ensureNetwork();
  // Short, because a socket path is at most 107 bytes.
  const socketDir = mkdtempSync(path.join('/tmp', 'llb-'));
  const policy = context.services.policyFor(session);
  const boundary = await EngineBoundary.listen({ docker: context.docker, engine, session, buildQueue: context.services.buildQueue, policy, socketDir });
  const container = await context.docker.createContainer(workbenchCreateOptions(session.namespace, policy, socketDir));
  await container.start();
  const workbench: TestWorkbench = {
    boundary,
    container,
    async run(script) {
      const exec = await container.exec({ Cmd: ['bash', '-c', script], AttachStdout: true, AttachStderr: true, Tty: true });
      const stream = await exec.start({ hijack: true, stdin: false, Tty: true });
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      await new Promise((resolve) => stream.on('end', resolve));
      const { ExitCode } = await exec.inspect();
      return { output: Buffer.concat(chunks).toString('utf8').replace(/\r\n/g, '\n'), exitCode: ExitCode ?? -1 };
    },
    async write(path, content) {
      const encoded = Buffer.from(content).toString('base64');
      const result = await workbench.run(`mkdir -p "$(dirname '${path}')" && echo ${encoded} | base64 -d > '${path}'`);
      if (result.exitCode !== 0) throw new Error(`writing ${path} in the workbench: ${result.output}`);
    },
    async close() {
      await container.remove({ force: true }).catch(() => {});
      await boundary.close();
    },
  };
  return workbench;
}
