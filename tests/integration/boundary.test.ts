import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type Learner, type TestSandbox } from '../support/sandbox.ts';
import { openWorkbench, type TestWorkbench } from '../support/workbench.ts';

let sandbox: TestSandbox;
let alice: Learner;
let bob: Learner;
let workbench: TestWorkbench;
let bobsContainerId: string;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  alice = await sandbox.newLearner({ Dockerfile: 'FROM busybox\nCMD ["sleep", "600"]\n' });
  bob = await sandbox.newLearner({});
  expect((await alice.run('docker build -t napper .')).exitCode).toBe(0);
  expect((await alice.run('docker run -d --name web -p 8080:80 napper')).exitCode).toBe(0);
  expect((await alice.run('docker run --name done busybox true')).exitCode).toBe(0);
  const bobs = await bob.run('docker run -d --name secret busybox sleep 600');
  expect(bobs.exitCode).toBe(0);
  bobsContainerId = bobs.output.trim().split('\n').at(-1)!;
  expect(bobsContainerId).toMatch(/^[0-9a-f]{64}$/);
  workbench = await openWorkbench(sandbox, alice);
}, 120_000);

afterAll(async () => {
  await workbench?.close();
  await sandbox?.close();
});

describe('the Engine API boundary, driven by the real Docker CLI in a workbench', () => {
  it("negotiates the engine's API version", async () => {
    const { output, exitCode } = await workbench.run('docker version --format "{{.Client.APIVersion}} {{.Server.APIVersion}} {{.Server.Version}}"');
    expect(exitCode).toBe(0);
    expect(output).toMatch(/^1\.41 1\.41 20\.10\.\d+/);
  });

  it("lists the session's containers by the names the learner gave, with the ports as typed", async () => {
    const running = await workbench.run('docker ps --format "{{.Names}} {{.Image}} {{.Ports}}"');
    expect(running).toEqual({ output: 'web napper 0.0.0.0:8080->80/tcp\n', exitCode: 0 });
    const all = await workbench.run('docker ps -a --format "{{.Names}}" | sort | tr "\\n" " "');
    expect(all.output).toBe('done web ');
  });

  it("never shows another session's containers, nor the workbench itself", async () => {
    const everything = await workbench.run('docker ps -aq --no-trunc');
    expect(everything.output).not.toContain(bobsContainerId);
    expect(everything.output.trim().split('\n')).toHaveLength(2);
    const byLabel = await workbench.run('docker ps -aq --filter label=org.layerlab.workbench');
    expect(byLabel).toEqual({ output: '', exitCode: 0 });
    const byId = await workbench.run(`docker ps -aq --filter id=${bobsContainerId.slice(0, 12)}`);
    expect(byId).toEqual({ output: '', exitCode: 0 });
  });

  it('applies the filters docker ps offers, together with the session', async () => {
    const exited = await workbench.run('docker ps -a --filter status=exited --format "{{.Names}}"');
    expect(exited).toEqual({ output: 'done\n', exitCode: 0 });
    const last = await workbench.run('docker ps -a -n 1 --format "{{.Names}}"');
    expect(last.output.trim().split('\n')).toHaveLength(1);
  });

  it("lists the session's images without the namespace or the server's labels", async () => {
    const images = await workbench.run('docker images --format "{{.Repository}}:{{.Tag}}" | sort | tr "\\n" " "');
    expect(images).toEqual({ output: 'busybox:latest napper:latest ', exitCode: 0 });
    const raw = await workbench.run('curl -s --unix-socket /var/run/docker.sock http://engine/v1.41/containers/json');
    expect(raw.output).not.toMatch(/ll-[0-9a-f]{16}|org\.layerlab/);
    expect(JSON.parse(raw.output)).toHaveLength(1);
  });

  it('shows the sandbox in docker info, not the host', async () => {
    const info = await workbench.run('docker info --format "{{.Name}} {{.Containers}} {{.ContainersRunning}} {{.OperatingSystem}}"');
    expect(info).toEqual({ output: 'layerlab 2 1 Layerlab sandbox\n', exitCode: 0 });
  });

  it('answers an endpoint outside the allow-list with 403 and a sentence, for the CLI and for raw calls alike', async () => {
    const create = await workbench.run('docker network create mine');
    expect(create.exitCode).not.toBe(0);
    expect(create.output).toMatch(/^Error response from daemon: POST \/networks\/create is not available in this sandbox; run `help` in the terminal to see what is\n/);
    const raw = await workbench.run(
      `curl -s -o /dev/null -w "%{http_code}" --unix-socket /var/run/docker.sock -X POST -H "Content-Type: application/json" -d '{"Image":"busybox","HostConfig":{"Privileged":true}}' http://engine/v1.41/containers/create`,
    );
    expect(raw.output).toBe('403');
    const inspect = await workbench.run('curl -s --unix-socket /var/run/docker.sock http://engine/v1.41/containers/' + bobsContainerId + '/json');
    expect(JSON.parse(inspect.output).message).toMatch(/is not available in this sandbox/);
  });

  it('refuses a query parameter it does not read, and a client newer than the engine, as the engine would', async () => {
    const unknown = await workbench.run('curl -s --unix-socket /var/run/docker.sock "http://engine/containers/json?all=1&sneaky=1"');
    expect(JSON.parse(unknown.output).message).toBe('the query parameter sneaky is not accepted here');
    const newer = await workbench.run('curl -s --unix-socket /var/run/docker.sock http://engine/v1.99/_ping');
    expect(JSON.parse(newer.output).message).toBe('client version 1.99 is too new. Maximum supported API version is 1.41');
    const twice = await workbench.run('curl -s --unix-socket /var/run/docker.sock "http://engine/containers/json?all=0&all=1"');
    expect(JSON.parse(twice.output).message).toBe('the query parameter all is given twice');
  });

  it('runs as learner in a container held to the sandbox limits', async () => {
    const info = await workbench.container.inspect();
    expect(info.Config.User).toBe('learner');
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info.HostConfig.SecurityOpt).toContain('no-new-privileges');
    expect(info.HostConfig.Memory).toBe(sandbox.config.policy.container.memoryBytes);
    expect(info.HostConfig.PidsLimit).toBe(sandbox.config.policy.container.pids);
    const whoami = await workbench.run('id -un; pwd; hostname');
    expect(whoami.output).toBe('learner\n/home/learner/workspace\nlayerlab\n');
  });
});
