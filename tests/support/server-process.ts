import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';

/**
 * A Layerlab server in a process of its own, so a test can kill it as the kernel would (SIGKILL:
 * no handler runs, nothing is flushed) and start another in its place. The child is
 * startTestSandbox's server, with the env given; it prints its URL once it listens.
 */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** SIGKILL, then waits until the process is gone. */
  kill(): Promise<void>;
}

const CHILD = `
import { connectEngine } from './sandbox-server/engine/connect.ts';
import { serverConfigFromEnv } from './sandbox-server/config/server.ts';
import { createLogger } from './sandbox-server/log.ts';
import { startServer } from './sandbox-server/server.ts';
const config = serverConfigFromEnv({ ...process.env, PORT: '0', HOST: '127.0.0.1', LAYERLAB_WARM_WORKBENCHES: '0' });
const server = await startServer(config, connectEngine(), createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'));
console.log(JSON.stringify({ url: server.url }));
`;

export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stderr!.on('data', (data: Buffer) => (errors = (errors + data.toString()).slice(-4000)));
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    lines.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`the server process exited (${code}) before it listened:\n${errors}`)));
  });
  return {
    url,
    child,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}
