import { lookup } from 'node:dns/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBuildContext } from '../../sandbox-server/build/context.ts';
import { daemonRefusal, namespaceOfLearner, objectsOf } from '../support/engine.ts';
import { Learner, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

/** What the sandbox refuses, and that a refusal leaves nothing behind on the engine. */

let sandbox: TestSandbox;
let docker: Docker;
/** A host service the engine could reach: it records every request it gets. */
let secretServer: Server;
let secretUrl: string;
const secretRequests: string[] = [];

beforeAll(async () => {
  sandbox = await startTestSandbox();
  docker = sandbox.server.context.docker;
  secretServer = createServer((request, response) => {
    secretRequests.push(request.url ?? '');
    response.end('host-secret\n');
  });
  await new Promise<void>((resolve) => secretServer.listen(0, '127.0.0.1', resolve));
  secretUrl = `http://127.0.0.1:${(secretServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await sandbox?.close();
  secretServer?.close();
});

describe('docker run and exec flags that would loosen the sandbox', () => {
  // The real CLI sends each flag as its Engine API field; the boundary refuses the field with the
  // sentence that says what to do instead, and the CLI prints it as the daemon's error.
  const privileged = "privileged mode isn't available here; containers run with a small fixed set of capabilities";
  const capAdd = "extra capabilities can't be added here; containers keep a small fixed set";
  const network = "containers join your session's private network, which can't be changed here";
  const hostNamespaces = "host namespaces aren't available here";
  const memory = 'limits are set by the sandbox: each container gets 256 MiB of memory and half a CPU';
  const hostPath = 'host paths can\'t be mounted here; mount your workspace with -v "$PWD":/app, or use a named volume: -v data:/data';
  const refused: [string, string][] = [
    ['docker run --privileged busybox true', privileged],
    ['docker run --privileged=true busybox true', privileged],
    ['docker run --cap-add SYS_ADMIN busybox true', capAdd],
    ['docker run --cap-add=ALL busybox true', capAdd],
    ['docker run --network host busybox true', network],
    ['docker run --network=host busybox true', network],
    ['docker run --net=host busybox true', network],
    ['docker run --pid host busybox true', hostNamespaces],
    ['docker run --pid=host busybox true', hostNamespaces],
    ['docker run --ipc=host busybox true', hostNamespaces],
    ['docker run --userns=host busybox true', hostNamespaces],
    ['docker run --cgroupns=host busybox true', hostNamespaces],
    ['docker run --device /dev/sda busybox true', "devices can't be passed into containers here"],
    ['docker run --security-opt seccomp=unconfined busybox true', 'security options are fixed here'],
    ['docker run --security-opt=apparmor=unconfined busybox true', 'security options are fixed here'],
    ['docker run -m 4g busybox true', memory],
    ['docker run -dm 4g busybox true', memory],
    ['docker run --memory=4g busybox true', memory],
    ['docker run --memory-swap -1 busybox true', 'limits are set by the sandbox: swap equals memory'],
    ['docker run --pids-limit -1 busybox true', 'limits are set by the sandbox: each container may run 128 processes'],
    ['docker run --mount type=bind,source=/,target=/host busybox true', hostPath],
    ['docker run --tmpfs /x busybox true', "use -v NAME:/path for a named volume; host paths can't be mounted here"],
    ['docker run --volumes-from box busybox true', 'share data through a named volume instead: -v data:/data on both containers'],
    ['docker run --runtime=runc busybox true', 'the container runtime is fixed here'],
    ['docker run --cgroup-parent=/ busybox true', 'the cgroup is fixed here'],
    ['docker run --oom-kill-disable busybox true', 'the memory limit always applies here'],
    ['docker run --sysctl net.ipv4.ip_forward=1 busybox true', 'kernel settings are fixed here'],
    ['docker run --ulimit nproc=-1 busybox true', 'limits are set by the sandbox'],
    ['docker run -l org.layerlab.session=x busybox true', 'labels are reserved for the sandbox here'],
    ['docker run --label=org.layerlab.expires=0 busybox true', 'labels are reserved for the sandbox here'],
    ['docker exec --privileged box true', "privileged mode isn't available here; exec runs with the container's capabilities"],
  ];
  const hostPaths = [
    'docker run -v /:/host busybox true',
    'docker run -v ./x:/x busybox true',
    'docker run -v=/etc:/etc busybox true',
    'docker run --volume /var/run/docker.sock:/var/run/docker.sock busybox true',
    'docker run -v ~/x:/x busybox true',
    'docker run -v ../x:/x busybox true',
    'docker run -v data/../..:/x busybox true',
  ];
  /** The CLI's own warning before it sends --oom-kill-disable without -m; the daemon's answer follows it. */
  const oomWarning = "WARNING: Disabling the OOM killer on containers without setting a '-m/--memory' limit may be dangerous.\n";

  it('each gets one line saying what to do instead, and creates nothing', async () => {
    const learner = await sandbox.newLearner();
    const namespace = namespaceOfLearner(learner);
    await learner.ok('docker run -d --name box busybox sleep 300');
    const before = await objectsOf(docker, namespace);
    expect(before.containers).toHaveLength(1);

    for (const [command, sentence] of refused) {
      const result = await learner.run(command);
      const exec = command.startsWith('docker exec');
      expect(result.exitCode, command).toBe(exec ? 1 : 125);
      const output = command.includes('--oom-kill-disable') ? result.output.replace(oomWarning, '') : result.output;
      // docker run ends the daemon's sentence with a full stop; docker exec prints it as it came.
      expect(daemonRefusal(output), command).toBe(exec ? sentence : `${sentence}.`);
    }
    for (const command of hostPaths) {
      const result = await learner.run(command);
      expect(result, command).toEqual({
        output: `docker: Error response from daemon: ${hostPath}.\nSee 'docker run --help'.\n`,
        exitCode: 125,
      });
    }

    const after = await objectsOf(docker, namespace);
    expect(after.containers.map((container) => container.Id)).toEqual(before.containers.map((container) => container.Id));
    expect(after.volumes).toEqual(before.volumes);
    expect(after.imageTags.sort()).toEqual(before.imageTags.sort());
  });

  it('a working directory under /proc is refused however it is spelled, for run and exec', async () => {
    const learner = await sandbox.newLearner();
    const namespace = namespaceOfLearner(learner);
    await learner.ok('docker pull -q busybox');
    await learner.ok('docker run -d --name box busybox sleep 60');
    const before = await objectsOf(docker, namespace);
    for (const directory of ['/proc/self/fd/8', '//proc/self/fd/8', '/./proc/self/fd/7', '/x/../proc/self/fd/7', '/proc', '/proc/']) {
      for (const command of [`docker run --rm -w ${directory} busybox pwd`, `docker exec -w ${directory} box pwd`, `docker run --rm --workdir=${directory} busybox pwd`]) {
        const result = await learner.run(command);
        expect(result.exitCode, command).toBe(command.startsWith('docker exec') ? 1 : 125);
        expect(daemonRefusal(result.output), command).toMatch(/^the working directory can't be under \/proc here: it belongs to the kernel; pick a folder such as \/app\.?$/);
      }
    }
    expect((await objectsOf(docker, namespace)).containers.map((container) => container.Id)).toEqual(before.containers.map((container) => container.Id));
    expect(await learner.run('docker exec -w /tmp box pwd')).toEqual({ output: '/tmp\n', exitCode: 0 });
  });

  it('a symlink into /proc made in a build is stopped by the engine\'s patched runc', async () => {
    // The review can't follow links inside an image; this is the case the runc check at start-up exists for.
    const learner = await sandbox.newLearner({ Dockerfile: 'FROM busybox\nRUN ln -s /proc/self/fd /app\nWORKDIR /app/7\nRUN pwd\n' });
    const result = await learner.run('docker build -t linked .');
    expect(result.exitCode).toBe(1);
    expect(result.output).toMatch(/not a directory|no such file or directory|outside of container mount namespace/);
  });

  it('a named volume is what works instead', async () => {
    const learner = await sandbox.newLearner();
    await learner.ok('docker pull -q busybox');
    expect(await learner.run('docker run --rm -v data:/data busybox sh -c "echo kept > /data/f"')).toEqual({ output: '', exitCode: 0 });
    expect(await learner.run('docker run --rm -v data:/data busybox cat /data/f')).toEqual({ output: 'kept\n', exitCode: 0 });
  });
});

describe('Dockerfiles refused before the engine builds', () => {
  let learner: Learner;
  let namespace: string;
  beforeAll(async () => {
    learner = await sandbox.newLearner();
    namespace = namespaceOfLearner(learner);
  });

  /** Builds `dockerfile` and expects the review to refuse it at `line`, with nothing built. */
  async function expectRefused(dockerfile: string, line: number, message: RegExp): Promise<string> {
    const before = await objectsOf(docker, namespace);
    await learner.setFiles({ Dockerfile: dockerfile, 'app.txt': 'hello\n' });
    const result = await learner.run('docker build -t refused .');
    expect(result.exitCode, dockerfile).toBe(1);
    // The real CLI uploads the context first (its own line); the review refuses before any step runs.
    expect(result.output, dockerfile).toMatch(/^Sending build context to Docker daemon +[\d.]+k?B\r*\n/);
    expect(result.output, dockerfile).not.toMatch(/Step \d|Successfully built/);
    expect(result.output, dockerfile).toMatch(new RegExp(`^Error: Dockerfile:${line}: ${message.source}`, 'm'));
    const after = await objectsOf(docker, namespace);
    expect(after.imageTags.sort(), dockerfile).toEqual(before.imageTags.sort());
    return result.output;
  }

  it('the engine itself would fetch an ADD URL from the host (the control for the tests below)', async () => {
    const context = await makeBuildContext(new Map([['Dockerfile', '']]), 'Dockerfile', `FROM busybox\nADD ${secretUrl}/control /control\n`);
    const stream = await docker.buildImage(context.stream, { version: '1', networkmode: 'none', rm: true, forcerm: true } as Docker.ImageBuildOptions);
    const events = await new Promise<{ aux?: { ID?: string } }[]>((resolve, reject) =>
      docker.modem.followProgress(stream, (error: Error | null, output: { aux?: { ID?: string } }[]) => (error ? reject(error) : resolve(output))),
    );
    expect(secretRequests).toEqual(['/control']);
    const id = events.find((event) => event.aux?.ID)?.aux?.ID;
    if (id) await docker.getImage(id).remove({ force: false }).catch(() => undefined);
    secretRequests.length = 0;
  });

  it('ADD of a URL, however it is spelled, never reaches the host', async () => {
    const url = `${secretUrl}/secret`;
    const spellings: [string, number][] = [
      [`FROM busybox\nADD ${url} /s\n`, 2],
      [`FROM busybox\nADD "${url}" /s\n`, 2],
      [`FROM busybox\nADD '${url}' /s\n`, 2],
      [`FROM busybox\nADD ["${url}", "/s"]\n`, 2],
      [`FROM busybox\nADD --chown=1:1 ${url} /s\n`, 2],
      [`FROM busybox\nADD ht\\tp://${url.slice(7)} /s\n`, 2],
      [`FROM busybox\nENV U=${url}\nADD $U /s\n`, 3],
      [`FROM busybox\nARG U=${url}\nADD \${U} /s\n`, 3],
      [`FROM busybox\nENV H=127.0.0.1\nADD http://$H:${new URL(url).port}/secret /s\n`, 3],
      [`FROM busybox\nONBUILD ADD ${url} /s\n`, 2],
      [`FROM busybox\nENV U=${url}\nONBUILD ADD $U /s\n`, 3],
    ];
    for (const [dockerfile, line] of spellings) await expectRefused(dockerfile, line, /ADD /);
    expect(secretRequests).toEqual([]);
  });

  it('FROM takes only the catalogue, own images and earlier stages, written out', async () => {
    await expectRefused('ARG BASE=busybox\nFROM $BASE\n', 2, /FROM \$BASE: variables aren't allowed in FROM here/);
    await expectRefused('FROM ${BASE:-busybox}\n', 1, /FROM \$\{BASE:-busybox\}: variables aren't allowed/);
    const missing = await expectRefused('FROM python:3.12\n', 1, /FROM python:3\.12: this image isn't available here; you can build FROM /);
    expect(missing).toContain('python:3.11-slim');
    expect(missing).toContain('busybox:latest');
    await expectRefused(`FROM alpine@sha256:${'a'.repeat(64)}\n`, 1, /FROM alpine@sha256:a+: pinning by digest isn't available here/);
    await expectRefused('FROM busybox@sha256:' + 'b'.repeat(64) + '\n', 1, /FROM busybox@sha256:b+: pinning by digest/);
    await expectRefused('FROM registry.example.com/app:1\n', 1, /FROM registry\.example\.com\/app:1: this sandbox can't reach the registry/);
    await expectRefused('FROM --platform=linux/arm64 busybox\n', 1, /FROM --platform isn't supported here/);
  });

  it('COPY --from names an earlier stage only, also in ONBUILD', async () => {
    await expectRefused('FROM busybox\nCOPY --from=busybox /bin/sh /sh\n', 2, /COPY --from=busybox: --from must name an earlier build stage here/);
    await expectRefused('FROM busybox\nCOPY --from=nginx:1.22 / /x\n', 2, /COPY --from=nginx:1\.22: /);
    await expectRefused('FROM busybox\nCOPY --from=later / /x\nFROM busybox AS later\n', 2, /COPY --from=later: /);
    await expectRefused('FROM busybox\nCOPY --from=0 / /x\n', 2, /COPY --from=0: /);
    // A trigger runs in someone's later build, where the name means whatever that build has.
    await expectRefused('FROM busybox AS base\nFROM busybox\nONBUILD COPY --from=base / /x\n', 3, /ONBUILD COPY --from/);
  });

  it('WORKDIR never lands under /proc', async () => {
    await expectRefused('FROM busybox\nWORKDIR /proc/self/fd/7\n', 2, /WORKDIR \/proc\/self\/fd\/7 isn't allowed/);
    await expectRefused('FROM busybox\nWORKDIR /proc\n', 2, /WORKDIR \/proc isn't allowed/);
    await expectRefused('FROM busybox\nWORKDIR /\nWORKDIR proc/self/fd/7\n', 3, /WORKDIR proc\/self\/fd\/7 isn't allowed/);
    await expectRefused('FROM busybox\nWORKDIR /app\nWORKDIR ../proc/self\n', 3, /WORKDIR \.\.\/proc\/self isn't allowed/);
    await expectRefused('FROM busybox\nWORKDIR "/proc/self/fd/7"\n', 2, /WORKDIR /);
    await expectRefused("FROM busybox\nWORKDIR '/proc'/self\n", 2, /WORKDIR /);
    await expectRefused('FROM busybox\nENV D=/proc\nWORKDIR $D\n', 3, /WORKDIR /);
    await expectRefused('FROM busybox\nENV D=x\nWORKDIR ${D:+/proc}\n', 3, /WORKDIR /);
    await expectRefused('FROM busybox\nWORKDIR ${D:-/proc}/self\n', 2, /WORKDIR /);
    await expectRefused('FROM busybox\nWORKDIR /a/b/c\nONBUILD WORKDIR ../../../proc\n', 3, /WORKDIR /);
  });

  it('BuildKit-only RUN flags are refused', async () => {
    await expectRefused('FROM busybox\nRUN --mount=type=cache,target=/root true\n', 2, /RUN --mount needs BuildKit/);
    await expectRefused('FROM busybox\nRUN --network=host true\n', 2, /RUN --network needs BuildKit/);
    await expectRefused('FROM busybox\nRUN --security=insecure true\n', 2, /RUN --security needs BuildKit/);
  });

  it('a # syntax= directive is ignored with a note, and the build goes on', async () => {
    await learner.setFiles({ Dockerfile: '# syntax=evil.example.com/frontend:1\nFROM busybox\nRUN echo built\n' });
    const result = await learner.run('docker build -t syntax .');
    expect(result.exitCode).toBe(0);
    expect(result.output).toContain('note: "# syntax=evil.example.com/frontend:1" is ignored: this sandbox builds with the classic builder, not BuildKit');
    expect(result.output).toMatch(/Step 1\/2 : FROM busybox/);
  });

  it('a build has no network of its own', async () => {
    // The package cache answers for Debian's mirror by name (each step's /etc/hosts); by address a
    // step reaches nothing, where the default bridge reaches that mirror (isolation.test.ts).
    const { address } = await lookup('deb.debian.org', { family: 4 });
    await learner.setFiles({
      Dockerfile: `FROM busybox\nRUN timeout 3 wget -q -O /dev/null http://${address}/debian/ || (echo "no network: $?" && exit 7)\n`,
    });
    const result = await learner.run('docker build --no-cache -t netless .');
    expect(result.exitCode).toBe(1);
    expect(result.output).toMatch(/no network: \d+/);
    expect(result.output).toMatch(/returned a non-zero code: 7/);
  });
});

describe('the workspace API', () => {
  async function put(learner: Learner, files: Record<string, string>, method = 'PUT') {
    const body = method === 'PUT' ? { files } : { changes: files };
    const response = await fetch(`${learner.url}/api/workspace`, {
      method,
      headers: { origin: learner.url, 'content-type': 'application/json', cookie: learner.cookie },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { error?: string; files?: Record<string, string> } };
  }

  it('refuses bad paths and oversized workspaces with a sentence, and keeps the files it had', async () => {
    const original = { Dockerfile: 'FROM busybox\n' };
    const learner = await sandbox.newLearner(original);
    const oneMiB = 'x'.repeat(1024 ** 2);
    const cases: [Record<string, string>, RegExp][] = [
      [{ '../x': 'x' }, /^"\.\.\/x" is not a workspace file name; use letters, digits, dots, dashes and underscores, with \/ between folders$/],
      [{ '/etc/passwd': 'x' }, /^"\/etc\/passwd" is not a workspace file name/],
      [{ 'a/../../x': 'x' }, /^"a\/\.\.\/\.\.\/x" is not a workspace file name/],
      [{ './Dockerfile': 'x' }, /is not a workspace file name/],
      [{ 'a//b': 'x' }, /is not a workspace file name/],
      [{ 'a\\b': 'x' }, /is not a workspace file name/],
      [{ 'x\n': 'x' }, /is not a workspace file name/],
      [Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`f${i}`, ''])), /^the workspace has 201 files; at most 200 are allowed$/],
      [{ big: `${oneMiB}x` }, /^big is 1048577 bytes; one file may hold at most 1048576$/],
      [Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`f${i}`, oneMiB])), /^the workspace holds 9437184 bytes; at most 8388608 are allowed$/],
      [{ a: 'x', 'a/b': 'y' }, /^"a" is both a file and a folder$/],
    ];
    for (const [files, message] of cases) {
      const response = await put(learner, files);
      expect(response.status, Object.keys(files)[0]).toBe(400);
      expect(response.body.error, Object.keys(files)[0]).toMatch(message);
    }
    const patched = await put(learner, { '../escape': 'x' }, 'PATCH');
    expect(patched.status).toBe(400);
    expect(patched.body.error).toMatch(/is not a workspace file name/);
    const session = await fetch(`${learner.url}/api/session`, {
      method: 'POST',
      headers: { origin: learner.url, 'content-type': 'application/json' },
      body: JSON.stringify({ files: { '../../etc/cron.d/x': 'x' } }),
    });
    expect(session.status).toBe(400);

    const now = await fetch(`${learner.url}/api/workspace`, { headers: { cookie: learner.cookie } });
    expect(((await now.json()) as { files: unknown }).files).toEqual(original);
  });

  it('docker build -f only reads workspace files', async () => {
    const learner = await sandbox.newLearner({ Dockerfile: 'FROM busybox\n' });
    // The real CLI looks the file up itself, in the workbench, and sends nothing when it is missing.
    for (const file of ['../Dockerfile', '__proto__', 'constructor', 'toString']) {
      const result = await learner.run(`docker build -f ${file} .`);
      expect(result, file).toEqual({
        output: `unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${path.posix.resolve('/home/learner/workspace', file)}: no such file or directory\n`,
        exitCode: 1,
      });
    }
    // A Dockerfile outside the folder is read by the CLI in the workbench (the learner's own file) and
    // uploaded with the context, as on any engine, which then says it is no Dockerfile.
    const outside = await learner.run('docker build -f /etc/passwd .');
    expect(outside.exitCode).toBe(1);
    expect(outside.output).not.toMatch(/not a tar archive/);
    expect(outside.output).toMatch(/unknown instruction: ROOT:X:0:0:ROOT:\/ROOT:\/BIN\/BASH/);
    // The boundary takes the Dockerfile a build names from the upload only: never a path of its own, nor a property of an object.
    for (const file of ['../Dockerfile', '/etc/passwd', '__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const raw = await learner.run(
        `tar -cf /tmp/context.tar Dockerfile && curl -s -X POST --unix-socket /var/run/docker.sock -H "Content-Type: application/x-tar" --data-binary @/tmp/context.tar "http://engine/v1.41/build?dockerfile=${encodeURIComponent(file)}"`,
      );
      const events = raw.output.trim().split('\n').map((line) => JSON.parse(line) as { error?: string; stream?: string });
      expect(events, file).toEqual([{ errorDetail: { message: `unable to prepare context: the workspace has no ${file}` }, error: `unable to prepare context: the workspace has no ${file}` }]);
    }
  });
});

describe('quotas', () => {
  const runningQuota = '5 containers are already running, the most a session may run at once; stop one with docker stop NAME';

  it('a sixth running container is refused with a sentence', async () => {
    const learner = await sandbox.newLearner();
    const namespace = namespaceOfLearner(learner);
    await learner.ok('docker run --name stopped busybox true');
    for (let i = 0; i < 5; i++) await learner.ok('docker run -d busybox sleep 300');
    // The real CLI creates first (and prints the ID), then starts: the start is what the quota refuses.
    const sixth = await learner.run('docker run -d --name sixth busybox sleep 300');
    expect(sixth.exitCode).toBe(125);
    const [id, ...refusal] = sixth.output.split('\n');
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(daemonRefusal(refusal.join('\n'))).toBe(`${runningQuota}.`);
    const started = await learner.run('docker start stopped');
    expect(started).toEqual({ output: `Error response from daemon: ${runningQuota}\nError: failed to start containers: stopped\n`, exitCode: 1 });
    const restarted = await learner.run('docker restart stopped');
    expect(restarted.exitCode).toBe(1);
    expect(daemonRefusal(restarted.output)).toBe(runningQuota);
    const containers = (await objectsOf(docker, namespace)).containers;
    expect(containers.filter((container) => container.State === 'running')).toHaveLength(5);
    // What a refused start leaves is what the engine leaves when a start fails: the container, created and never started.
    expect(containers.filter((container) => container.Id === id).map((container) => container.State)).toEqual(['created']);
  });

  it('running containers stay within the quota when one session starts several at once', async () => {
    const learner = await sandbox.newLearner();
    const namespace = namespaceOfLearner(learner);
    for (let i = 0; i < 3; i++) await learner.ok('docker run -d busybox sleep 300');
    // A session has one shell; three runs in the background race each other at the boundary.
    await learner.ok('for i in 1 2 3; do (docker run -d busybox sleep 300 >/tmp/race$i 2>&1; echo "exit=$?" >>/tmp/race$i) & done; wait');
    const runs: string[] = [];
    for (let i = 1; i <= 3; i++) runs.push(await learner.ok(`cat /tmp/race${i}`));
    expect(runs.filter((run) => run.endsWith('exit=0\n')), runs.join('')).toHaveLength(2);
    for (const refused of runs.filter((run) => !run.endsWith('exit=0\n'))) {
      expect(refused).toMatch(/exit=125\n$/);
      const [id, ...rest] = refused.replace(/exit=\d+\n$/, '').split('\n');
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      expect(daemonRefusal(rest.join('\n'))).toBe(`${runningQuota}.`);
    }
    const states = (await objectsOf(docker, namespace)).containers.map((container) => container.State).sort();
    expect(states).toEqual(['created', ...Array(5).fill('running')]);
  });

  it('a second build in the same session is refused while the first runs', async () => {
    const learner = await sandbox.newLearner({ Dockerfile: 'FROM busybox\nRUN sleep 3\n' });
    const session = sandbox.server.context.store.get(learner.sessionId)!;
    // The session's one shell runs the first build in the background, as `&` does at any prompt.
    await learner.ok('docker build --no-cache -t slow . >/tmp/slow.log 2>&1 &');
    const deadline = Date.now() + 60_000;
    while (!session.activeBuild && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(session.activeBuild).toBeDefined();
    const second = await learner.run('docker build -t second .');
    expect(second.exitCode).toBe(1);
    expect(second.output).toMatch(
      /^Sending build context to Docker daemon +[\d.]+k?B\r*\nError response from daemon: a build is already running in this session; wait for it, or press Ctrl-C in its terminal\n$/,
    );
    const first = await learner.run('wait $!; echo "first=$?"; cat /tmp/slow.log');
    expect(first.output).toMatch(/first=0\n/);
    expect(first.output).toMatch(/Successfully tagged slow:latest\n$/);
  });

  it('an eleventh image is refused, by build and by tag', async () => {
    const files: Record<string, string> = {};
    for (let i = 1; i <= 12; i++) files[`D${i}`] = `FROM busybox\nENV N=${i}\n`;
    const learner = await sandbox.newLearner(files);
    // i1 … i10: ten images. busybox, pulled by the first build, is the catalogue's and doesn't count.
    for (let i = 1; i <= 10; i++) await learner.ok(`docker build -q -f D${i} -t i${i} .`);
    const eleventh = await learner.run('docker build -f D11 -t i11 .');
    expect(eleventh.exitCode).toBe(1);
    expect(eleventh.output).toMatch(
      /^Sending build context to Docker daemon +[\d.]+k?B\r*\nyou have 10 images, the most a session may keep; remove some with docker rmi or docker image prune\n$/,
    );
    // Another tag for an image already counted is fine; moving a tag to a new build is too.
    await learner.ok('docker tag i2 i2-again');
    const oldI1 = (await learner.ok('docker images -q i1')).trim();
    await learner.ok('docker build -q -f D12 -t i1 .');
    // The old i1 is now dangling; tagging it again would make eleven.
    const revived = await learner.run(`docker tag ${oldI1} revived`);
    expect(revived).toEqual({
      output: 'Error response from daemon: you have 10 images, the most a session may keep; remove some with docker rmi\n',
      exitCode: 1,
    });
    const tagged = (await learner.ok('docker images')).split('\n').slice(1).filter((row) => row && !row.startsWith('<none>') && !row.startsWith('busybox'));
    expect(new Set(tagged.map((row) => row.split(/\s+/)[2])).size).toBe(10);
  });
});

describe('the image size cap', () => {
  let capped: TestSandbox;
  beforeAll(async () => {
    capped = await startTestSandbox({ LAYERLAB_IMAGE_MAX_BYTES: '1m' });
  });
  afterAll(async () => {
    await capped?.close();
  });

  it("removes only the over-cap build's own tags, never the same image in another session or the catalogue", async () => {
    // The build cache is shared: the same Dockerfile gives the same image ID in both sessions.
    const dockerfile = `FROM busybox\nENV SHARED=${Date.now()}\n`;
    const owner = await sandbox.newLearner({ Dockerfile: dockerfile });
    await owner.ok('docker build -t mine .');
    const ownerTag = `ll-${namespaceOfLearner(owner)}/mine:latest`;
    const id = (await docker.getImage(ownerTag).inspect()).Id;
    const busybox = (await docker.getImage('busybox:latest').inspect()).Id;

    const learner = await capped.newLearner({ Dockerfile: dockerfile, 'Dockerfile.base': 'FROM busybox\n' });
    const result = await learner.run('docker build -t big .');
    expect(result.exitCode).toBe(1);
    expect(result.output).toMatch(/the image is [\d.]+MB, over the [\d.]+MB an image may use here, so it was removed\n$/);
    // A FROM-only build is the catalogue image itself.
    const base = await learner.run('docker build -f Dockerfile.base -t base .');
    expect(base.exitCode).toBe(1);

    const namespace = namespaceOfLearner(learner);
    expect((await objectsOf(docker, namespace)).imageTags).not.toEqual(
      expect.arrayContaining([`ll-${namespace}/big:latest`]),
    );
    expect((await objectsOf(docker, namespace)).imageTags).not.toContain(`ll-${namespace}/base:latest`);
    expect((await docker.getImage(ownerTag).inspect()).Id).toBe(id);
    expect((await docker.getImage('busybox:latest').inspect()).Id).toBe(busybox);
    expect((await owner.ok('docker images mine')).split('\n')).toHaveLength(3);
  });
});

describe('names that are also JavaScript\'s', () => {
  it('a workspace file, a command word or a template field called constructor, toString or __proto__ is just a name', async () => {
    // Written out: in an object literal, __proto__ would set the prototype instead of making a key.
    const body = '{"files":{"Dockerfile":"FROM busybox\\n","constructor":"FROM busybox\\nCMD [\\"echo\\",\\"constructor\\"]\\n","toString":"to\\n","__proto__":"FROM busybox\\n"},"__proto__":{"polluted":"yes"}}';
    const response = await fetch(`${sandbox.url}/api/session`, { method: 'POST', headers: { origin: sandbox.url, 'content-type': 'application/json' }, body });
    expect(response.status).toBe(200);
    const described = (await response.json()) as { files: Record<string, string> };
    expect(Object.keys(described.files).sort()).toEqual(['Dockerfile', '__proto__', 'constructor', 'toString']);
    expect(({} as { polluted?: string }).polluted).toBeUndefined();
    const learner = Learner.resume(sandbox.url, response.headers.getSetCookie()[0]!.split(';')[0]!);
    try {
      // The workbench's ls sorts as the C locale does: capitals, then _, then small letters.
      expect(await learner.run('ls')).toEqual({ output: 'Dockerfile  __proto__  constructor  toString\n', exitCode: 0 });
      expect(await learner.run('cat toString')).toEqual({ output: 'to\n', exitCode: 0 });
      expect(await learner.run('cat __proto__')).toEqual({ output: 'FROM busybox\n', exitCode: 0 });
      expect(await learner.run('cat valueOf')).toEqual({ output: 'cat: valueOf: No such file or directory\n', exitCode: 1 });
      expect((await learner.run('docker build -f constructor -t named .')).exitCode).toBe(0);
      expect(await learner.run('docker run --rm named')).toEqual({ output: 'constructor\n', exitCode: 0 });
      expect((await learner.run('docker build -f __proto__ -t proto .')).exitCode).toBe(0);
      // The real CLI finds no such file in the workbench and sends nothing (the boundary's side is in the workspace API tests).
      expect((await learner.run('docker build -f hasOwnProperty .')).output).toBe(
        'unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat /home/learner/workspace/hasOwnProperty: no such file or directory\n',
      );
      // The inspect the boundary answers has no such keys: the CLI's template says so as it does on any engine.
      for (const field of ['constructor', '__proto__']) {
        expect(await learner.run(`docker inspect --format '{{.${field}}}' named`), field).toEqual({
          output: `\ntemplate parsing error: template: :1:2: executing "" at <.${field}>: map has no entry for key "${field}"\n`,
          exitCode: 1,
        });
      }
      expect(await learner.run('docker inspect --format \'{{index .Config "toString"}}\' named')).toEqual({ output: '<no value>\n', exitCode: 0 });
      expect(await learner.run('docker inspect named | grep -c -E \'"(constructor|__proto__|toString|polluted)":\'')).toEqual({ output: '0\n', exitCode: 1 });
      // A command word is the real CLI's to refuse, before any request.
      expect(await learner.run('docker __proto__')).toEqual({ output: "docker: '__proto__' is not a docker command.\nSee 'docker --help'\n", exitCode: 1 });
      expect(await learner.run('docker constructor')).toEqual({ output: "docker: 'constructor' is not a docker command.\nSee 'docker --help'\n", exitCode: 1 });
      const patched = await fetch(`${sandbox.url}/api/workspace`, {
        method: 'PATCH',
        headers: { origin: sandbox.url, 'content-type': 'application/json', cookie: learner.cookie },
        body: '{"changes":{"__proto__":null,"constructor":"changed\\n"}}',
      });
      expect(Object.keys(((await patched.json()) as { files: Record<string, string> }).files).sort()).toEqual(['Dockerfile', 'constructor', 'toString']);
      expect(await learner.run('cat constructor')).toEqual({ output: 'changed\n', exitCode: 0 });
    } finally {
      learner.disconnect();
    }
  });
});

describe('refusals that state a limit', () => {
  it('state the limits this server was given, not the defaults', async () => {
    const tuned = await startTestSandbox({ LAYERLAB_CONTAINER_MEMORY: '128m', LAYERLAB_CONTAINER_CPUS: '1', LAYERLAB_CONTAINER_PIDS: '64', LAYERLAB_BUILD_MEMORY: '1g' });
    try {
      const learner = await tuned.newLearner({ Dockerfile: 'FROM busybox\n' });
      expect(daemonRefusal((await learner.run('docker run -m 4g busybox true')).output)).toBe('limits are set by the sandbox: each container gets 128 MiB of memory and one CPU.');
      expect(daemonRefusal((await learner.run('docker run --pids-limit 9 busybox true')).output)).toBe('limits are set by the sandbox: each container may run 64 processes.');
      const build = await learner.run('docker build -m 4g .');
      expect(build.exitCode).toBe(1);
      // The CLI's upload line, then the daemon's sentence (which may name the query parameter it refuses).
      expect(build.output).toMatch(/^Sending build context to Docker daemon +[\d.]+k?B\r*\n/);
      expect(daemonRefusal(build.output.replace(/^Sending build context to Docker daemon +[\d.]+k?B\r*\n/, ''))).toMatch(
        /^(?:the query parameter memory: )?build limits are set by the sandbox \(1 GiB of memory and half a CPU\)$/,
      );
    } finally {
      await tuned.close();
    }
  });
});

