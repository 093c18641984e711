import { lookup } from 'node:dns/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL } from '../../sandbox-server/scope/namespace.ts';
import { expectAnswersAsMissing, namespaceOfLearner, objectsOf, randomHex } from '../support/engine.ts';
import { startTestSandbox, type Learner, type TestSandbox } from '../support/sandbox.ts';

/**
 * Two learners on one engine: neither sees, touches, reaches or poisons the other's objects, and
 * every object carries the policy the engine itself reports.
 */

let sandbox: TestSandbox;
let docker: Docker;
let a: Learner;
let b: Learner;
let nsA: string;
let nsB: string;
/** A's objects as the engine knows them. */
const aObjects = { containerId: '', imageId: '', keepTag: '', ip: '' };

const A_FILES = { Dockerfile: 'FROM busybox\nRUN echo secret-of-a > /secret\nCMD ["sleep", "300"]\n' };
const B_FILES = { Dockerfile: 'FROM busybox\nRUN echo b-was-here > /b\n' };

beforeAll(async () => {
  sandbox = await startTestSandbox();
  docker = sandbox.server.context.docker;
  a = await sandbox.newLearner(A_FILES);
  b = await sandbox.newLearner(B_FILES);
  nsA = namespaceOfLearner(a);
  nsB = namespaceOfLearner(b);

  await a.ok('docker build -t secret-app .');
  await a.ok('docker volume create avol');
  await a.ok(`docker run --rm -v avol:/data busybox sh -c "echo hello-from-a > /data/index.html"`);
  await a.ok('docker run -d --name aweb -v avol:/data secret-app httpd -f -p 80 -h /data');

  await b.ok('docker build -t bimg .');
  await b.ok('docker volume create bvol');
  await b.ok('docker run -d --name bbox bimg sleep 300');

  const [web] = (await objectsOf(docker, nsA)).containers.filter((info) => info.Labels[LABEL.name] === 'aweb');
  aObjects.containerId = web!.Id;
  const info = await docker.getContainer(web!.Id).inspect();
  aObjects.ip = info.NetworkSettings.Networks[`ll-${nsA}-net`]!.IPAddress;
  const image = await docker.getImage(`ll-${nsA}/secret-app:latest`).inspect();
  aObjects.imageId = image.Id;
  aObjects.keepTag = (await objectsOf(docker, nsA)).imageTags.find((tag) => tag.startsWith('llk-'))!;
  expect(aObjects.keepTag).toBeDefined();
});

afterAll(async () => {
  await sandbox?.close();
});

describe('lists', () => {
  it("show only the learner's own objects", async () => {
    const aImages = await a.ok('docker images');
    const aPs = await a.ok('docker ps -a');
    const aVolumes = await a.ok('docker volume ls');
    const bImages = await b.ok('docker images');
    const bPs = await b.ok('docker ps -a');
    const bVolumes = await b.ok('docker volume ls');

    // Each sees its own …
    expect(aImages).toMatch(/^secret-app\s+latest/m);
    expect(aPs).toMatch(/aweb$/m);
    expect(aVolumes).toMatch(/avol$/m);
    expect(bImages).toMatch(/^bimg\s+latest/m);
    expect(bPs).toMatch(/bbox$/m);
    expect(bVolumes).toMatch(/bvol$/m);

    // … and nothing of the other's, by name or by ID.
    const bImageId = (await docker.getImage(`ll-${nsB}/bimg:latest`).inspect()).Id;
    const [bContainer] = (await objectsOf(docker, nsB)).containers;
    for (const text of ['bimg', 'bbox', 'bvol', bImageId.slice(7, 19), bContainer!.Id.slice(0, 12), nsB]) {
      expect(aImages + aPs + aVolumes).not.toContain(text);
    }
    for (const text of ['secret-app', 'aweb', 'avol', aObjects.imageId.slice(7, 19), aObjects.containerId.slice(0, 12), nsA]) {
      expect(bImages + bPs + bVolumes).not.toContain(text);
    }
  });
});

