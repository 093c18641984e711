import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type Learner, type TestSandbox, type TtyTerminal } from '../support/sandbox.ts';
import { eventually, plain } from '../support/terminal-text.ts';
import { openWorkbench } from '../support/workbench.ts';

/**
 * The browser's terminal is a TTY on the session's workbench: a real bash, whose docker is the
 * real CLI talking to the session's boundary.
 */

const PROMPT = 'learner@layerlab:~/workspace$ ';

let sandbox: TestSandbox;
const session = (learner: Learner) => sandbox.server.context.store.get(learner.sessionId)!;
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

  it('reaches a published port as localhost:PORT, as the learner typed it, until the container stops', async () => {
    const learner = await sandbox.newLearner({});
    const terminal = await open(learner);
    const run = 'docker run -d --name web -p 8080:80 nginx:1.22 > /dev/null && docker port web';
    terminal.type(`${run}\r`);
    expect(await terminal.waitForCommandEnd(run, 120_000)).toBe(0);
    expect(plain(terminal.screen)).toContain('80/tcp -> 0.0.0.0:8080');
    // A forwarder follows the container's start within moments; a person typing would not see the gap.
    const fetch = 'for i in $(seq 50); do curl -sf localhost:8080 && break; sleep 0.2; done | grep -o "Welcome to nginx" | head -1';
    terminal.type(`${fetch}\r`);
    expect(await terminal.waitForCommandEnd(fetch)).toBe(0);
    expect(plain(terminal.screen)).toContain('\nWelcome to nginx\n');
    const stop = 'docker stop -t 1 web > /dev/null; sleep 1; curl -s -o /dev/null -w "%{http_code}\\n" localhost:8080';
    terminal.type(`${stop}\r`);
    await terminal.waitForCommandEnd(stop);
    expect(plain(terminal.screen)).toMatch(/\n000\n/);
  });

  it('mounts the workspace with -v "$PWD":/app, live both ways, and no other host path', async () => {
    const learner = await sandbox.newLearner({ 'note.txt': 'from the editor\n' });
    await learner.ok('docker pull busybox');
    const terminal = await open(learner);
    const read = 'docker run --rm -v "$PWD":/app busybox cat /app/note.txt';
    terminal.type(`${read}\r`);
    expect(await terminal.waitForCommandEnd(read, 120_000)).toBe(0);
    expect(plain(terminal.screen)).toContain(`${read}\nfrom the editor\n`);
    const write = "docker run --rm -v \"$PWD\":/data busybox sh -c 'echo from the container > /data/out.txt'";
    terminal.type(`${write}\r`);
    expect(await terminal.waitForCommandEnd(write)).toBe(0);
    await eventually(async () => terminal.messages.find((message) => message.type === 'files' && message.files['out.txt'] === 'from the container\n'), { what: 'out.txt in the editor' });
    const escape = 'docker run --rm -v "$PWD/..":/up busybox true; docker run --rm -v /home/learner:/up busybox true';
    terminal.type(`${escape}\r`);
    await terminal.waitForCommandEnd(escape);
    expect(plain(terminal.screen).match(/host paths can't be mounted here/g)).toHaveLength(2);
  });

  it('mounts a folder or a file of the workspace, as Compose and "$PWD/site" do', async () => {
    const learner = await sandbox.newLearner({ 'site/index.html': '<h1>mine</h1>\n', 'conf/app.conf': 'port=1\n' });
    await learner.ok('docker pull busybox');
    const workbench = await openWorkbench(sandbox.server, learner);
    const folder = await workbench.run('docker run --rm -v "$PWD/site":/usr/share/nginx/html:ro busybox cat /usr/share/nginx/html/index.html');
    expect(folder).toEqual({ output: '<h1>mine</h1>\n', exitCode: 0 });
    const file = await workbench.run('docker run --rm -v "$PWD/conf/app.conf":/etc/app.conf busybox cat /etc/app.conf');
    expect(file).toEqual({ output: 'port=1\n', exitCode: 0 });
    const inspect = await workbench.run('docker create --name shown -v "$PWD/site":/srv busybox true >/dev/null && docker inspect -f "{{json .HostConfig.Binds}}" shown');
    expect(inspect.output).toBe('["/home/learner/workspace/site:/srv:rw"]\n');
  });

  it('refuses a workspace folder that goes through a symlink, and no swap at the start can win', async () => {
    const learner = await sandbox.newLearner({ 'site/index.html': 'workspace\n' });
    await learner.ok('docker pull busybox');
    const workbench = await openWorkbench(sandbox.server, learner);
    const linked = await workbench.run('ln -s / rootlink && docker run --rm -v "$PWD/rootlink":/host busybox ls /host');
    expect(linked.exitCode).not.toBe(0);
    expect(linked.output).toContain('goes through a symlink');
    // A learner swaps site for a symlink to / as fast as the shell can, while starting containers that bind it.
    await workbench.run('(while :; do mv site real; ln -s / site; rm site; mv real site; done) > /dev/null 2>&1 & echo $! > /tmp/swapper');
    const seen: string[] = [];
    for (let i = 0; i < 15; i++) {
      const result = await workbench.run('docker run --rm -v "$PWD/site":/x busybox ls /x 2>&1');
      seen.push(result.output.trim());
    }
    await workbench.run('kill $(cat /tmp/swapper)');
    // What makes the swap unwinnable: the workspace's writers are paused from before the check until the container has started.
    const since = Math.floor(Date.now() / 1000) - 1;
    await workbench.run('docker run --rm -v "$PWD/site":/x busybox true');
    const until = Math.floor(Date.now() / 1000) + 1;
    const events = (await sandbox.server.context.docker.getEvents({ since, until, filters: { label: [session(learner).namespace.labelFilter] } } as never)) as unknown as NodeJS.ReadableStream;
    const lines = (await new Promise<string>((resolve) => { let text = ''; events.on('data', (chunk: Buffer) => (text += chunk)); events.on('end', () => resolve(text)); }))
      .split('\n').filter(Boolean).map((line) => JSON.parse(line) as { status: string; Actor: { Attributes: { name: string } } });
    const order = lines.filter((event) => ['pause', 'unpause', 'start'].includes(event.status)).map((event) => `${event.status} ${event.Actor.Attributes.name.startsWith('llw-') ? 'workbench' : 'container'}`);
    expect(order.slice(-3)).toEqual(['pause workbench', 'start container', 'unpause workbench']);
    // Each start saw the real folder (or was refused, or found it mid-move); none ever listed the host's root.
    expect(seen.length).toBe(15);
    expect(seen.join('\n')).not.toMatch(/\b(proc|sys|etc|usr|var)\b/);
  });
});

