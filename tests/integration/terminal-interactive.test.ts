import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableBaseImages } from '../../sandbox-server/policy/lesson-policy.ts';
import { policyFromEnv } from '../../sandbox-server/config/policy.ts';
import { startTestSandbox, type Learner, type TestSandbox, type TtyTerminal } from '../support/sandbox.ts';
import { endSessionsAfterEachTest } from '../support/sessions.ts';
import { openWorkbench } from '../support/workbench.ts';
import { eventually, parseTable, plain, PROMPT_END, typeCommand } from '../support/terminal-text.ts';

/**
 * The browser's terminal: a TTY on the session's workbench, where bash does the line editing,
 * history, Tab and Ctrl-C, and the real docker CLI attaches to containers for run -it and exec -it.
 */

const PROMPT_TEXT = 'learner@layerlab:~/workspace$ ';
const LEFT = '\x1b[D';
const UP = '\x1b[A';
const CTRL_C = '\x03';
/** Small, so a flood meets the rate at once. */
const TTY_RATE = '64k';

let sandbox: TestSandbox;
const terminals: TtyTerminal[] = [];
beforeAll(async () => {
  sandbox = await startTestSandbox({ LAYERLAB_TTY_BYTES_PER_SECOND: TTY_RATE });
});
afterAll(async () => {
  for (const terminal of terminals) terminal.close();
  await sandbox?.close();
});
endSessionsAfterEachTest(() => sandbox);

/** A learner's TTY terminal, once its first prompt is on the screen. */
async function openTty(learner: Learner, cols = 100, rows = 30): Promise<TtyTerminal> {
  const terminal = await learner.tty(cols, rows);
  terminals.push(terminal);
  await terminal.waitFor(PROMPT_END);
  return terminal;
}

function commandStarts(terminal: TtyTerminal): string[] {
  return terminal.messages.flatMap((message) => (message.type === 'command-start' ? [message.command] : []));
}

function commandEnds(terminal: TtyTerminal, command: string): number[] {
  return terminal.messages.flatMap((message) =>
    message.type === 'command-end' && message.command === command ? [message.exitCode] : [],
  );
}

/** Waits for the n-th end of `command` (1-based) and returns its exit status. */
async function nthEnd(terminal: TtyTerminal, command: string, n: number, tries = 1500): Promise<number> {
  return eventually(async () => commandEnds(terminal, command)[n - 1], { tries, intervalMs: 20, what: `end ${n} of "${command}"` });
}

/**
 * Asks the container's shell for its window size until it reports rows × cols. A size reaches the
 * engine by its own request after the container starts (or after the resize), as with the docker
 * CLI, so the first answer may come before it; a person would just ask again.
 */
async function sttySizeBecomes(terminal: TtyTerminal, rows: number, cols: number): Promise<void> {
  await eventually(
    async () => {
      const before = terminal.screen.length;
      terminal.type('stty size\r');
      await terminal.waitFor(/\r\n\d+ \d+\r\n/, { from: before, timeoutMs: 5000 });
      return terminal.screen.slice(before).includes(`\r\n${rows} ${cols}\r\n`) ? true : undefined;
    },
    { tries: 10, what: `stty size showing ${rows} ${cols}` },
  );
}

/** From a second shell in the workbench: the learner's own may be busy with the command under test. */
async function psStatus(learner: Learner, name: string): Promise<string | undefined> {
  const { output } = await (await openWorkbench(sandbox.server, learner)).run('docker ps -a');
  return parseTable(output).rows.find((row) => row.NAMES === name)?.STATUS;
}