describe("another learner's objects answer as if they did not exist", () => {
  const containerCommands = [
    (t: string) => `docker stop ${t}`,
    (t: string) => `docker start ${t}`,
    (t: string) => `docker restart ${t}`,
    (t: string) => `docker kill ${t}`,
    (t: string) => `docker rm ${t}`,
    (t: string) => `docker rm -f ${t}`,
    (t: string) => `docker exec ${t} cat /secret`,
    (t: string) => `docker logs ${t}`,
    (t: string) => `docker inspect ${t}`,
    (t: string) => `docker container inspect ${t}`,
    (t: string) => `docker diff ${t}`,
  ];

  it('containers, by name, internal name, full ID and short ID', async () => {
    const targets: [string, string][] = [
      ['aweb', `nosuch${randomHex(6)}`],
      [`ll-${nsA}-aweb`, `ll-${randomHex(16)}-aweb`],
      [`/ll-${nsA}-aweb`, `/ll-${randomHex(16)}-aweb`],
      [aObjects.containerId, randomHex(64)],
      [aObjects.containerId.slice(0, 12), randomHex(12)],
    ];
    for (const [target, madeUp] of targets) {
      for (const command of containerCommands) await expectAnswersAsMissingAsContainer(b, command, target, madeUp);
    }
  });

  const imageCommands = [
    (t: string) => `docker rmi ${t}`,
    (t: string) => `docker rmi -f ${t}`,
    (t: string) => `docker image rm ${t}`,
    (t: string) => `docker tag ${t} stolen`,
    (t: string) => `docker history ${t}`,
    (t: string) => `docker inspect ${t}`,
    (t: string) => `docker image inspect ${t}`,
    (t: string) => `docker run --rm ${t} cat /secret`,
  ];

  it('images, by name, internal tags, full ID and short ID', async () => {
    const bare = aObjects.imageId.replace(/^sha256:/, '');
    const targets: [string, string][] = [
      ['secret-app', `nosuch${randomHex(6)}`],
      ['secret-app:latest', `nosuch${randomHex(6)}:latest`],
      [`ll-${nsA}/secret-app`, `ll-${randomHex(16)}/secret-app`],
      [aObjects.keepTag, `llk-${randomHex(16)}/build:${aObjects.keepTag.split(':')[1]}`],
      [aObjects.imageId, `sha256:${randomHex(64)}`],
      [bare, randomHex(64)],
      [bare.slice(0, 12), randomHex(12)],
    ];
    for (const [target, madeUp] of targets) {
      for (const command of imageCommands) await expectAnswersAsMissing(b, command, target, madeUp);
    }
  });

  it('volumes, by name and internal name', async () => {
    const commands = [
      (t: string) => `docker volume rm ${t}`,
      (t: string) => `docker volume rm -f ${t}`,
      (t: string) => `docker volume inspect ${t}`,
      (t: string) => `docker inspect ${t}`,
    ];
    for (const [target, madeUp] of [
      ['avol', `nosuch${randomHex(6)}`],
      [`ll-${nsA}-avol`, `ll-${randomHex(16)}-avol`],
    ] as [string, string][]) {
      for (const command of commands) await expectAnswersAsMissing(b, command, target, madeUp);
    }
  });

  it("a volume of the same name, even the internal one, is B's own, empty one", async () => {
    for (const name of ['avol', `ll-${nsA}-avol`]) {
      const seen = await b.run(`docker run --rm -v ${name}:/data busybox ls -A /data`);
      expect(seen, name).toEqual({ output: '', exitCode: 0 });
      expect((await objectsOf(docker, nsB)).volumes).toContain(`ll-${nsB}-${name}`);
    }
    expect((await objectsOf(docker, nsA)).volumes).toEqual([`ll-${nsA}-avol`]);
  });

  it("and A's objects are untouched afterwards", async () => {
    const web = await docker.getContainer(aObjects.containerId).inspect();
    expect(web.State.Running).toBe(true);
    expect((await docker.getImage(aObjects.imageId).inspect()).RepoTags).toEqual(
      expect.arrayContaining([`ll-${nsA}/secret-app:latest`, aObjects.keepTag]),
    );
    expect((await objectsOf(docker, nsA)).volumes).toContain(`ll-${nsA}-avol`);
    expect(await a.ok('docker exec aweb cat /data/index.html')).toBe('hello-from-a\n');
    expect((await objectsOf(docker, nsA)).imageTags).not.toContain(`ll-${nsA}/stolen:latest`);
    expect((await objectsOf(docker, nsB)).imageTags).not.toContain(`ll-${nsB}/stolen:latest`);
  });
});

