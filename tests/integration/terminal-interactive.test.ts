import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogueReferences } from '../../sandbox-server/images/catalogue.ts';
import type { ServerMessage } from '../../sandbox-server/terminal/protocol.ts';
import { startTestSandbox, type Learner, type TestSandbox, type TtyTerminal } from '../support/sandbox.ts';
import { endSessionsAfterEachTest } from '../support/sessions.ts';
import { eventually, parseTable, plain, PROMPT_END, typeCommand } from '../support/terminal-text.ts';

/**
 * The browser's terminal: a TTY socket with line editing, history, Tab, Ctrl-C, and hand-over to a
 * container's TTY for run -it and exec -it.
 */

const PROMPT_TEXT = 'learner@layerlab:~/workspace$ ';
const LEFT = '\x1b[D';
const UP = '\x1b[A';
const CTRL_C = '\x03';
/** Small, so a flood reaches the cap quickly. */
const OUTPUT_CAP = '64k';

let sandbox: TestSandbox;
const terminals: TtyTerminal[] = [];
beforeAll(async () => {
  sandbox = await startTestSandbox({ LAYERLAB_OUTPUT_CAP: OUTPUT_CAP });
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

async function psStatus(learner: Learner, name: string): Promise<string | undefined> {
  return parseTable(await learner.ok('docker ps -a')).rows.find((row) => row.NAMES === name)?.STATUS;
}

describe('the prompt and line editing', () => {
  it('announces a TTY terminal and shows the prompt', async () => {
    const terminal = await openTty(await sandbox.newLearner({}));
    expect(terminal.messages[0]).toEqual({ type: 'ready', mode: 'tty' } satisfies ServerMessage);
    expect(plain(terminal.screen)).toBe(PROMPT_TEXT);
    // Colours as a shell prompt has them: the user in green, the folder in blue.
    expect(terminal.screen).toContain('\x1b[1;32mlearner@layerlab\x1b[0m');
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
    await terminal.waitFor('imag');
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
    const from = terminal.screen.length;
    terminal.type(`${first}\rls\r`);
    expect(await nthEnd(terminal, 'ls', 1)).toBe(0);
    const order = terminal.messages.flatMap((message) =>
      message.type === 'command-start' || message.type === 'command-end' ? [`${message.type} ${message.command}`] : [],
    );
    expect(order).toEqual([`command-start ${first}`, `command-end ${first}`, 'command-start ls', 'command-end ls']);
    await terminal.waitFor(PROMPT_END, { from });
    expect(plain(terminal.screen.slice(from))).toBe(`${first}\nslept\n${PROMPT_TEXT}ls\nDockerfile\n${PROMPT_TEXT}`);
  });

  it('typed while docker run -it starts go to the container', async () => {
    const learner = await sandbox.newLearner({});
    await learner.ok('docker pull busybox');
    const terminal = await openTty(learner);
    const command = 'docker run -it --rm busybox sh';
    const from = terminal.screen.length;
    terminal.type(`${command}\recho $((6*7))\rexit 4\r`);
    expect(await nthEnd(terminal, command, 1)).toBe(4);
    expect(terminal.screen.slice(from)).toContain('\r\n42\r\n');
    expect(commandStarts(terminal)).toEqual([command]);
  });
});

describe('Tab completion', () => {
  it('completes a docker command, listing the choices on a second Tab', async () => {
    const terminal = await openTty(await sandbox.newLearner({}));
    let from = terminal.screen.length;
    terminal.type('docker ima\t');
    await terminal.waitFor(/docker image$/, { from });
    from = terminal.screen.length;
    terminal.type('\t');
    const listed = plain(await terminal.waitFor(/image +images/, { from }));
    expect(listed).toMatch(/^\nimage +images\n/);
    terminal.type('s\r');
    expect(await nthEnd(terminal, 'docker images', 1)).toBe(0);
  });

  it("completes the learner's container and image names", async () => {
    const learner = await sandbox.newLearner({ Dockerfile: 'FROM busybox\nCMD ["echo", "from myimage"]\n' });
    await learner.ok('docker build -t myimage .');
    await learner.ok('docker run -d --name sleepy-panda busybox sleep 300');
    const terminal = await openTty(learner);

    let from = terminal.screen.length;
    terminal.type('docker stop -t 1 sleepy\t');
    await terminal.waitFor('docker stop -t 1 sleepy-panda', { from });
    terminal.type('\r');
    expect(await nthEnd(terminal, 'docker stop -t 1 sleepy-panda', 1)).toBe(0);
    expect(await psStatus(learner, 'sleepy-panda')).toMatch(/^Exited/);

    from = terminal.screen.length;
    terminal.type('docker run --rm myim\t');
    await terminal.waitFor('docker run --rm myimage', { from });
    terminal.type('\r');
    expect(await nthEnd(terminal, 'docker run --rm myimage', 1)).toBe(0);
    expect(plain(terminal.screen.slice(from))).toContain('\nfrom myimage\n');
  });
});

describe('Ctrl-C', () => {
  it('at the prompt drops the line and draws a fresh prompt', async () => {
    const terminal = await openTty(await sandbox.newLearner({}));
    const from = terminal.screen.length;
    terminal.type('docker rmi everything');
    await terminal.waitFor('everything', { from });
    terminal.type(CTRL_C);
    await terminal.waitFor(/\^C\r\n\x1b\[1G\x1b\[0J.*\$ (\x1b\[\d+G)?$/, { from });
    // What was typed stays on the screen, followed by ^C, as in bash.
    expect(plain(terminal.screen)).toBe(`${PROMPT_TEXT}docker rmi everything^C\n${PROMPT_TEXT}`);
    const result = await typeCommand(terminal, 'docker ps -q');
    expect(result).toEqual({ exitCode: 0, output: '' });
    expect(commandStarts(terminal)).toEqual(['docker ps -q']);
  });

  it('interrupts a running container and returns to the prompt', async () => {
    const learner = await sandbox.newLearner({});
    await learner.ok('docker pull busybox');
    const terminal = await openTty(learner);
    const command = 'docker run --name napper busybox sleep 60';
    const from = terminal.screen.length;
    terminal.type(`${command}\r`);
    await eventually(async () => ((await psStatus(learner, 'napper'))?.startsWith('Up') ? true : undefined), {
      what: 'napper running',
    });
    terminal.type(CTRL_C);
    // Well before sleep 60 would have ended by itself.
    expect(await nthEnd(terminal, command, 1, 750)).toBe(130);
    await terminal.waitFor(PROMPT_END, { from });
    expect(plain(terminal.screen.slice(from))).toMatch(/\^C\n[^\n]*\$ $/);
    expect(await psStatus(learner, 'napper')).toMatch(/^Exited/);
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
    expect(await nthEnd(terminal, command, 1, 750)).toBe(1);
    await terminal.waitFor(PROMPT_END, { from });
    expect(plain(terminal.screen.slice(from))).toMatch(/\n\^C\nbuild cancelled\n[^\n]*\$ $/);

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
    // The container owns the screen: no prompt of ours was drawn into it, not even on the resize.
    expect(terminal.screen.slice(from)).not.toContain('learner@layerlab');

    terminal.type('exit 3\r');
    expect(await nthEnd(terminal, command, 1)).toBe(3);
    await terminal.waitFor(PROMPT_END, { from });
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
    expect(terminal.screen.slice(from)).not.toContain('learner@layerlab');
    terminal.type('exit\r');
    expect(await nthEnd(terminal, command, 1)).toBe(0);
    await terminal.waitFor(PROMPT_END, { from });
    // The exec ended; the container did not.
    expect(await psStatus(learner, 'box')).toMatch(/^Up /);
    expect(await learner.run('docker exec box cat /tmp/answer')).toEqual({ output: '42\n', exitCode: 0 });
  });

  it("docker run -it with a command the image lacks gives docker's message and 127", async () => {
    const learner = await sandbox.newLearner({});
    await learner.ok('docker pull busybox');
    const terminal = await openTty(learner);
    expect(await typeCommand(terminal, 'docker run -it --rm busybox nosuchshell')).toEqual({
      exitCode: 127,
      output:
        'docker: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "nosuchshell": executable file not found in $PATH: unknown.\n',
    });
  });
});

describe('a flood of output', () => {
  it('is cut with a visible notice, and Ctrl-C stops the command', async () => {
    const learner = await sandbox.newLearner({});
    await learner.ok('docker pull busybox');
    const terminal = await openTty(learner);
    const command = 'docker run --rm --name flood busybox yes';
    const from = terminal.screen.length;
    terminal.type(`${command}\r`);
    const notice = '\x1b[33m[layerlab: output stopped after 64 KiB; the command is still running, press Ctrl-C to stop it]\x1b[0m\r\n';
    await terminal.waitFor(notice, { from });
    const cut = terminal.screen.indexOf(notice, from);
    expect(Buffer.byteLength(terminal.screen.slice(from, cut))).toBeLessThanOrEqual(64 * 1024 + 200);
    expect(terminal.screen.slice(from, cut)).toMatch(/(y\r\n){1000}/);

    terminal.type(CTRL_C);
    expect(await nthEnd(terminal, command, 1, 750)).toBe(130);
    await terminal.waitFor(PROMPT_END, { from: cut });
    // Nothing after the notice but the interrupt and the prompt.
    expect(plain(terminal.screen.slice(cut + notice.length))).toBe(`^C\n${PROMPT_TEXT}`);
    // --rm still removes it.
    await eventually(async () => ((await psStatus(learner, 'flood')) === undefined ? true : undefined), {
      what: 'the flood container removed',
    });
  });
});

describe('the exec control message (the Build and Run buttons)', () => {
  it('types the command visibly at the prompt and runs it', async () => {
    const terminal = await openTty(await sandbox.newLearner({ Dockerfile: 'FROM busybox\n' }));
    const from = terminal.screen.length;
    terminal.exec('cat Dockerfile');
    expect(await nthEnd(terminal, 'cat Dockerfile', 1)).toBe(0);
    await terminal.waitFor(PROMPT_END, { from });
    expect(plain(terminal.screen.slice(from))).toBe(`${PROMPT_TEXT}cat Dockerfile\nFROM busybox\n${PROMPT_TEXT}`);
  });

  it('answers busy, and runs nothing, while a command is running', async () => {
    const learner = await sandbox.newLearner({});
    await learner.ok('docker pull busybox');
    const terminal = await openTty(learner);
    const command = 'docker run --rm busybox sleep 30';
    terminal.type(`${command}\r`);
    await eventually(async () => (commandStarts(terminal).includes(command) ? true : undefined), { what: 'the run starting' });
    terminal.exec('docker ps');
    await eventually(
      async () => terminal.messages.find((message) => message.type === 'busy'),
      { tries: 250, intervalMs: 20, what: 'a busy answer' },
    );
    expect(terminal.messages.filter((message) => message.type === 'busy')).toEqual([{ type: 'busy', command: 'docker ps' }]);
    terminal.type(CTRL_C);
    expect(await nthEnd(terminal, command, 1, 750)).toBe(130);
    expect(commandStarts(terminal)).toEqual([command]);
  });
});

describe('built-in commands', () => {
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

  it('ls lists the workspace, and -a shows hidden files', async () => {
    const terminal = await openTty(await sandbox.newLearner(files));
    // Sorted as ls sorts in a UTF-8 locale: case aside.
    expect(await typeCommand(terminal, 'ls')).toEqual({ exitCode: 0, output: 'app.py  Dockerfile  src/\n' });
    expect(await typeCommand(terminal, 'ls -a')).toEqual({ exitCode: 0, output: '.dockerignore  app.py  Dockerfile  src/\n' });
    expect(await typeCommand(terminal, 'ls src')).toEqual({ exitCode: 0, output: 'main.py\n' });
  });

  it('cat prints a workspace file', async () => {
    const terminal = await openTty(await sandbox.newLearner(files));
    expect(await typeCommand(terminal, 'cat Dockerfile')).toEqual({ exitCode: 0, output: files.Dockerfile });
    expect(await typeCommand(terminal, 'cat missing.txt')).toEqual({
      exitCode: 1,
      output: 'cat: missing.txt: No such file or directory\n',
    });
  });

  it('help lists the commands and the base images', async () => {
    const terminal = await openTty(await sandbox.newLearner({}));
    const result = await typeCommand(terminal, 'help');
    expect(result.exitCode).toBe(0);
    for (const name of ['docker', 'ls', 'cat', 'curl', 'history', 'clear', 'help']) {
      expect(result.output).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    }
    expect(result.output).toContain(`Base images you can use: ${catalogueReferences().join(', ')}\n`);
  });

  it('clear clears the screen', async () => {
    const terminal = await openTty(await sandbox.newLearner({}));
    const from = terminal.screen.length;
    expect((await typeCommand(terminal, 'clear')).exitCode).toBe(0);
    const cleared = terminal.screen.indexOf('\x1b[H\x1b[2J', from);
    expect(cleared).toBeGreaterThan(from);
    // The next prompt sits on the top line of the empty screen, as after bash's clear.
    expect(plain(terminal.screen.slice(cleared))).toBe(PROMPT_TEXT);
  });

  it('an unknown command is "command not found", with status 127', async () => {
    const terminal = await openTty(await sandbox.newLearner({}));
    expect(await typeCommand(terminal, 'foo --bar')).toEqual({
      exitCode: 127,
      output: 'foo: command not found. This terminal runs docker and a few helpers; type help to list them.\n',
    });
  });

  it('a pipe gets one clear line saying why it does not work here', async () => {
    const terminal = await openTty(await sandbox.newLearner({}));
    expect(await typeCommand(terminal, 'docker ps | grep x')).toEqual({
      exitCode: 2,
      output: "pipes (|) aren't available in this terminal; run each command on its own\n",
    });
    expect(commandEnds(terminal, 'docker ps | grep x')).toEqual([2]);
  });
});