describe('the prompt and line editing', () => {
  it('announces a TTY terminal that redraws the screen, and shows the prompt', async () => {
    const terminal = await openTty(await sandbox.newLearner({}));
    expect(terminal.messages[0]).toEqual({ type: 'ready', mode: 'tty', screen: true, cols: 100, rows: 30 });
    expect(plain(terminal.screen).endsWith(PROMPT_TEXT)).toBe(true);
    // Colours as Debian's bash has them: the user in green, the folder in blue.
    expect(terminal.screen).toMatch(/\x1b\[(01;32|32;1)mlearner@layerlab/);
  });

  it('echoes typed characters without running anything', async () => {
    const terminal = await openTty(await sandbox.newLearner({}));
    const from = terminal.screen.length;
    terminal.type('docker ver');
    await terminal.waitFor('docker ver', { from });
    terminal.type('sion');
    await terminal.waitFor('docker version', { from });
    expect(commandStarts(terminal)).toEqual([]);
  });

  it('runs the line as edited with the arrow keys, insert and backspace', async () => {
    const terminal = await openTty(await sandbox.newLearner({}));
    // "docker imges": back three, insert the missing "a".
    terminal.type(`docker imges${LEFT}${LEFT}${LEFT}a`);
    // readline rewrites the rest of the line after the insert.
    await terminal.waitFor('ages');
    terminal.type('\r');
    expect(await nthEnd(terminal, 'docker images', 1)).toBe(0);
    await terminal.waitFor('REPOSITORY');
    // A typo rubbed out with backspace.
    const result = await typeCommand(terminal, 'docker psx\x7f');
    expect(result.exitCode).toBe(0);
    expect(result.output).toMatch(/^CONTAINER ID {3}IMAGE/);
    expect(commandStarts(terminal)).toEqual(['docker images', 'docker ps']);
  });

  it('recalls the last command with the up arrow', async () => {
    const terminal = await openTty(await sandbox.newLearner({}));
    await typeCommand(terminal, 'docker images');
    await typeCommand(terminal, 'ls');
    const from = terminal.screen.length;
    terminal.type(UP);
    await terminal.waitFor('ls', { from });
    terminal.type(UP);
    await terminal.waitFor('docker images', { from });
    terminal.type('\r');
    expect(await nthEnd(terminal, 'docker images', 2)).toBe(0);
    expect(commandStarts(terminal)).toEqual(['docker images', 'ls', 'docker images']);
  });
});

describe('pasted lines', () => {
  it('run one after the other, each once the previous has ended', async () => {
    const learner = await sandbox.newLearner({ Dockerfile: 'FROM busybox\n' });
    await learner.ok('docker pull busybox');
    const terminal = await openTty(learner);
    const first = 'docker run --rm busybox sh -c "sleep 1; echo slept"';
    terminal.type(`${first}\rls\r`);
    expect(await nthEnd(terminal, 'ls', 1)).toBe(0);
    const order = terminal.messages.flatMap((message) =>
      message.type === 'command-start' || message.type === 'command-end' ? [`${message.type} ${message.command}`] : [],
    );
    expect(order).toEqual([`command-start ${first}`, `command-end ${first}`, 'command-start ls', 'command-end ls']);
    expect(plain(terminal.screen)).toMatch(/slept\n[\s\S]*Dockerfile\n/);
  });

  it('typed while docker run -it starts go to the container', async () => {
    const learner = await sandbox.newLearner({});
    await learner.ok('docker pull busybox');
    const terminal = await openTty(learner);
    const command = 'docker run -it --rm busybox sh';
    const from = terminal.screen.length;
    terminal.type(`${command}\r`);
    await terminal.waitFor('/ # ', { from });
    terminal.type('echo $((6*7))\rexit 4\r');
    expect(await nthEnd(terminal, command, 1)).toBe(4);
    expect(terminal.screen.slice(from)).toContain('\r\n42\r\n');
    expect(commandStarts(terminal)).toEqual([command]);
  });
});

describe('Tab completion (bash-completion with docker\'s own script)', () => {
  it('completes a docker command as far as the choices agree', async () => {
    const terminal = await openTty(await sandbox.newLearner({}));
    const from = terminal.screen.length;
    terminal.type('docker ima\t');
    // Completed as far as the choices agree (image, images), with the bell for the ambiguity. The
    // first Tab loads docker's completion script, which takes seconds on a loaded host.
    const typed = () => plain(terminal.screen.slice(from)).replace(/\x07/g, '');
    await eventually(async () => (typed() === 'docker image' ? true : undefined), {
      tries: 1500,
      intervalMs: 20,
      what: 'docker ima completed to docker image',
    }).catch((error: Error) => {
      throw new Error(`${error.message}; the line reads ${JSON.stringify(typed())}`);
    });
    terminal.type('s\r');
    expect(await nthEnd(terminal, 'docker images', 1)).toBe(0);
  });

  it("completes the learner's container names, and never another session's", async () => {
    const learner = await sandbox.newLearner({});
    const other = await sandbox.newLearner({});
    await other.ok('docker run -d --name sleepy-owl busybox sleep 300');
    await learner.ok('docker run -d --name sleepy-panda busybox sleep 300');
    const terminal = await openTty(learner);
    const from = terminal.screen.length;
    terminal.type('docker stop -t 1 sleepy\t');
    await terminal.waitFor('docker stop -t 1 sleepy-panda', { from });
    terminal.type('\r');
    expect(await nthEnd(terminal, 'docker stop -t 1 sleepy-panda', 1)).toBe(0);
    expect(await psStatus(learner, 'sleepy-panda')).toMatch(/^Exited/);
    expect(terminal.screen).not.toContain('sleepy-owl');
  });
});

describe('Ctrl-C', () => {
  it('at the prompt drops the line and draws a fresh prompt', async () => {
    const terminal = await openTty(await sandbox.newLearner({}));
    const from = terminal.screen.length;
    terminal.type('docker rmi everything');
    await terminal.waitFor('everything', { from });
    terminal.type(CTRL_C);
    await terminal.waitFor(/\^C[\s\S]*\$ $/, { from });
    expect(plain(terminal.screen.slice(from))).toMatch(/docker rmi everything\^C\n[\s\S]*learner@layerlab:~\/workspace\$ $/);
    const result = await typeCommand(terminal, 'docker ps -q');
    expect(result).toEqual({ exitCode: 0, output: '' });
    expect(commandStarts(terminal)).toEqual(['docker ps -q']);
  });

  it('interrupts a running container and returns to the prompt', async () => {
    const learner = await sandbox.newLearner({});
    await learner.ok('docker pull busybox');
    const terminal = await openTty(learner);
    const command = 'docker run --name napper busybox sleep 60';
    terminal.type(`${command}\r`);
    await eventually(async () => ((await psStatus(learner, 'napper'))?.startsWith('Up') ? true : undefined), {
      what: 'napper running',
    });
    terminal.type(CTRL_C);
    // Well before sleep 60 would have ended by itself.
    expect(await nthEnd(terminal, command, 1, 750)).toBe(130);
    await eventually(async () => ((await psStatus(learner, 'napper'))?.startsWith('Exited') ? true : undefined), { what: 'napper stopped' });
  });

  it('cancels a build, and the next build works', async () => {
    const learner = await sandbox.newLearner({
      Dockerfile: 'FROM busybox\nCMD ["echo", "quick"]\n',
      'Slow.Dockerfile': 'FROM busybox\nRUN sleep 60\n',
    });
    const terminal = await openTty(learner);
    const command = 'docker build -f Slow.Dockerfile -t slow .';
    const from = terminal.screen.length;
    terminal.type(`${command}\r`);
    await terminal.waitFor(/Running in [0-9a-f]{12}/, { from });
    terminal.type(CTRL_C);
    expect(await nthEnd(terminal, command, 1, 750)).not.toBe(0);
    const next = await typeCommand(terminal, 'docker build -t quick .');
    expect(next.exitCode, next.output).toBe(0);
    expect(next.output).toContain('Successfully tagged quick:latest\n');
    expect(parseTable(await learner.ok('docker images')).rows.map((row) => row.REPOSITORY)).not.toContain('slow');
  });
});

describe('interactive containers', () => {
  it('docker run -it attaches to the container, follows resizes and returns on exit', async () => {
    const learner = await sandbox.newLearner({});
    await learner.ok('docker pull busybox');
    const terminal = await openTty(learner, 100, 30);
    const command = 'docker run -it --name shell busybox sh';
    const from = terminal.screen.length;
    terminal.type(`${command}\r`);
    await terminal.waitFor('/ # ', { from });
    terminal.type('echo $((6*7))\r');
    await terminal.waitFor('\r\n42\r\n', { from });
    // The size the terminal opened with, then the new one after a resize.
    await sttySizeBecomes(terminal, 30, 100);
    terminal.resize(120, 40);
    await sttySizeBecomes(terminal, 40, 120);
    expect(commandStarts(terminal)).toEqual([command]);
    terminal.type('exit 3\r');
    expect(await nthEnd(terminal, command, 1)).toBe(3);
    expect(await psStatus(learner, 'shell')).toMatch(/^Exited \(3\)/);
  });

  it('docker exec -it attaches to a shell in a running container', async () => {
    const learner = await sandbox.newLearner({});
    await learner.ok('docker run -d --name box busybox sleep 300');
    const terminal = await openTty(learner, 90, 25);
    const command = 'docker exec -it box sh';
    const from = terminal.screen.length;
    terminal.type(`${command}\r`);
    await terminal.waitFor('/ # ', { from });
    terminal.type('echo $((6*7)) > /tmp/answer; cat /tmp/answer\r');
    await terminal.waitFor('\r\n42\r\n', { from });
    await sttySizeBecomes(terminal, 25, 90);
    terminal.resize(110, 35);
    await sttySizeBecomes(terminal, 35, 110);
    terminal.type('exit\r');
    expect(await nthEnd(terminal, command, 1)).toBe(0);
    // The exec ended; the container did not.
    expect(await psStatus(learner, 'box')).toMatch(/^Up /);
    expect(await learner.run('docker exec box cat /tmp/answer')).toEqual({ output: '42\n', exitCode: 0 });
  });

  it('docker run -it with a command the image lacks says so, with status 127', async () => {
    const learner = await sandbox.newLearner({});
    await learner.ok('docker pull busybox');
    const terminal = await openTty(learner);
    const result = await typeCommand(terminal, 'docker run -it --rm busybox nosuchshell');
    expect(result.exitCode).toBe(127);
    // The sandbox's containers run under an init (tini), which says so in its own words.
    expect(result.output).toContain('exec nosuchshell failed: No such file or directory');
  });
});

describe('a flood of output', () => {
  it('is slowed to the terminal rate rather than swamping the browser, and Ctrl-C stops it at once', async () => {
    const terminal = await openTty(await sandbox.newLearner({}));
    const command = 'yes';
    const from = terminal.screen.length;
    const started = Date.now();
    terminal.type(`${command}\r`);
    await terminal.waitFor(/(y\r\n){1000}/, { from });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const received = Buffer.byteLength(terminal.screen.slice(from));
    const seconds = (Date.now() - started) / 1000;
    // `yes` alone writes hundreds of MiB a second; the terminal passes on its rate (64 KiB/s), and
    // in each second at most one chunk of the engine's past it.
    expect(received).toBeLessThanOrEqual((seconds + 1) * 2 * 64 * 1024);
    // Ctrl-C skips what the program wrote before it died, rather than playing it out at the terminal's rate.
    terminal.type(CTRL_C);
    expect(await nthEnd(terminal, command, 1, 750)).toBe(130);
    await terminal.waitFor('[layerlab: output after Ctrl-C skipped]');
    await terminal.waitFor(PROMPT_END);
  });
});

describe('the exec control message (the Build and Run buttons)', () => {
  it('types the command visibly at the prompt, over a half-typed line, and runs it', async () => {
    const terminal = await openTty(await sandbox.newLearner({ Dockerfile: 'FROM busybox\n' }));
    terminal.type('a draft');
    await terminal.waitFor('a draft');
    const from = terminal.screen.length;
    terminal.exec('cat Dockerfile');
    expect(await nthEnd(terminal, 'cat Dockerfile', 1)).toBe(0);
    await terminal.waitFor(PROMPT_END, { from });
    expect(plain(terminal.screen.slice(from))).toContain('cat Dockerfile\nFROM busybox\n');
    expect(commandStarts(terminal)).toEqual(['cat Dockerfile']);
  });

  it('answers busy, and runs nothing, while a command is running', async () => {
    const terminal = await openTty(await sandbox.newLearner({}));
    const command = 'sleep 30';
    terminal.type(`${command}\r`);
    await eventually(async () => (commandStarts(terminal).includes(command) ? true : undefined), { what: 'the sleep starting' });
    terminal.exec('docker ps');
    await eventually(async () => terminal.messages.find((message) => message.type === 'busy'), { tries: 250, intervalMs: 20, what: 'a busy answer' });
    expect(terminal.messages.filter((message) => message.type === 'busy')).toEqual([{ type: 'busy', command: 'docker ps' }]);
    terminal.type(CTRL_C);
    expect(await nthEnd(terminal, command, 1, 750)).toBe(130);
    expect(commandStarts(terminal)).toEqual([command]);
  });
});

describe("the shell's own commands", () => {
  const files = {
    Dockerfile: 'FROM busybox\nCOPY app.py /app/\nCMD ["cat", "/app/app.py"]\n',
    'app.py': 'print("hello")\n',
    '.dockerignore': '*.log\n',
    'src/main.py': 'import app\n',
  };

  it('history lists the commands typed, oldest first', async () => {
    const terminal = await openTty(await sandbox.newLearner(files));
    await typeCommand(terminal, 'ls');
    await typeCommand(terminal, 'docker ps -q');
    const result = await typeCommand(terminal, 'history');
    expect(result).toEqual({ exitCode: 0, output: '    1  ls\n    2  docker ps -q\n    3  history\n' });
  });

  it('ls and cat see the workspace, hidden files included', async () => {
    const terminal = await openTty(await sandbox.newLearner(files));
    expect(await typeCommand(terminal, 'ls -A | sort')).toEqual({ exitCode: 0, output: '.dockerignore\nDockerfile\napp.py\nsrc\n' });
    expect(await typeCommand(terminal, 'cat src/main.py')).toEqual({ exitCode: 0, output: 'import app\n' });
    expect(await typeCommand(terminal, 'cat missing.txt')).toEqual({ exitCode: 1, output: 'cat: missing.txt: No such file or directory\n' });
  });

  it("help says what the sandbox allows and lists the lesson's base images; help NAME is bash's", async () => {
    const terminal = await openTty(await sandbox.newLearner({}));
    const result = await typeCommand(terminal, 'help');
    expect(result.exitCode).toBe(0);
    expect(result.output).toContain('This is a real bash with the real Docker CLI and Compose.');
    expect(result.output).toContain(`Base images you can use: ${availableBaseImages(policyFromEnv()).join(', ')}\n`);
    const builtin = await typeCommand(terminal, 'help cd');
    expect(builtin.output).toMatch(/^cd: cd \[-L/);
  });

  it('clear clears the screen', async () => {
    const terminal = await openTty(await sandbox.newLearner({}));
    const from = terminal.screen.length;
    expect((await typeCommand(terminal, 'clear')).exitCode).toBe(0);
    expect(terminal.screen.indexOf('\x1b[H\x1b[2J', from)).toBeGreaterThan(from);
  });

  it('an unknown command is bash\'s "command not found", with status 127', async () => {
    const terminal = await openTty(await sandbox.newLearner({}));
    expect(await typeCommand(terminal, 'foo --bar')).toEqual({ exitCode: 127, output: 'bash: foo: command not found\n' });
  });
});
