import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox, type TtyTerminal } from '../support/sandbox.ts';
import { plain } from '../support/terminal-text.ts';

/**
 * The browser's terminal is a TTY on the session's workbench: a real bash, whose docker is the
 * real CLI talking to the session's boundary.
 */

const PROMPT = 'learner@layerlab:~/workspace$ ';

let sandbox: TestSandbox;
const terminals: TtyTerminal[] = [];
beforeAll(async () => {
  sandbox = await startTestSandbox();
});
afterAll(async () => {
  for (const terminal of terminals) terminal.close();
  await sandbox?.close();
});

async function open(learner: Awaited<ReturnType<TestSandbox['newLearner']>>, cols = 100, rows = 30): Promise<TtyTerminal> {
  const terminal = await learner.tty(cols, rows);
  terminals.push(terminal);
  await terminal.waitFor(PROMPT);
  return terminal;
}

describe('the workbench terminal', () => {
  it('is a real bash: pipes, $(…), &&, variables and the prompt', async () => {
    const learner = await sandbox.newLearner({ 'index.html': '<h1>hi</h1>\n' });
    const terminal = await open(learner);
    expect(terminal.messages[0]).toMatchObject({ type: 'ready', mode: 'tty', screen: true });
    terminal.type('name=world; echo "hello $name" | tr a-z A-Z && echo $(( 6 * 7 )) $(cat index.html)\r');
    const exitCode = await terminal.waitForCommandEnd('name=world; echo "hello $name" | tr a-z A-Z && echo $(( 6 * 7 )) $(cat index.html)');
    expect(exitCode).toBe(0);
    expect(plain(terminal.screen)).toContain('HELLO WORLD\n42 <h1>hi</h1>\n');
    expect(terminal.messages).toContainEqual({ type: 'command-start', command: 'name=world; echo "hello $name" | tr a-z A-Z && echo $(( 6 * 7 )) $(cat index.html)' });
  });

  it('reports exit codes, and reattaches to the same shell with its screen', async () => {
    const learner = await sandbox.newLearner({});
    const first = await open(learner);
    first.type('export REMEMBERED=yes; false\r');
    expect(await first.waitForCommandEnd('export REMEMBERED=yes; false')).toBe(1);
    first.type('sleep 2; echo slept-through\r');
    await first.waitFor('sleep 2; echo slept-through');
    first.close();
    const second = await open(learner);
    // The screen came back drawn, the command still running finished into it, and the shell kept its variable.
    expect(plain(second.screen)).toContain('export REMEMBERED=yes; false');
    await second.waitFor('slept-through\r\n');
    second.type('echo $REMEMBERED\r');
    expect(await second.waitForCommandEnd('echo $REMEMBERED')).toBe(0);
    expect(plain(second.screen)).toContain('\nyes\n');
  });

  it('passes Ctrl-C to the running command, and the window size to the shell', async () => {
    const terminal = await open(await sandbox.newLearner({}), 90, 20);
    terminal.type('sleep 100\r');
    await terminal.waitFor('sleep 100');
    await new Promise((resolve) => setTimeout(resolve, 300));
    terminal.type('\x03');
    expect(await terminal.waitForCommandEnd('sleep 100', 10_000)).toBe(130);
    terminal.resize(123, 45);
    await new Promise((resolve) => setTimeout(resolve, 200));
    terminal.type('stty size\r');
    expect(await terminal.waitForCommandEnd('stty size')).toBe(0);
    expect(plain(terminal.screen)).toContain('\n45 123\n');
  });

  it('shares one workspace with the editor, both ways', async () => {
    const learner = await sandbox.newLearner({ 'Dockerfile': 'FROM busybox\n' });
    const terminal = await open(learner);
    terminal.type('echo made-in-the-shell > made.txt && mkdir -p site && echo page > site/index.html\r');
    expect(await terminal.waitForCommandEnd('echo made-in-the-shell > made.txt && mkdir -p site && echo page > site/index.html')).toBe(0);
    const filesMessage = terminal.messages.find((message) => message.type === 'files');
    expect(filesMessage).toEqual({ type: 'files', files: { Dockerfile: 'FROM busybox\n', 'made.txt': 'made-in-the-shell\n', 'site/index.html': 'page\n' } });
    const response = await fetch(`${learner.url}/api/workspace`, { headers: { cookie: learner.cookie } });
    expect((await response.json()).files['made.txt']).toBe('made-in-the-shell\n');
    // An edit from the editor is there for the next command.
    const patch = await fetch(`${learner.url}/api/workspace`, {
      method: 'PATCH',
      headers: { origin: learner.url, 'content-type': 'application/json', cookie: learner.cookie },
      body: JSON.stringify({ changes: { 'Dockerfile': 'FROM busybox\nCMD ["echo", "edited"]\n', 'made.txt': null } }),
    });
    expect(patch.status).toBe(200);
    terminal.type('cat Dockerfile; ls\r');
    expect(await terminal.waitForCommandEnd('cat Dockerfile; ls')).toBe(0);
    const screen = plain(terminal.screen);
    expect(screen).toContain('CMD ["echo", "edited"]\nDockerfile  site\n');
  });

  it('never lets the shell make the server read outside the workspace', async () => {
    const learner = await sandbox.newLearner({ 'a.txt': 'a\n' });
    const terminal = await open(learner);
    const command = 'ln -s /etc/passwd passwd-link && ln a.txt hard-link && ln -s / root-link && printf "\\x00\\xff" > binary.bin';
    terminal.type(`${command}\r`);
    expect(await terminal.waitForCommandEnd(command)).toBe(0);
    const response = await fetch(`${learner.url}/api/workspace`, { headers: { cookie: learner.cookie } });
    const { files } = await response.json();
    expect(Object.keys(files).sort()).toEqual(['a.txt', 'hard-link']);
    expect(JSON.stringify(files)).not.toContain('root:');
  });

  it('starts a new shell when the learner exits this one, in the same workbench', async () => {
    const learner = await sandbox.newLearner({});
    const terminal = await open(learner);
    terminal.type('echo kept > kept.txt\r');
    await terminal.waitForCommandEnd('echo kept > kept.txt');
    const from = terminal.screen.length;
    terminal.type('exit\r');
    await terminal.waitFor('a new one', { from });
    await terminal.waitFor(PROMPT, { from });
    terminal.type('cat kept.txt\r');
    expect(await terminal.waitForCommandEnd('cat kept.txt')).toBe(0);
  });
});