describe('a lines terminal (piped layerlab shell, lessons check)', () => {
  it('types each line at the same shell, and answers with what the command wrote and its status', async () => {
    const learner = await sandbox.newLearner({ 'index.html': '<h1>hi</h1>\n' });
    // State carries from line to line, as in a script; the output has no prompt, no echo, \n ends.
    expect(await learner.run('cd /tmp && name=world')).toEqual({ output: '', exitCode: 0 });
    expect(await learner.run('pwd; echo "hello $name"')).toEqual({ output: '/tmp\nhello world\n', exitCode: 0 });
    expect(await learner.run('cd - >/dev/null; cat index.html | wc -c; exit_with() { return $1; }; exit_with 3')).toEqual({ output: '12\n', exitCode: 3 });
    // A comment runs nothing, so $? is still the last command's, as bash keeps it.
    expect(await learner.run('# only a comment')).toEqual({ output: '', exitCode: 3 });
    expect(await learner.run('true')).toEqual({ output: '', exitCode: 0 });
    // The session hears of each, as it hears of the browser's commands.
    expect(session(learner).record.commands.map((command) => command.line)).toContain('pwd; echo "hello $name"');
  });

  it('refuses a line that is not a whole command, or holds a line break, and the shell carries on', async () => {
    const learner = await sandbox.newLearner({});
    await expect(learner.run('echo "an open quote')).rejects.toThrow(/is not a whole command \(an open quote, a trailing \\\?\); a lines terminal runs each line on its own/);
    await expect(learner.run('echo one\necho two')).rejects.toThrow(/a lines terminal runs one line per exec/);
    await expect(learner.run(`echo ${'x'.repeat(17 * 1024)}`)).rejects.toThrow(/a command may be at most 16384/);
    expect(await learner.run('echo still here')).toEqual({ output: 'still here\n', exitCode: 0 });
  });

  it('cuts a flood at the output cap with a notice, and the next line runs', async () => {
    const capped = await startTestSandbox({ LAYERLAB_OUTPUT_CAP: '64k' });
    try {
      const learner = await capped.newLearner({});
      const flood = await learner.run('head -c 300000 /dev/zero | tr "\\0" x; echo; echo done');
      expect(flood.exitCode).toBe(0);
      expect(flood.output).toMatch(/\n\[layerlab: output cut after 64 KiB; the command runs on\]\n$/);
      expect(flood.output.length).toBeLessThan(64 * 1024 + 100);
      expect(await learner.run('echo next')).toEqual({ output: 'next\n', exitCode: 0 });
    } finally {
      await capped.close();
    }
  });

  it('lets two lines terminals of one session take turns at the one prompt', async () => {
    const learner = await sandbox.newLearner({});
    const other = learner.another();
    const results = await Promise.all([learner.run('sleep 1; echo first'), other.run('echo second')]);
    expect(results).toEqual([
      { output: 'first\n', exitCode: 0 },
      { output: 'second\n', exitCode: 0 },
    ]);
    other.disconnect();
  });

  it('types a line longer than the cooked terminal holds only once readline reads the terminal', async () => {
    const learner = await sandbox.newLearner({});
    // The prompt's marker, then a second before readline takes the terminal out of cooked mode,
    // which keeps 4 KiB of a line and drops the rest, Enter included.
    await learner.ok('PROMPT_COMMAND="__layerlab_prompt; sleep 1"');
    expect(await learner.run(`echo ${'x'.repeat(6000)} | wc -c`, 30_000)).toEqual({ output: '6001\n', exitCode: 0 });
    expect(await learner.run('echo still answering')).toEqual({ output: 'still answering\n', exitCode: 0 });
  });

  it("ends a line with its own status when a browser terminal's command before it is still being read back", async () => {
    const learner = await sandbox.newLearner({});
    const browser = await open(learner);
    // Files to read back once it ends (a docker exec, a tar), and a status of its own.
    const command = 'for i in $(seq 100); do echo $i > many-$i.txt; done; sleep 1; (exit 3)';
    browser.type(`${command}\r`);
    await browser.waitFor('sleep 1;');
    // Sent while that runs: typed at the prompt it leaves, and done before its files are read.
    expect(await learner.run('echo mine')).toEqual({ output: 'mine\n', exitCode: 0 });
    expect(await browser.waitForCommandEnd(command)).toBe(3);
    browser.close();
  });
});

describe('reading the workspace back', () => {
  it('reads it after a command that changed it, and not after one that left it alone', async () => {
    const learner = await sandbox.newLearner({ 'index.html': 'one\n' });
    await learner.run('true');
    const workbench = await sandbox.server.context.workbenches.for(session(learner));
    const readFiles = workbench.readFiles.bind(workbench);
    let reads = 0;
    workbench.readFiles = () => {
      reads += 1;
      return readFiles();
    };
    await learner.run('docker ps -q; ls');
    expect(reads).toBe(0);
    await learner.run('echo two > index.html');
    expect(reads).toBe(1);
    expect(session(learner).files.get('index.html')).toBe('two\n');
    // A write from outside the shell (the editor's) changes the stamp too.
    await learner.setFiles({ 'index.html': 'three\n' });
    await learner.run('true');
    expect(reads).toBe(2);
    expect(session(learner).files.get('index.html')).toBe('three\n');
  });
});