describe('base images', () => {
  it("B's tags named like a catalogue image do not change what A's FROM builds on", async () => {
    const catalogueNode = (await docker.getImage('node:18-slim').inspect()).Id;
    const busybox = (await docker.getImage('busybox:latest').inspect()).Id;
    await b.ok('docker tag bimg node:18-slim');
    await b.setFiles({ Dockerfile: 'FROM busybox\nRUN echo poisoned > /poison\n' });
    await b.ok('docker build -t node:18-slim -t python:3.11-slim .');
    const bNode = (await docker.getImage(`ll-${nsB}/node:18-slim`).inspect()).Id;
    expect(bNode).not.toBe(catalogueNode);

    await a.setFiles({ Dockerfile: 'FROM node:18-slim\n', 'py.Dockerfile': 'FROM python:3.11-slim\nRUN true\n' });
    await a.ok('docker build -t mynode .');
    expect((await docker.getImage(`ll-${nsA}/mynode:latest`).inspect()).Id).toBe(catalogueNode);
    await a.ok('docker build -f py.Dockerfile -t mypy .');
    const mypy = await docker.getImage(`ll-${nsA}/mypy:latest`).inspect();
    expect(mypy.Parent).toBe((await docker.getImage('python:3.11-slim').inspect()).Id);
    expect(await a.run('docker run --rm node:18-slim node -e "console.log(process.version)"')).toEqual({
      output: expect.stringMatching(/^v18\./),
      exitCode: 0,
    });

    // The engine's own catalogue tags never moved.
    expect((await docker.getImage('node:18-slim').inspect()).Id).toBe(catalogueNode);
    expect((await docker.getImage('busybox:latest').inspect()).Id).toBe(busybox);
  });
});

