/**
 * `npm run dev`: the sandbox server (layerlab serve --dev, on SANDBOX_PORT, 4322) and Astro's dev
 * server (on PORT, 4321), which serves the pages with hot reload and proxies /api, WebSocket
 * included, to the sandbox (astro.config.mjs). Ctrl-C stops both; if either stops, so does the other.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';

const port = process.env.PORT ?? '4321';
const sandboxPort = process.env.SANDBOX_PORT ?? '4322';
const host = process.env.HOST ?? '127.0.0.1';

const children: ChildProcess[] = [];
let stopping = false;

function start(name: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  child.once('exit', (code, signal) => {
    if (!stopping) {
      console.error(`dev: ${name} stopped (${signal ?? `exit ${code}`}); stopping the other one too`);
      stop(code ?? 1);
    }
  });
  children.push(child);
  return child;
}

function stop(exitCode: number): void {
  stopping = true;
  process.exitCode = exitCode;
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
}

// A dev server's sessions are its own: an instance name per checkout never meets a class's "main",
// and a second dev server in the same checkout is refused by the lease instead of reaping the first.
const instance = process.env.LAYERLAB_INSTANCE ?? `dev-${createHash('sha256').update(process.cwd()).digest('hex').slice(0, 8)}`;
start('the sandbox server', ['bin/layerlab.js', 'serve', '--dev'], { PORT: sandboxPort, HOST: '127.0.0.1', LAYERLAB_INSTANCE: instance });
start('astro dev', ['node_modules/astro/bin/astro.mjs', 'dev', '--port', port, '--host', host], {
  SANDBOX_PORT: sandboxPort,
  // Astro 7 detaches `astro dev` into the background when it thinks an agent runs it; stay attached.
  ASTRO_DEV_BACKGROUND: '0',
  ASTRO_TELEMETRY_DISABLED: '1',
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stop(0));
