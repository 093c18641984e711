import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine, engineAnswers } from '../../sandbox-server/engine/connect.ts';
import { ensureEngine } from '../../sandbox-server/engine/provision.ts';
import { startTestSandbox, type Learner, type TestSandbox } from '../support/sandbox.ts';

/**
 * The engine going away mid-session is bad luck, not learner error: the terminal says so in one
 * line, the server keeps answering, and once the engine is back the session carries on with its
 * images and containers.
 */

let sandbox: TestSandbox;
let learner: Learner;

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Running, not a zombie: a dead process whose parent hasn't reaped it yet still takes signal 0. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  learner = await sandbox.newLearner({ Dockerfile: 'FROM busybox\nCMD ["echo","still here"]\n' });
});

afterAll(async () => {
  // Whatever happened above, leave an engine answering for the next test file.
  await ensureEngine({ logDir: sandbox.config.logDir });
  await sandbox?.close();
});

describe('an engine restart', () => {
  it('gives a clear line while the engine is away and loses nothing once it is back', async () => {
    await learner.ok('docker build -t survivor .');
    await learner.ok('docker run -d --name sleeper busybox sleep 600');

    const pid = Number(readFileSync('/var/run/docker.pid', 'utf8'));
    process.kill(pid, 'SIGTERM');
    const docker = connectEngine();
    // Gone, not just slow to answer while it stops its containers. A dockerd that takes longer
    // than its own containers' stop timeouts to go is killed: what is tested here is the sandbox
    // while the engine is away, not how fast dockerd shuts down on a loaded machine.
    const gone = async () => !alive(pid) && !(await engineAnswers(docker, 500));
    await until(gone, 'the engine to stop', 30_000).catch(() => alive(pid) && process.kill(pid, 'SIGKILL'));
    await until(gone, 'the engine to stop after SIGKILL', 30_000);

    // The restart took the workbench (and so the shell) with it: the server answers for it.
    await expect(learner.run('docker ps')).rejects.toThrow(/: Cannot connect to the Docker daemon\. Is the docker daemon running\? \(the sandbox will reconnect when it is back\)$/);
    const health = (await (await fetch(`${sandbox.url}/api/health`)).json()) as { ok: boolean; engine: boolean };
    expect(health).toMatchObject({ ok: true, engine: false });

    await ensureEngine({ logDir: sandbox.config.logDir });
    // The restart ended the instance's lease with everything else; the server takes it back.
    await until(async () => sandbox.server.lease.held, 'the lease to be taken back', 30_000);
    const images = await learner.run('docker images');
    expect(images.output).toMatch(/^survivor\s+latest\s/m);
    const containers = await learner.run('docker ps -a');
    expect(containers.output).toMatch(/Exited \(\d+\).*sleeper/);
    expect(await learner.run('docker run --rm survivor')).toEqual({ output: 'still here\n', exitCode: 0 });
    expect((await learner.run('docker start sleeper')).exitCode).toBe(0);
  });
});