describe('networks', () => {
  // Not `wget -T`: the catalogue busybox's wget crashes (139) with it, which would pass any "fails".
  const wget = (url: string, seconds = 2) => `docker run --rm busybox timeout ${seconds} wget -q -O- ${url}`;

  it("B cannot reach A's container; A's own containers can", async () => {
    expect(await a.run(wget(`http://${aObjects.ip}/index.html`))).toEqual({ output: 'hello-from-a\n', exitCode: 0 });
    const fromB = await b.run(wget(`http://${aObjects.ip}/index.html`));
    expect(fromB.exitCode).not.toBe(0);
    expect(fromB.output).not.toContain('hello-from-a');
  });

  it('a container has no egress, where a plain bridge container has', async () => {
    // The control: the same wget on the engine's default bridge reaches the mirror.
    const control = await runOnDefaultBridge(['timeout', '5', 'wget', '-q', '-O', '/dev/null', 'http://deb.debian.org/debian/']);
    expect(control).toBe(0);
    const viaName = await a.run(wget('http://deb.debian.org/debian/', 3));
    expect(viaName.exitCode).not.toBe(0);
    const viaAddress = await a.run(wget(`http://${await hostAddress('deb.debian.org')}/debian/`, 3));
    expect(viaAddress.exitCode).not.toBe(0);
  });

  // The engine's DNS leaves a name it doesn't know unanswered: without a short try, a misspelt host
  // holds the learner's curl for 10 s (what it takes isn't timed here; the resolver's options are read).
  it('a name nobody has is told at once, in the workbench and in a container, with one short DNS try', async () => {
    const typo = await a.run('curl -sS http://no-such-host/');
    expect(typo.exitCode).toBe(6);
    expect(typo.output).toContain('Could not resolve host: no-such-host');
    expect(await a.ok('grep ^options /etc/resolv.conf')).toMatch(/\btimeout:1\b.*\battempts:1\b/);
    expect(await a.ok('docker run --rm busybox grep ^options /etc/resolv.conf')).toMatch(/\btimeout:1\b.*\battempts:1\b/);
  });

  it('a host service listening on every interface is not reachable from a container', async () => {
    const service = createServer((_request, response) => response.end('host-service\n'));
    await new Promise<void>((resolve) => service.listen(0, '0.0.0.0', resolve));
    try {
      const port = (service.address() as AddressInfo).port;
      const network = await docker.getNetwork(`ll-${nsA}-net`).inspect();
      const gateway = network.IPAM!.Config![0]!.Gateway!;
      // The control: the service answers on the session bridge's address, from the host.
      expect(await (await fetch(`http://${gateway}:${port}/`)).text()).toBe('host-service\n');
      const result = await a.run(wget(`http://${gateway}:${port}/`));
      expect(result.exitCode).not.toBe(0);
      expect(result.output).not.toContain('host-service');
    } finally {
      service.close();
    }
  });

  it("the sandbox server's port is not reachable from a container", async () => {
    const network = await docker.getNetwork(`ll-${nsA}-net`).inspect();
    const gateway = network.IPAM!.Config![0]!.Gateway!;
    const port = new URL(sandbox.url).port;
    const result = await a.run(wget(`http://${gateway}:${port}/api/health`));
    expect(result.exitCode).not.toBe(0);
    expect(result.output).not.toContain('"ok"');
  });
});

describe('engine-side policy', () => {
  it('every object carries the session, instance and expiry labels', async () => {
    const session = sandbox.server.context.store.get(a.sessionId)!;
    const expected = {
      [LABEL.session]: nsA,
      [LABEL.instance]: sandbox.config.instance,
      [LABEL.expires]: String(session.record.expiresAt),
    };
    const objects = await objectsOf(docker, nsA);
    expect(objects.containers.length).toBeGreaterThan(0);
    for (const container of objects.containers) expect(container.Labels).toMatchObject(expected);
    const volume = await docker.getVolume(`ll-${nsA}-avol`).inspect();
    expect(volume.Labels).toMatchObject(expected);
    const network = await docker.getNetwork(`ll-${nsA}-net`).inspect();
    expect(network.Labels).toMatchObject(expected);
    expect(Number(expected[LABEL.expires])).toBeGreaterThan(Date.now());
    // Images carry no labels: every tag on A's images is in A's namespace or the catalogue's.
    for (const tag of objects.imageTags) expect(tag).toMatch(new RegExp(`^llk?-${nsA}/`));
  });

  it("a container's HostConfig is the policy's", async () => {
    const info = await docker.getContainer(aObjects.containerId).inspect();
    const host = info.HostConfig;
    expect(host.Memory).toBe(256 * 1024 ** 2);
    expect(host.MemorySwap).toBe(256 * 1024 ** 2);
    expect(host.NanoCpus).toBe(5e8);
    expect(host.PidsLimit).toBe(128);
    expect(host.CapDrop).toEqual(['ALL']);
    expect([...(host.CapAdd ?? [])].sort()).toEqual(
      ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'KILL', 'NET_BIND_SERVICE', 'SETGID', 'SETUID'],
    );
    expect(host.SecurityOpt).toContain('no-new-privileges');
    expect(host.Init).toBe(true);
    expect(host.Privileged).toBe(false);
    expect(host.Binds ?? []).toEqual([]);
    expect(host.Devices ?? []).toEqual([]);
    expect(host.PortBindings ?? {}).toEqual({});
    expect(host.NetworkMode).toBe(`ll-${nsA}-net`);
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([`ll-${nsA}-net`]);
    expect(host.LogConfig).toEqual({ Type: 'json-file', Config: { 'max-size': String(1024 ** 2), 'max-file': '1' } });
    expect(host.OomKillDisable).toBe(false);
    for (const mount of info.Mounts) expect(mount.Type).toBe('volume');

    const network = await docker.getNetwork(`ll-${nsA}-net`).inspect();
    expect(network.Internal).toBe(true);
  });

  it('inside, the container has the minimal capabilities, no new privileges and its pids cap', async () => {
    const status = await a.ok('docker exec aweb cat /proc/1/status /proc/self/status');
    // CHOWN, DAC_OVERRIDE, FOWNER, KILL, SETGID, SETUID, NET_BIND_SERVICE
    const mask = [0, 1, 3, 5, 6, 7, 10].reduce((sum, bit) => sum + 2 ** bit, 0).toString(16).padStart(16, '0');
    const effective = [...status.matchAll(/^CapEff:\s+([0-9a-f]+)$/gm)].map((match) => match[1]);
    expect(effective).toEqual([mask, mask]);
    expect([...status.matchAll(/^NoNewPrivs:\s+(\d)$/gm)].map((match) => match[1])).toEqual(['1', '1']);
    expect(await a.ok('docker exec aweb cat /sys/fs/cgroup/pids/pids.max')).toBe('128\n');
    const socket = await a.run('docker exec aweb ls /var/run/docker.sock');
    expect(socket.exitCode).not.toBe(0);
  });
});

