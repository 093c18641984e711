import type { Learner, TtyTerminal } from '../tests/support/sandbox.ts';
import type { Section } from './report.ts';
import { ms, percentile } from './stats.ts';

/** Time from a keystroke leaving the client to the first output after it arriving back. */
function echoOnce(terminal: TtyTerminal, key: string): Promise<number> {
  return new Promise((resolve) => {
    const start = performance.now();
    const onMessage = (_data: unknown, isBinary: boolean) => {
      if (!isBinary) return;
      terminal.socket.off('message', onMessage);
      resolve(performance.now() - start);
    };
    terminal.socket.on('message', onMessage);
    terminal.type(key);
  });
}

/** Types letters one at a time, each timed to its echo; every 40 keys a Ctrl-U keeps the shell's line short (not timed). */
export async function typeTimed(terminal: TtyTerminal, keystrokes: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < keystrokes; i++) {
    const key = i % 40 === 39 ? '\x15' : String.fromCharCode(97 + (i % 26));
    const elapsed = await echoOnce(terminal, key);
    if (key !== '\x15') samples.push(elapsed);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  terminal.type('\x15');
  return samples;
}

/**
 * Keystroke echo through the whole path a learner's typing takes inside `docker exec -it`: the
 * WebSocket, the server, the workbench's TTY, the real docker CLI, the boundary's exec stream, the
 * container's TTY and back.
 */
export async function measureKeystrokeEcho(learner: Learner, keystrokes: number): Promise<Section> {
  await learner.ok('docker run -d --name echo-bench busybox sleep 600');
  const terminal = await learner.tty();
  try {
    await terminal.waitFor('$ ');
    terminal.type('docker exec -it echo-bench sh\r');
    // busybox ash asks where the cursor is (ESC[6n), as xterm.js would answer; answer it the same way.
    await terminal.waitFor('\x1b[6n');
    terminal.type('\x1b[1;5R');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const samples = await typeTimed(terminal, keystrokes);
    terminal.type('exit\r');
    const p50 = percentile(samples, 50);
    const p99 = percentile(samples, 99);
    return {
      title: 'Keystroke echo',
      method: `${samples.length} single keystrokes typed into \`docker exec -it … sh\`, run by the real CLI in the workbench through the boundary, each timed from send to the first output frame back.`,
      rows: [
        { measure: 'p50', value: ms(p50), budget: '≤ 5 ms', withinBudget: p50 <= 5 },
        { measure: 'p99', value: ms(p99), budget: '≤ 20 ms', withinBudget: p99 <= 20 },
      ],
    };
  } finally {
    terminal.close();
    await learner.run('docker rm -f echo-bench');
  }
}
