import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine, engineAnswers } from '../../sandbox-server/engine/connect.ts';
import { ensureEngine } from '../../sandbox-server/engine/provision.ts';
import { startTestSandbox, type Learner, type TestSandbox } from '../support/sandbox.ts';
import { PROMPT_END } from '../support/terminal-text.ts';
import { until } from '../support/until.ts';

/**
 * The engine going away mid-session is bad luck, not learner error: the terminal says so in one
 * line, the server keeps answering, and once the engine is back the session carries on with its
 * images and containers.
 */

let sandbox: TestSandbox;
let learner: Learner;

/** Running, not a zombie: a dead process whose parent hasn't reaped it yet still takes signal 0. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Stops dockerd as a restart of the machine's engine would. Gone, not just slow to answer while it
 * stops its containers: a dockerd that takes longer than its own containers' stop timeouts to go
 * is killed, as what is tested is the sandbox while the engine is away, not how fast dockerd
 * shuts down on a loaded machine.
 */
async function stopEngine(): Promise<void> {
  const pid = Number(readFileSync('/var/run/docker.pid', 'utf8'));
  process.kill(pid, 'SIGTERM');
  const docker = connectEngine();
  const gone = async () => !alive(pid) && !(await engineAnswers(docker, 500));
  await until(gone, 'the engine to stop', 30_000).catch(() => alive(pid) && process.kill(pid, 'SIGKILL'));
  await until(gone, 'the engine to stop after SIGKILL', 30_000);
}

/** The engine back, and this server's hold on its instance with it. */
async function startEngine(): Promise<void> {
  await ensureEngine({ logDir: sandbox.config.logDir });
  // The restart ended the instance's lease with everything else; the server takes it back.
  await until(async () => sandbox.server.lease.held, 'the lease to be taken back', 30_000);
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

    await stopEngine();

    // The restart took the workbench (and so the shell) with it: the server answers for it.
    await expect(learner.run('docker ps')).rejects.toThrow(/: Cannot connect to the Docker daemon\. Is the docker daemon running\? \(the sandbox will reconnect when it is back\)$/);
    const health = (await (await fetch(`${sandbox.url}/api/health`)).json()) as { ok: boolean; engine: boolean };
    expect(health).toMatchObject({ ok: true, engine: false });

    await startEngine();
    const images = await learner.run('docker images');
    expect(images.output).toMatch(/^survivor\s+latest\s/m);
    const containers = await learner.run('docker ps -a');
    expect(containers.output).toMatch(/Exited \(\d+\).*sleeper/);
    expect(await learner.run('docker run --rm survivor')).toEqual({ output: 'still here\n', exitCode: 0 });
    expect((await learner.run('docker start sleeper')).exitCode).toBe(0);
  });

  it('in the middle of a build: the line ends with the sentence, the workspace is kept, and the build runs again', async () => {
    // A step this file alone runs (it has the engine to itself), so its container is found by its command.
    const step = 'echo step one && sleep 37';
    await learner.setFiles({ Dockerfile: `FROM busybox\nRUN ${step}\nCMD ["echo","built after the restart"]\n`, 'notes.txt': 'kept\n' });
    const building = learner.run('docker build -t interrupted .', 120_000).then(
      (result) => `exit ${result.exitCode}: ${result.output}`,
      (error: Error) => error.message,
    );
    const docker = connectEngine();
    await until(async () => (await docker.listContainers()).some((container) => container.Command.includes('sleep 37')), 'the build step to run');
    await stopEngine();
    expect(await building).toMatch(/Cannot connect to the Docker daemon\. Is the docker daemon running\? \(the sandbox will reconnect when it is back\)/);

    await startEngine();
    expect(await learner.ok('cat notes.txt')).toBe('kept\n');
    await learner.setFiles({ Dockerfile: 'FROM busybox\nRUN echo step one\nCMD ["echo","built after the restart"]\n', 'notes.txt': 'kept\n' });
    const rebuilt = await learner.run('docker build -t interrupted .');
    expect(rebuilt.exitCode, rebuilt.output).toBe(0);
    expect(await learner.run('docker run --rm interrupted')).toEqual({ output: 'built after the restart\n', exitCode: 0 });

    // The screen, as a browser that opens now sees it: each of the two restarts so far told once
    // as the engine being away, and neither as the learner's shell ending.
    const terminal = await learner.tty();
    try {
      await terminal.waitFor(PROMPT_END);
      expect(terminal.screen).not.toContain('the shell ended');
      expect(terminal.screen.split(`[layerlab: Cannot connect to the Docker daemon.`).length - 1).toBe(2);
    } finally {
      terminal.close();
    }
  });

  it('in the middle of an interactive shell: the terminal says so, and a new prompt comes once the engine is back', async () => {
    const terminal = await learner.tty();
    try {
      await terminal.waitFor(PROMPT_END);
      terminal.type('docker run -it --rm busybox sh\r');
      // (busybox's sh asks where the cursor is and, unanswered, draws its prompt again.)
      await terminal.waitFor('/ # ');
      const before = terminal.screen.length;
      await stopEngine();
      await terminal.waitFor('Cannot connect to the Docker daemon. Is the docker daemon running? (the sandbox will reconnect when it is back)', { from: before });
      const back = terminal.screen.length;
      await startEngine();
      // The workbench's new shell, in the same workspace, takes typing again.
      await terminal.waitFor(PROMPT_END, { from: back, timeoutMs: 90_000 });
      terminal.type('echo "back in $(basename "$PWD")"\r');
      await terminal.waitFor('back in workspace', { from: back });
    } finally {
      terminal.close();
    }
  });
});
