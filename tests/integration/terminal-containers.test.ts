import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type Learner, type TestSandbox } from '../support/sandbox.ts';
import { endSessionsAfterEachTest } from '../support/sessions.ts';
import { eventually, parseTable, plain, PROMPT_END } from '../support/terminal-text.ts';

/** `docker run` and the container and volume commands, on the real engine. */

const NAMESPACE = /llk?-[0-9a-f]{16}/;

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox();
});
afterAll(async () => {
  await sandbox?.close();
});
endSessionsAfterEachTest(() => sandbox);

/** A learner who already has busybox, so run output is only the container's. */
async function learnerWithBusybox(): Promise<Learner> {
  const learner = await sandbox.newLearner({});
  await learner.ok('docker pull busybox');
  return learner;
}

async function psRow(learner: Learner, name: string, all = true): Promise<Record<string, string> | undefined> {
  const rows = parseTable(await learner.ok(all ? 'docker ps -a' : 'docker ps')).rows;
  return rows.find((row) => row.NAMES === name);
}

describe('docker run', () => {
  it('pulls an image it does not have yet, then runs it', async () => {
    const learner = await sandbox.newLearner({});
    const result = await learner.run('docker run --rm busybox echo first run');
    expect(result.exitCode).toBe(0);
    expect(result.output).toMatch(/^Unable to find image 'busybox:latest' locally\nlatest: Pulling from library\/busybox\n/);
    expect(result.output).toMatch(/\nStatus: Downloaded newer image for busybox:latest\n/);
    expect(result.output).toMatch(/\nfirst run\n$/);
    // The second time the image is there: only the container speaks.
    expect(await learner.run('docker run --rm busybox echo second run')).toEqual({ output: 'second run\n', exitCode: 0 });
  });

  it('runs a command with its arguments, -e, -w and --entrypoint', async () => {
    const learner = await learnerWithBusybox();
    expect(await learner.run("docker run --rm busybox sh -c 'echo $((2+3)) args'")).toEqual({ output: '5 args\n', exitCode: 0 });
    expect(await learner.run("docker run --rm -e GREETING=hello -e WHO=layerlab busybox sh -c 'echo $GREETING $WHO'")).toEqual({
      output: 'hello layerlab\n',
      exitCode: 0,
    });
    expect(await learner.run('docker run --rm -w /tmp busybox pwd')).toEqual({ output: '/tmp\n', exitCode: 0 });
    expect(await learner.run('docker run --rm --entrypoint echo busybox from the entrypoint')).toEqual({
      output: 'from the entrypoint\n',
      exitCode: 0,
    });
  });

  it('runs in the background with -d and a --name', async () => {
    const learner = await learnerWithBusybox();
    const started = await learner.run('docker run -d --name background busybox sleep 300');
    expect(started.exitCode).toBe(0);
    expect(started.output).toMatch(/^[0-9a-f]{64}\n$/);
    const row = await psRow(learner, 'background', false);
    expect(row).toMatchObject({ 'CONTAINER ID': started.output.slice(0, 12), IMAGE: 'busybox', COMMAND: '"sleep 300"' });
    expect(row!.STATUS).toMatch(/^Up /);
    const again = await learner.run('docker run -d --name background busybox true');
    expect(again.exitCode).toBe(125);
    // The real CLI names the container holding the name (by the ID `run -d` printed) and adds its help hint.
    expect(again.output).toBe(
      `docker: Error response from daemon: Conflict. The container name "/background" is already in use by container "${started.output.trim()}". You have to remove (or rename) that container to be able to reuse that name.\nSee 'docker run --help'.\n`,
    );
  });

  it('removes the container afterwards with --rm', async () => {
    const learner = await learnerWithBusybox();
    expect(await learner.run('docker run --rm --name short-lived busybox echo bye')).toEqual({ output: 'bye\n', exitCode: 0 });
    expect(await psRow(learner, 'short-lived')).toBeUndefined();
    await learner.ok('docker run --name kept busybox echo stays');
    expect(await psRow(learner, 'kept')).toBeDefined();
  });

  it('publishes a port: curl reaches nginx and docker ps shows the mapping', async () => {
    const learner = await sandbox.newLearner({});
    const started = await learner.run('docker run -d --name web -p 8080:80 nginx');
    expect(started.exitCode, started.output).toBe(0);
    const page = await eventually(
      async () => {
        const result = await learner.run('curl localhost:8080');
        return result.exitCode === 0 ? result.output : undefined;
      },
      { what: 'curl localhost:8080 answering' },
    );
    expect(page).toContain('<title>Welcome to nginx!</title>');
    // As the engine shows a published port: on IPv4 and IPv6, with the host port the learner typed.
    expect((await psRow(learner, 'web', false))?.PORTS).toBe('0.0.0.0:8080->80/tcp, :::8080->80/tcp');
    const other = await learner.run('curl localhost:8081');
    expect(other.exitCode).toBe(7);
    // Nothing listens there: the workbench's curl (7.88, bookworm) words a refused connection so.
    expect(other.output).toMatch(/^curl: \(7\) Failed to connect to localhost port 8081 after \d+ ms: Couldn't connect to server\n$/);
  });

  it('keeps a named volume between two containers', async () => {
    const learner = await learnerWithBusybox();
    expect(await learner.run("docker run --rm -v notes:/data busybox sh -c 'echo kept > /data/note.txt'")).toEqual({
      output: '',
      exitCode: 0,
    });
    expect(await learner.run('docker run --rm -v notes:/data busybox cat /data/note.txt')).toEqual({
      output: 'kept\n',
      exitCode: 0,
    });
    expect(parseTable(await learner.ok('docker volume ls')).rows).toEqual([{ DRIVER: 'local', 'VOLUME NAME': 'notes' }]);
  });

  it("passes the container's own exit code through", async () => {
    const learner = await learnerWithBusybox();
    expect(await learner.run("docker run --rm busybox sh -c 'echo out; exit 3'")).toEqual({ output: 'out\n', exitCode: 3 });
    expect((await learner.run('docker run --rm busybox false')).exitCode).toBe(1);
  });

  it("waits for the container to end before returning (ps -a then shows it exited)", async () => {
    const learner = await learnerWithBusybox();
    expect(await learner.run("docker run --name finished busybox sh -c 'sleep 1; echo done'")).toEqual({
      output: 'done\n',
      exitCode: 0,
    });
    expect((await psRow(learner, 'finished'))!.STATUS).toMatch(/^Exited \(0\) /);
  });

  it('refuses an image outside the catalogue, and -it without a terminal', async () => {
    const learner = await sandbox.newLearner({});
    const missing = await learner.run('docker run --rm alpine echo hi');
    expect(missing.exitCode).toBe(125);
    expect(missing.output).toMatch(
      /^Unable to find image 'alpine:latest' locally\ndocker: Error response from daemon: pull access denied for alpine: this sandbox can pull only busybox:latest, [^\n]*\nSee 'docker run --help'\.\n$/,
    );
    // The learner's shell has a terminal; with stdin piped, -it gets docker's own answer.
    expect(await learner.run('echo exit | docker run -it --rm busybox sh')).toEqual({ output: 'the input device is not a TTY\n', exitCode: 1 });
  });

  // Every container here runs under an init (the sandbox policy), so a missing command is
  // reported as `docker run --init` reports it on a real engine: by the init, with the same statuses.
  it('answers 127 for a command the image lacks and 126 for one it cannot run, as docker run --init does', async () => {
    const learner = await learnerWithBusybox();
    // The init names its own process ID, which is not always the same.
    const initSays = (what: string) => new RegExp(`^\\[FATAL tini \\(\\d+\\)\\] exec ${what}\n$`);
    const missing = await learner.run('docker run --rm busybox nosuchcommand --flag');
    expect(missing.exitCode).toBe(127);
    expect(missing.output).toMatch(initSays('nosuchcommand failed: No such file or directory'));
    const absolute = await learner.run('docker run --rm busybox /no/such/program');
    expect(absolute.exitCode).toBe(127);
    expect(absolute.output).toMatch(initSays('/no/such/program failed: No such file or directory'));
    const notExecutable = await learner.run('docker run --rm busybox /etc/passwd');
    expect(notExecutable.exitCode).toBe(126);
    expect(notExecutable.output).toMatch(initSays('/etc/passwd failed: Permission denied'));
  });
});

describe('docker ps', () => {
  let learner: Learner;
  beforeAll(async () => {
    learner = await learnerWithBusybox();
    await learner.ok('docker run -d --name runner busybox sleep 300');
    await learner.ok('docker run --name done busybox true');
  });

  it("lays out Docker's table and lists only running containers", async () => {
    const output = await learner.ok('docker ps');
    expect(output).toMatch(/^CONTAINER ID {3}IMAGE {2,}COMMAND {2,}CREATED {2,}STATUS {2,}PORTS {2,}NAMES\n/);
    const { header, rows } = parseTable(output);
    expect(header).toEqual(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES']);
    expect(rows.map((row) => row.NAMES)).toEqual(['runner']);
    expect(rows[0]!['CONTAINER ID']).toMatch(/^[0-9a-f]{12}$/);
    expect(rows[0]!.CREATED).toMatch(/ ago$/);
  });

  it('lists stopped ones too with -a, with their exit status', async () => {
    const rows = parseTable(await learner.ok('docker ps -a')).rows;
    expect(rows.map((row) => row.NAMES).sort()).toEqual(['done', 'runner']);
    expect(rows.find((row) => row.NAMES === 'done')!.STATUS).toMatch(/^Exited \(0\) .+ ago$/);
    expect(rows.find((row) => row.NAMES === 'done')!.COMMAND).toBe('"true"');
  });

  it('prints IDs only with -q', async () => {
    const ids = (await learner.ok('docker ps -aq')).trim().split('\n');
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{12}$/);
  });
});

describe('container lifecycle', () => {
  it('stops, starts, restarts and removes a container', async () => {
    const learner = await learnerWithBusybox();
    await learner.ok('docker run -d --name cycle busybox sleep 300');

    expect(await learner.run('docker stop -t 1 cycle')).toEqual({ output: 'cycle\n', exitCode: 0 });
    expect((await psRow(learner, 'cycle'))!.STATUS).toMatch(/^Exited \(\d+\) /);
    expect(await psRow(learner, 'cycle', false)).toBeUndefined();

    expect(await learner.run('docker start cycle')).toEqual({ output: 'cycle\n', exitCode: 0 });
    expect((await psRow(learner, 'cycle', false))!.STATUS).toMatch(/^Up /);
    const idBefore = (await psRow(learner, 'cycle'))!['CONTAINER ID'];

    expect(await learner.run('docker restart -t 1 cycle')).toEqual({ output: 'cycle\n', exitCode: 0 });
    expect((await psRow(learner, 'cycle', false))!).toMatchObject({ 'CONTAINER ID': idBefore, STATUS: expect.stringMatching(/^Up /) });

    const refused = await learner.run('docker rm cycle');
    expect(refused.exitCode).toBe(1);
    expect(refused.output).toMatch(
      /^Error response from daemon: You cannot remove a running container [0-9a-f]{64}\. Stop the container before attempting removal or force remove\n$/,
    );
    expect(await learner.run('docker rm -f cycle')).toEqual({ output: 'cycle\n', exitCode: 0 });
    expect(await psRow(learner, 'cycle')).toBeUndefined();
    expect(await learner.run('docker rm cycle')).toEqual({ output: 'Error: No such container: cycle\n', exitCode: 1 });
  });

  it('kills a running container', async () => {
    const learner = await learnerWithBusybox();
    await learner.ok('docker run -d --name victim busybox sleep 300');
    expect(await learner.run('docker kill victim')).toEqual({ output: 'victim\n', exitCode: 0 });
    expect((await psRow(learner, 'victim'))!.STATUS).toMatch(/^Exited \(137\) /);
    const again = await learner.run('docker kill victim');
    expect(again.exitCode).toBe(1);
    expect(again.output).toMatch(/is not running\n$/);
  });

  it('removes stopped containers with container prune -f and keeps running ones', async () => {
    const learner = await learnerWithBusybox();
    await learner.ok('docker run --name old-one busybox true');
    await learner.ok('docker run --name old-two busybox true');
    await learner.ok('docker run -d --name alive busybox sleep 300');
    const ids = (await learner.ok("docker inspect -f '{{.Id}}' old-one old-two")).trim().split('\n');
    const pruned = await learner.run('docker container prune -f');
    expect(pruned.exitCode).toBe(0);
    expect(pruned.output).toMatch(/^Deleted Containers:\n[0-9a-f]{64}\n[0-9a-f]{64}\n\nTotal reclaimed space: /);
    for (const id of ids) expect(pruned.output).toContain(`${id}\n`);
    expect(parseTable(await learner.ok('docker ps -a')).rows.map((row) => row.NAMES)).toEqual(['alive']);
  });
});

describe('docker exec', () => {
  it('runs a command in a running container and passes its exit code through', async () => {
    const learner = await learnerWithBusybox();
    await learner.ok('docker run -d --name host busybox sleep 300');
    const fullId = (await learner.ok("docker inspect -f '{{.Id}}' host")).trim();
    const hostId = fullId.slice(0, 12);
    expect(await learner.run("docker exec host sh -c 'echo inside $HOSTNAME; exit 4'")).toEqual({
      output: `inside ${hostId}\n`,
      exitCode: 4,
    });
    expect(await learner.run('docker exec -e COLOR=blue -w /tmp host sh -c \'echo $COLOR $(pwd)\'')).toEqual({
      output: 'blue /tmp\n',
      exitCode: 0,
    });
    const missing = await learner.run('docker exec host nosuchcommand');
    expect(missing.exitCode).toBe(126);
    expect(missing.output).toContain('exec: "nosuchcommand": executable file not found in $PATH');

    await learner.ok('docker stop -t 1 host');
    const stopped = await learner.run('docker exec host true');
    expect(stopped.exitCode).toBe(1);
    expect(stopped.output).toBe(`Error response from daemon: Container ${fullId} is not running\n`);
  });
});

describe('docker logs', () => {
  it("prints a container's output, stdout and stderr", async () => {
    const learner = await learnerWithBusybox();
    await learner.ok("docker run --name talker busybox sh -c 'echo line one; echo line two; echo problem >&2'");
    const logs = await learner.run('docker logs talker');
    expect(logs.exitCode).toBe(0);
    expect(logs.output.split('\n').sort()).toEqual(['', 'line one', 'line two', 'problem']);
    expect(logs.output).toMatch(/line one\n(.*\n)?line two\n/);
    const tail = await learner.run('docker logs --tail 1 talker');
    expect(tail.exitCode).toBe(0);
    expect(['line two\n', 'problem\n']).toContain(tail.output);
    // -f on a container that already ended prints what it has and returns.
    expect((await learner.run('docker logs -f talker')).output).toContain('line two\n');
  });

  it('follows new output with -f until Ctrl-C', async () => {
    const learner = await learnerWithBusybox();
    await learner.ok("docker run -d --name ticker busybox sh -c 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done'");
    const terminal = await learner.tty();
    try {
      await terminal.waitFor(PROMPT_END);
      const from = terminal.screen.length;
      terminal.type('docker logs -f ticker\r');
      // A line written after the command started proves it follows.
      await terminal.waitFor(/tick [5-9]\r\n/, { from });
      terminal.type('\x03');
      expect(await terminal.waitForCommandEnd('docker logs -f ticker', 10_000)).toBe(130);
      await terminal.waitFor(PROMPT_END, { from });
      expect(plain(terminal.screen.slice(from))).toMatch(/\^C\n[^\n]*learner@layerlab:~\/workspace\$ $/);
      expect((await psRow(learner, 'ticker', false))?.STATUS).toMatch(/^Up /);
    } finally {
      terminal.close();
    }
  });
});

describe('docker diff', () => {
  it("lists the files the container added and changed, and nothing of the sandbox's own", async () => {
    const learner = await learnerWithBusybox();
    await learner.ok("docker run --name writer busybox sh -c 'echo new > /created.txt; echo more >> /etc/motd; mkdir /work'");
    const diff = await learner.run('docker diff writer');
    expect(diff.exitCode).toBe(0);
    expect(diff.output.split('\n').filter(Boolean).sort()).toEqual(['A /created.txt', 'A /etc/motd', 'A /work', 'C /etc']);
    expect(diff.output).not.toContain('docker-init');
  });

  it('keeps a folder the learner changed even when init lives in it', async () => {
    const learner = await learnerWithBusybox();
    await learner.ok("docker run --name sbin-writer busybox sh -c 'mkdir -p /sbin && echo mine > /sbin/tool'");
    const lines = (await learner.ok('docker diff sbin-writer')).split('\n').filter(Boolean).sort();
    expect(lines).toEqual(['A /sbin', 'A /sbin/tool']);
  });
});

describe('docker inspect', () => {
  it('prints a container as JSON, without the namespace or sandbox labels', async () => {
    const learner = await learnerWithBusybox();
    await learner.ok('docker run --name probe -v probe-data:/data busybox true');
    const output = await learner.ok('docker inspect probe');
    expect(output).not.toMatch(NAMESPACE);
    expect(output).not.toContain('org.layerlab.session');
    const [info] = JSON.parse(output) as { Name: string; Config: { Image: string; Cmd: string[] }; State: { Status: string } }[];
    expect(info).toMatchObject({ Name: '/probe', Config: { Image: 'busybox', Cmd: ['true'] }, State: { Status: 'exited' } });
  });

  it('renders templates for containers and images', async () => {
    const learner = await learnerWithBusybox();
    expect((await learner.run("docker run --name templ busybox sh -c 'exit 5'")).exitCode).toBe(5);
    expect(await learner.run("docker inspect -f '{{.State.ExitCode}} {{.Config.Image}} {{.Name}}' templ")).toEqual({
      output: '5 busybox /templ\n',
      exitCode: 0,
    });
    expect(await learner.run("docker container inspect --format '{{.State.Status}}' templ")).toEqual({
      output: 'exited\n',
      exitCode: 0,
    });
    expect(await learner.run("docker inspect -f '{{.Config.Cmd}}' busybox")).toEqual({ output: '[sh]\n', exitCode: 0 });
    // The real CLI prints the (empty) list it found, then the error.
    expect(await learner.run('docker inspect nothing')).toEqual({ output: '[]\nError: No such object: nothing\n', exitCode: 1 });
  });
});

describe('docker volume', () => {
  it('creates, lists and removes volumes, and refuses one in use', async () => {
    const learner = await learnerWithBusybox();
    expect(await learner.run('docker volume create shared')).toEqual({ output: 'shared\n', exitCode: 0 });
    const table = await learner.ok('docker volume ls');
    expect(table).toMatch(/^DRIVER {4}VOLUME NAME\n/);
    expect(parseTable(table).rows).toEqual([{ DRIVER: 'local', 'VOLUME NAME': 'shared' }]);
    expect(await learner.ok('docker volume ls -q')).toBe('shared\n');

    await learner.ok('docker run -d --name holder -v shared:/shared busybox sleep 300');
    const containerId = (await learner.ok("docker inspect -f '{{.Id}}' holder")).trim();
    expect(await learner.run('docker volume rm shared')).toEqual({
      output: `Error response from daemon: remove shared: volume is in use - [${containerId}]\n`,
      exitCode: 1,
    });
    await learner.ok('docker rm -f holder');
    expect(await learner.run('docker volume rm shared')).toEqual({ output: 'shared\n', exitCode: 0 });
    expect(parseTable(await learner.ok('docker volume ls')).rows).toEqual([]);
    expect(await learner.run('docker volume rm shared')).toEqual({ output: 'Error: No such volume: shared\n', exitCode: 1 });
  });

  it('prunes the volumes no container uses, and only the learner\'s', async () => {
    const learner = await learnerWithBusybox();
    const other = await learnerWithBusybox();
    await other.ok('docker volume create theirs');
    await learner.ok('docker volume create spare');
    await learner.ok('docker run -d --name keeper -v kept:/data busybox sh -c "echo data > /data/f; sleep 300"');
    const pruned = await learner.run('docker volume prune -f');
    expect(pruned.exitCode).toBe(0);
    expect(pruned.output).toMatch(/^Deleted Volumes:\nspare\n\nTotal reclaimed space: \d/);
    expect(parseTable(await learner.ok('docker volume ls')).rows).toEqual([{ DRIVER: 'local', 'VOLUME NAME': 'kept' }]);
    expect(await other.ok('docker volume ls -q')).toBe('theirs\n');
  });
});

describe('what leaks', () => {
  it('never shows the namespace in run, ps or error output', async () => {
    const learner = await learnerWithBusybox();
    const outputs = [
      (await learner.run('docker run --name plain busybox echo hi')).output,
      (await learner.run('docker run --name plain busybox echo hi')).output,
      await learner.ok('docker ps -a --no-trunc'),
      (await learner.run('docker start nothing-here')).output,
    ];
    for (const output of outputs) expect(output).not.toMatch(NAMESPACE);
  });
});