describe('build steps', () => {
  it('run with no new privileges, as the engine the server started gives every container', async () => {
    const builder = await sandbox.newLearner({ Dockerfile: `FROM busybox\nRUN grep NoNewPrivs /proc/self/status && echo ${Date.now()}\n` });
    const result = await builder.run('docker build -t nnp .');
    expect(result.exitCode, result.output).toBe(0);
    expect(result.output).toMatch(/^NoNewPrivs:\s+1$/m);
  });
});

/**
 * expectAnswersAsMissing for a container's name: the engine names a container without the slash
 * its internal name may be given with ("No such container: ll-…-aweb" for `docker stop /ll-…-aweb`,
 * as real docker answers any `/name`), so both spellings of each name are blanked out.
 */
async function expectAnswersAsMissingAsContainer(learner: Learner, command: (name: string) => string, target: string, madeUp: string): Promise<void> {
  if (!target.startsWith('/')) return expectAnswersAsMissing(learner, command, target, madeUp);
  const real = await learner.run(command(target));
  const fake = await learner.run(command(madeUp));
  const blank = (text: string, name: string) => [name, name.slice(1)].reduce((result, spelling) => result.split(spelling).join('<NAME>'), text);
  expect(
    { exitCode: real.exitCode, output: blank(real.output, target) },
    `"${command(target)}" should answer as "${command(madeUp)}" does`,
  ).toEqual({ exitCode: fake.exitCode, output: blank(fake.output, madeUp) });
}

async function hostAddress(name: string): Promise<string> {
  return (await lookup(name, { family: 4 })).address;
}

/** Runs busybox on the engine's default bridge, outside the sandbox, and returns its exit status. */
async function runOnDefaultBridge(command: string[]): Promise<number> {
  const container = await docker.createContainer({ Image: 'busybox:latest', Cmd: command, HostConfig: { NetworkMode: 'bridge' } });
  try {
    await container.start();
    const result = (await container.wait()) as { StatusCode: number };
    return result.StatusCode;
  } finally {
    await container.remove({ force: true });
  }
}
