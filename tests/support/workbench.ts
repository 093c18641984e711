import type Docker from 'dockerode';
import type { EngineBoundary } from '../../sandbox-server/boundary/server.ts';
import type { RunningServer } from '../../sandbox-server/server.ts';
import type { Learner } from './sandbox.ts';

/**
 * A learner's workbench, as the session opened it: the real CLI in the real image, talking to the
 * boundary only. `run` is a second shell beside the learner's (a `docker exec`), for a test that
 * wants one script's output and exit status without driving the terminal.
 */
export interface TestWorkbench {
  boundary: EngineBoundary;
  container: Docker.Container;
  /** Runs a bash script as the learner in ~/workspace; output is stdout and stderr as a terminal shows them. */
  run(script: string): Promise<{ output: string; exitCode: number }>;
  /** Writes a file under ~/workspace as the learner, byte for byte. */
  write(path: string, content: string): Promise<void>;
}

/** Runs a bash script in a container on a TTY, as a terminal shows its output (line ends as \n). */
export async function runOnTty(container: Docker.Container, script: string, options: { workingDir?: string } = {}): Promise<{ output: string; exitCode: number }> {
  const exec = await container.exec({ Cmd: ['bash', '-c', script], AttachStdout: true, AttachStderr: true, Tty: true, WorkingDir: options.workingDir });
  const stream = await exec.start({ hijack: true, stdin: false, Tty: true });
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  await new Promise((resolve) => stream.on('end', resolve));
  const { ExitCode } = await exec.inspect();
  return { output: Buffer.concat(chunks).toString('utf8').replace(/\r\n/g, '\n'), exitCode: ExitCode ?? -1 };
}

export async function openWorkbench(server: RunningServer, learner: Learner): Promise<TestWorkbench> {
  const { context } = server;
  const session = context.store.get(learner.sessionId);
  if (!session) throw new Error('the learner has no session');
  const { boundary, container } = await context.workbenches.for(session);
  const workbench: TestWorkbench = {
    boundary,
    container,
    run: (script) => runOnTty(container, script),
    async write(path, content) {
      const encoded = Buffer.from(content).toString('base64');
      const result = await workbench.run(`mkdir -p "$(dirname '${path}')" && echo ${encoded} | base64 -d > '${path}'`);
      if (result.exitCode !== 0) throw new Error(`writing ${path} in the workbench: ${result.output}`);
    },
  };
  return workbench;
}
