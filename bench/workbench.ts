import type Docker from 'dockerode';
import type { Duplex } from 'node:stream';
import type { RunningServer } from '../sandbox-server/server.ts';
import { Learner } from '../tests/support/sandbox.ts';
import type { Section } from './report.ts';
import { typeTimed } from './keystrokes.ts';
import { ms, percentile } from './stats.ts';

/**
 * The workbench's own figures: keystroke echo at its bash prompt, session ready (POST
 * /api/session to the first prompt byte on a terminal socket), and memory per idle session,
 * workbench included, for one session and for many.
 */

const MiB = 1024 ** 2;

async function promptEcho(learner: Learner, keystrokes: number): Promise<number[]> {
  const terminal = await learner.tty();
  try {
    await terminal.waitFor('$ ');
    await new Promise((resolve) => setTimeout(resolve, 300));
    return await typeTimed(terminal, keystrokes);
  } finally {
    terminal.close();
  }
}

/**
 * The floor under the figure above: the same keystrokes to the same bash through an attachment of
 * our own to the workbench (dockerd, the TTY, readline and back), with no server or WebSocket.
 */
async function engineEcho(container: Docker.Container, keystrokes: number): Promise<number[]> {
  const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
  const samples: number[] = [];
  try {
    for (let i = 0; i < keystrokes; i++) {
      const key = i % 40 === 39 ? '\x15' : String.fromCharCode(97 + (i % 26));
      const elapsed = await new Promise<number>((resolve) => {
        const start = performance.now();
        stream.once('data', () => resolve(performance.now() - start));
        stream.write(key);
      });
      if (key !== '\x15') samples.push(elapsed);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    stream.write('\x15');
  } finally {
    stream.destroy();
  }
  return samples;
}

/** One session from nothing to its first prompt byte, as a browser opens it. */
async function sessionReady(url: string): Promise<{ elapsed: number; learner: Learner }> {
  const start = performance.now();
  const learner = await Learner.open(url);
  const terminal = await learner.tty();
  await terminal.waitFor('$ ', { timeoutMs: 60_000 });
  const elapsed = performance.now() - start;
  terminal.close();
  return { elapsed, learner };
}

async function workbenchMemory(docker: Docker, server: RunningServer): Promise<number> {
  let total = 0;
  for (const session of server.context.store.all()) {
    const stats = (await docker.getContainer(session.namespace.workbenchName).stats({ stream: false })) as unknown as {
      memory_stats?: { usage?: number; stats?: { inactive_file?: number } };
    };
    total += (stats.memory_stats?.usage ?? 0) - (stats.memory_stats?.stats?.inactive_file ?? 0);
  }
  return total;
}

export async function measureWorkbench(server: RunningServer, docker: Docker, options: { keystrokes: number; sessions: number; manySessions: number }): Promise<Section> {
  const echoLearner = await Learner.open(server.url);
  const echo = await promptEcho(echoLearner, options.keystrokes);
  const echoSession = server.context.store.get(echoLearner.sessionId)!;
  const floor = await engineEcho(docker.getContainer(echoSession.namespace.workbenchName), options.keystrokes);
  // Every session below is idle once open: its bash at the prompt, nothing else running.
  for (const session of server.context.store.all()) server.context.store.delete(session);
  await server.reaper.sweep();
  // Warm: each session takes a workbench the pool started ahead (the pool given time to refill
  // between sessions, as between learners arriving); then cold, the pool emptied for good.
  const warm: number[] = [];
  for (let i = 0; i < options.sessions; i++) {
    await server.context.warmPool.filled();
    warm.push((await sessionReady(server.url)).elapsed);
  }
  await server.context.warmPool.drain();
  const ready: number[] = [];
  for (let i = 0; i < options.sessions; i++) ready.push((await sessionReady(server.url)).elapsed);
  for (const session of server.context.store.all()) server.context.store.delete(session);
  await server.reaper.sweep();
  const rssBefore = process.memoryUsage().rss;
  await sessionReady(server.url);
  const oneWorkbench = await workbenchMemory(docker, server);
  const oneServer = process.memoryUsage().rss - rssBefore;
  for (let i = 1; i < options.manySessions; i++) await sessionReady(server.url);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const manyWorkbenches = await workbenchMemory(docker, server);
  const manyServer = process.memoryUsage().rss - rssBefore;
  for (const session of server.context.store.all()) server.context.store.delete(session);
  await server.reaper.sweep();
  const p50 = percentile(echo, 50);
  const p99 = percentile(echo, 99);
  const warmP50 = percentile(warm, 50);
  return {
    title: 'The workbench',
    method:
      `${echo.length} keystrokes typed at the workbench's bash prompt, each timed from send to the first output frame back, then the same keystrokes to the same bash on an attachment of the bench's own (dockerd and the TTY, no server, no WebSocket), which is as fast as the engine can echo; ` +
      `${warm.length} sessions opened one after another, each timed from POST /api/session to the first prompt byte on its terminal socket, first with the warm pool refilled before each (warm), then with it emptied (cold: each starts its workbench); ` +
      `memory is the workbenches' cgroup usage (less inactive file cache) plus the server's growth in RSS, for one idle session and for ${options.manySessions}.`,
    rows: [
      { measure: 'keystroke echo at the prompt, p50', value: ms(p50), budget: '≤ 1 ms', withinBudget: p50 <= 1 },
      { measure: 'keystroke echo at the prompt, p99', value: ms(p99), budget: '≤ 5 ms', withinBudget: p99 <= 5 },
      { measure: 'the same keystrokes on an attachment straight to the engine, p50 (the floor)', value: ms(percentile(floor, 50)) },
      { measure: 'the same keystrokes on an attachment straight to the engine, p99', value: ms(percentile(floor, 99)) },
      { measure: 'session ready, warm pool, p50', value: ms(warmP50), budget: '≤ 300 ms', withinBudget: warmP50 <= 300 },
      { measure: 'session ready, warm pool, p95', value: ms(percentile(warm, 95)) },
      { measure: 'session ready, cold (no pool), p50', value: ms(percentile(ready, 50)) },
      { measure: 'session ready, cold (no pool), p95', value: ms(percentile(ready, 95)) },
      { measure: 'memory, one idle session (workbench + server)', value: `${((oneWorkbench + oneServer) / MiB).toFixed(1)} MiB (${(oneWorkbench / MiB).toFixed(1)} in the workbench)` },
      { measure: `memory, ${options.manySessions} idle sessions (workbenches + server)`, value: `${((manyWorkbenches + manyServer) / MiB).toFixed(0)} MiB (${(manyWorkbenches / MiB).toFixed(0)} in the workbenches)` },
    ],
  };
}
