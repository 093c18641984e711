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
  workbench = await openWorkbench(sandbox.server, alice);
}, 120_000);

afterAll(async () => {
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
    expect(running).toEqual({ output: 'web napper 0.0.0.0:8080->80/tcp, :::8080->80/tcp\n', exitCode: 0 });
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
    // A limit means the latest created, running or not, as on the engine.
    const last = await workbench.run('docker ps -n 1 --format "{{.Names}}"');
    expect(last).toEqual({ output: 'done\n', exitCode: 0 });
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
    const create = await workbench.run('docker swarm init');
    expect(create.exitCode).not.toBe(0);
    expect(create.output).toMatch(/^Error response from daemon: POST \/swarm\/init is not available in this sandbox; run `help` in the terminal to see what is\n/);
    const raw = await workbench.run(
      `curl -s -o /dev/null -w "%{http_code}" --unix-socket /var/run/docker.sock -X POST -H "Content-Type: application/json" -d '{"Image":"busybox","HostConfig":{"Privileged":true}}' http://engine/v1.41/containers/create`,
    );
    expect(raw.output).toBe('403');
    const inspect = await workbench.run('curl -s --unix-socket /var/run/docker.sock http://engine/v1.41/containers/' + bobsContainerId + '/json');
    expect(JSON.parse(inspect.output).message).toBe(`No such container: ${bobsContainerId}`);
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

describe('containers through the boundary', () => {
  it('runs a container in the foreground with the real docker run, its output and exit code included', async () => {
    const run = await workbench.run('docker run --rm busybox sh -c "echo hello from the workbench; exit 3"; echo "exit=$?"');
    expect(run.output).toBe('hello from the workbench\nexit=3\n');
  });

  it("pulls a catalogue image the session hasn't used yet, as docker run does on a miss", async () => {
    const run = await workbench.run('docker run --rm python:3.11-slim python3 -c "print(6*7)"');
    expect(run.output).toMatch(/Unable to find image 'python:3.11-slim' locally\n3\.11-slim: Pulling from library\/python\n[\s\S]*Status: Downloaded newer image for python:3.11-slim\n42\n$/);
    const denied = await workbench.run('docker run --rm alpine true');
    expect(denied.exitCode).toBe(125);
    expect(denied.output).toMatch(/pull access denied for alpine: this sandbox can pull only /);
  });

  it('does what tutorials do with $(…), pipes and --format', async () => {
    const script = [
      'docker run -d --name one busybox sleep 300 >/dev/null',
      'docker run -d --name two busybox sleep 300 >/dev/null',
      'docker ps --format "{{.Names}}" | grep -c -E "^(one|two)$"',
      'docker inspect --format "{{.Name}} {{.Config.Image}} {{.State.Running}}" one',
      'docker logs web; docker stop -t 1 two >/dev/null; docker ps -a --filter status=exited --format "{{.Names}}" | sort | tr "\\n" " "; echo',
      'docker rm -f $(docker ps -aq --filter name=never) one two 2>&1 | sort | tr "\\n" " "; echo',
    ].join('\n');
    const { output } = await workbench.run(script);
    expect(output).toBe('2\n/one busybox true\ndone two \none two \n');
  });

  it('holds a create to the template: refused fields get their sentence, allowed ones the sandbox limits', async () => {
    const cases: [string, RegExp][] = [
      ['docker run --privileged busybox true', /privileged mode isn't available here/],
      ['docker run --cap-add SYS_ADMIN busybox true', /extra capabilities can't be added here/],
      ['docker run -v /etc:/host busybox true', /host paths can't be mounted here; mount your workspace with -v "\$PWD":\/app, or use a named volume/],
      ['docker run --mount type=bind,source=/,target=/host busybox true', /host paths can't be mounted here/],
      ['docker run --network host busybox true', /containers join your session's private network/],
      ['docker run --pid host busybox true', /host namespaces aren't available here/],
      ['docker run --memory 2g busybox true', /limits are set by the sandbox: each container gets 256 MiB of memory and half a CPU/],
      ['docker run --security-opt seccomp=unconfined busybox true', /security options are fixed here/],
      ['docker run --device /dev/sda busybox true', /devices can't be passed into containers here/],
      ['docker run -l org.layerlab.session=x busybox true', /labels are reserved for the sandbox here/],
      ['docker run -w /proc/self/fd busybox true', /can't be under \/proc here/],
      ['docker run -p 127.0.0.2:8081:80 busybox true', /published ports listen on localhost here/],
      ['docker run alpine:3', /pull access denied/],
    ];
    for (const [command, sentence] of cases) {
      const { output, exitCode } = await workbench.run(command);
      expect(exitCode, command).not.toBe(0);
      expect(output, command).toMatch(sentence);
    }
    const unmask = await workbench.run(
      `curl -s --unix-socket /var/run/docker.sock -H "Content-Type: application/json" -d '{"Image":"busybox","HostConfig":{"MaskedPaths":["/nothing"]}}' http://engine/containers/create`,
    );
    expect(JSON.parse(unmask.output).message).toMatch(/stay hidden here/);
    // An empty list would unmask everything on the engine; the learner's HostConfig is never passed on, so the defaults stay.
    const empty = await workbench.run(
      `curl -s --unix-socket /var/run/docker.sock -H "Content-Type: application/json" -d '{"Image":"busybox","HostConfig":{"MaskedPaths":[],"ReadonlyPaths":[]}}' "http://engine/containers/create?name=masked"`,
    );
    expect(JSON.parse(empty.output).Id).toMatch(/^[0-9a-f]{64}$/);
    const engineView = await sandbox.server.context.docker.getContainer(JSON.parse(empty.output).Id).inspect();
    expect(engineView.HostConfig.MaskedPaths ?? []).toContain('/proc/kcore');
    await workbench.run('docker rm masked >/dev/null');
    const unknown = await workbench.run(
      `curl -s --unix-socket /var/run/docker.sock -H "Content-Type: application/json" -d '{"Image":"busybox","HostConfig":{"Binds":[],"NewThing":true}}' http://engine/containers/create`,
    );
    expect(JSON.parse(unknown.output).message).toBe('the field HostConfig.NewThing is not accepted here');
    const limits = await workbench.run('docker run -d --name limited busybox sleep 300 && docker inspect --format "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{json .HostConfig.CapDrop}} {{.HostConfig.Privileged}}" limited; docker rm -f limited >/dev/null');
    expect(limits.output).toContain(`${sandbox.config.policy.container.memoryBytes} ${sandbox.config.policy.container.pids} ["ALL"] false`);
  });

  it("answers another session's container, by full ID, prefix or name, as one that never existed", async () => {
    for (const reference of [bobsContainerId, bobsContainerId.slice(0, 12), 'secret']) {
      const inspect = await workbench.run(`docker inspect ${reference}`);
      expect(inspect.output).toContain(`Error: No such object: ${reference}`);
      const stop = await workbench.run(`docker rm -f ${reference}`);
      expect(stop.output).toBe(`Error: No such container: ${reference}\n`);
      const logs = await workbench.run(`docker logs ${reference}`);
      expect(logs.output).toBe(`Error: No such container: ${reference}\n`);
    }
    expect((await bob.run('docker ps -q')).output.trim()).toBe(bobsContainerId.slice(0, 12));
  });

  it('holds the running-container quota on docker start and docker restart', async () => {
    const max = sandbox.config.policy.quotas.runningContainers;
    const script = `for i in $(seq 1 ${max}); do docker run -d --name q$i busybox sleep 300 >/dev/null 2>&1; done; docker ps -q | wc -l`;
    const { output } = await workbench.run(script);
    expect(Number(output.trim())).toBe(max);
    const refused = await workbench.run(`docker start done`);
    expect(refused.output).toMatch(/containers are already running, the most a session may run at once/);
    const restart = await workbench.run(`docker restart done`);
    expect(restart.output).toMatch(/containers are already running, the most a session may run at once/);
    await workbench.run(`docker rm -f $(docker ps -aq --filter name=q)`);
  });
});

describe('builds through the boundary', () => {
  it('builds the context the CLI uploads, then runs it: build && run, --build-arg and --target', async () => {
    await workbench.write(
      'app/Dockerfile',
      'FROM busybox AS base\nARG GREETING=hello\nRUN echo "$GREETING" > /greeting\nCMD ["cat", "/greeting"]\nFROM base AS extra\nRUN echo extra >> /greeting\n',
    );
    const script = [
      'cd app',
      'docker build -q -t greeter . >/dev/null && docker run --rm greeter',
      'docker build -q --build-arg GREETING=bonjour --target base -t greeter:fr . >/dev/null && docker run --rm greeter:fr',
      'docker build -t greeter:steps . | grep -E "^Step"',
    ].join('\n');
    const { output } = await workbench.run(script);
    expect(output).toBe(
      [
        'hello',
        'extra',
        'bonjour',
        'Step 1/6 : FROM busybox AS base',
        'Step 2/6 : ARG GREETING=hello',
        'Step 3/6 : RUN echo "$GREETING" > /greeting',
        'Step 4/6 : CMD ["cat", "/greeting"]',
        'Step 5/6 : FROM base AS extra',
        'Step 6/6 : RUN echo extra >> /greeting',
      ].join('\n') + '\n',
    );
    const listed = await workbench.run('docker images --format "{{.Repository}}:{{.Tag}}" | grep greeter | sort | tr "\\n" " "');
    expect(listed.output).toBe('greeter:fr greeter:latest greeter:steps ');
  });

  it('reviews the uploaded Dockerfile and refuses what the sandbox refuses, with the line', async () => {
    await workbench.write('bad/Dockerfile', 'FROM busybox\nADD ["\\u0068ttp://127.0.0.1:5000/v2/_catalog", "/c"]\n');
    const refused = await workbench.run('cd bad && docker build -t bad .; echo "exit=$?"');
    expect(refused.output).toMatch(/Dockerfile:2: /);
    expect(refused.output).toMatch(/exit=1\n$/);
    // BuildKit's CLI opens a gRPC session and posts the build at once: whichever the boundary sees
    // first is refused, the session's upgrade (all the CLI then says) or the build, with a sentence.
    const buildkit = await workbench.run('cd app && DOCKER_BUILDKIT=1 docker build -t x . 2>&1 | tail -n 1; echo "exit=${PIPESTATUS[0]}"');
    expect(buildkit.output).toMatch(/^(?:.*unable to upgrade to h2c, received 403|Error response from daemon: BuildKit isn't available here; the classic builder is used \(DOCKER_BUILDKIT=0\))\nexit=1\n$/);
    // The build half of that race, raw: a BuildKit session ID gets the sentence, not zod's words.
    const sessionBuild = await workbench.run('cd app && tar -c Dockerfile | curl -s --unix-socket /var/run/docker.sock -X POST -H "Content-Type: application/x-tar" --data-binary @- "http://engine/v1.41/build?session=abc123&t=x"');
    expect(JSON.parse(sessionBuild.output)).toEqual({ message: "BuildKit isn't available here; the classic builder is used (DOCKER_BUILDKIT=0)" });
    // The CLI's own BuildKit request, as CI once saw it win the race (it was refused for its unknown parameters).
    for (const query of ['buildid=b1&remote=client-session&session=s1&version=2&t=x', 'remote=client-session&buildid=b1&t=x', 'version=2&t=x']) {
      const raced = await workbench.run(`cd app && tar -c Dockerfile | curl -s --unix-socket /var/run/docker.sock -X POST -H "Content-Type: application/x-tar" --data-binary @- "http://engine/v1.41/build?${query}"`);
      expect(JSON.parse(raced.output), query).toEqual({ message: "BuildKit isn't available here; the classic builder is used (DOCKER_BUILDKIT=0)" });
    }
    await workbench.write('linked/Dockerfile', 'FROM busybox\n');
    const link = await workbench.run('cd linked && ln -s /etc/shadow shadow && docker build -t linked .; echo "exit=$?"');
    expect(link.output).toMatch(/shadow is a symbolic link; a build context here holds regular files only/);
    expect(link.output).toMatch(/exit=1\n$/);
  });
});

describe('everything else a tutorial types, through the boundary', () => {
  it('execs into a running container, never privileged, never under /proc', async () => {
    const exec = await workbench.run('docker run -d --name shell busybox sleep 300 >/dev/null && docker exec shell sh -c "echo inside; id -u" && docker exec -w /tmp shell pwd');
    expect(exec.output).toBe('inside\n0\n/tmp\n');
    const privileged = await workbench.run('docker exec --privileged shell true');
    expect(privileged.output).toMatch(/privileged mode isn't available here; exec runs with the container's capabilities/);
    const proc = await workbench.run('docker exec -w /proc/1/cwd shell true');
    expect(proc.output).toMatch(/can't be under \/proc here/);
    const others = await workbench.run(`docker exec ${bobsContainerId.slice(0, 12)} true`);
    expect(others.output).toMatch(/No such container: /);
  });

  it('tags, lists, shows the history of, and removes images', async () => {
    const script = [
      'docker tag napper napper:v2',
      'docker images napper --format "{{.Tag}}" 2>&1 | sort | tr "\\n" " "; echo',
      'docker history -q napper | head -n 1 | grep -c -E "^[0-9a-f]{12}$"',
      'docker rmi napper:v2',
      'docker rmi busybox 2>&1 | head -n 1',
    ].join('\n');
    const { output } = await workbench.run(script);
    const lines = output.split('\n');
    expect(lines[1]).toBe('1');
    expect(lines[2]).toBe('Untagged: napper:v2');
    expect(lines[3]).toMatch(/^Error response from daemon: conflict: unable to remove repository reference "busybox" \(must force\)/);
  });

  it('renames, pauses and unpauses, lists processes, shows ports and disk use', async () => {
    const script = [
      'docker rename shell box && docker ps --format "{{.Names}}" | grep -c "^box$"',
      'docker pause box >/dev/null && docker ps --filter status=paused --format "{{.Names}}" && docker unpause box >/dev/null',
      'docker top box | tail -n 1 | grep -c "sleep 300"',
      'docker port web',
      'docker system df --format "{{.Type}}" | tr "\\n" " "; echo',
    ].join('\n');
    const { output } = await workbench.run(script);
    expect(output).toBe('1\nbox\n1\n80/tcp -> 0.0.0.0:8080\n80/tcp -> :::8080\nImages Containers Local Volumes Build Cache \n');
  });

  it('makes, lists and removes volumes, and prunes containers and volumes', async () => {
    const script = [
      'docker volume create data',
      'docker run --rm -v data:/data busybox sh -c "echo kept > /data/file"',
      'docker run --rm -v data:/data:ro busybox cat /data/file',
      'docker volume ls --format "{{.Name}}"',
      'docker volume inspect --format "{{.Name}} {{.Driver}}" data',
      'docker rm -f box >/dev/null; docker container prune -f | head -n 1',
      'docker volume rm data',
      'docker volume create --driver other x 2>&1',
    ].join('\n');
    const { output } = await workbench.run(script);
    expect(output).toBe(
      'data\nkept\ndata\ndata local\nDeleted Containers:\ndata\nError response from daemon: volumes here use the local driver with no options; create one with docker volume create NAME\n',
    );
    const bobsVolumes = await bob.run('docker volume ls -q');
    expect(bobsVolumes.output).not.toContain('data');
  });
});

describe('networks and Compose through the boundary', () => {
  it('creates internal networks within the quota, where containers reach each other by name', async () => {
    const script = [
      'docker network create backend >/dev/null',
      'docker network ls --format "{{.Name}}" | sort | tr "\\n" " "; echo',
      'docker run -d --name db --network backend busybox httpd -f -p 8000 -h / >/dev/null',
      'docker run --rm --network backend busybox wget -q -O /dev/null http://db:8000/etc/hostname && echo reached',
      'docker run --rm --network backend busybox wget -q -T 2 -O /dev/null http://example.com/ 2>/dev/null || echo unreachable',
      'docker rm -f db >/dev/null; docker network rm backend',
      'docker network create --driver macvlan x 2>&1',
      'docker run --rm --network container:web busybox true 2>&1',
      `for i in $(seq 0 ${sandbox.config.policy.quotas.networks}); do docker network create n$i >/dev/null 2>&1 || echo refused; done`,
      'docker network prune -f >/dev/null; docker network ls -q | wc -l',
    ].join('\n');
    const { output } = await workbench.run(script);
    const lines = output.split('\n');
    expect(lines[0]).toBe('backend bridge ');
    expect(lines[1]).toBe('reached');
    expect(lines[2]).toBe('unreachable');
    expect(lines[3]).toBe('backend');
    expect(lines[4]).toBe('Error response from daemon: networks here use the bridge driver');
    expect(lines[5]).toMatch(/containers join your session's private network/);
    // The quota: only the last of quota + 1 creates is refused; prune leaves the session's own network.
    expect(lines.filter((line) => line === 'refused')).toHaveLength(1);
    expect(lines.at(-2)).toBe('1');
    const bobs = await bob.run('docker network ls');
    expect(bobs.output).not.toContain('backend');
  });

  it('runs docker compose up -d, ps, logs and down for two services that reach each other by name', async () => {
    await workbench.write(
      'stack/docker-compose.yml',
      [
        'services:',
        '  web:',
        '    image: busybox',
        '    command: sh -c "echo hello from web > /index.html && httpd -f -v -p 80 -h /"',
        '  client:',
        '    image: busybox',
        '    command: sh -c "sleep 1; wget -q -O - http://web/index.html; sleep 300"',
        '    depends_on: [web]',
        '',
      ].join('\n'),
    );
    const up = await workbench.run('cd stack && docker compose up -d 2>&1');
    expect(up.exitCode, up.output).toBe(0);
    const ps = await workbench.run('cd stack && sleep 3 && docker compose ps --services | sort | tr "\\n" " "');
    expect(ps.output).toBe('client web ');
    const logs = await workbench.run('cd stack && docker compose logs --no-color client');
    expect(logs.output).toContain('hello from web');
    const down = await workbench.run('cd stack && docker-compose down 2>&1');
    expect(down.exitCode, down.output).toBe(0);
    const left = await workbench.run('docker ps -a --format "{{.Names}}" | grep stack; docker network ls --format "{{.Name}}" | grep stack; true');
    expect(left.output).toBe('');
  });
});

describe('the class registry through the boundary', () => {
  it('logs in, pushes and pulls with the server holding the credentials, and reaches no other registry', async () => {
    const script = [
      'echo anything | docker login localhost:5000 -u learner --password-stdin 2>&1 | tail -n 1',
      'docker tag napper localhost:5000/napper:v1 && docker push localhost:5000/napper:v1 >/tmp/push 2>&1; echo "push=$?"',
      'grep -c -E "^v1: digest: sha256:[0-9a-f]{64}" /tmp/push',
      'docker rmi localhost:5000/napper:v1 >/dev/null && docker pull localhost:5000/napper:v1 2>&1 | tail -n 1',
      'docker push napper 2>&1 | tail -n 1',
      'docker pull registry.example.com/app 2>&1 | tail -n 1',
      'docker login registry.example.com -u x -p y 2>&1 | tail -n 1',
    ].join('\n');
    const { output } = await workbench.run(script);
    const lines = output.trim().split('\n');
    expect(lines[0]).toBe('Login Succeeded');
    expect(lines[1]).toBe('push=0');
    expect(lines[2]).toBe('1');
    expect(lines[3]).toBe('localhost:5000/napper:v1');
    expect(lines[4]).toMatch(/push to the class registry instead/);
    expect(lines[5]).toMatch(/this sandbox reaches one registry, localhost:5000, not registry.example.com/);
    expect(lines[6]).toMatch(/log in with docker login localhost:5000/);
    const push = await workbench.run('cat /tmp/push');
    expect(push.output).not.toMatch(/[0-9a-f]{16}\//);
    // Bob's session sees nothing of Alice's repository.
    const bobs = await bob.run('docker pull localhost:5000/napper:v1');
    expect(bobs.exitCode).not.toBe(0);
  });
});

describe('copying, committing and following events through the boundary', () => {
  it('copies files in and out with docker cp, commits a container (with --change), and streams the session events only', async () => {
    await workbench.write('notes.txt', 'copied in\n');
    const script = [
      'docker run -d --name cpbox busybox sleep 300 >/dev/null',
      'docker cp notes.txt cpbox:/notes.txt && docker exec cpbox cat /notes.txt',
      'docker cp cpbox:/etc/hostname ./hostname.txt && wc -l < hostname.txt',
      'docker commit cpbox committed:v1 >/dev/null && docker run --rm committed:v1 cat /notes.txt',
      'docker commit --change \'CMD ["cat", "/notes.txt"]\' cpbox withcmd:v1 >/dev/null && docker run --rm withcmd:v1',
      'docker commit cpbox 2>&1 | tail -n 1',
      'docker image inspect --format "{{json .Config.Labels}}" committed:v1',
      'docker stats --no-stream --format "{{.Name}}" cpbox',
      'timeout 4 docker events --filter type=container --format "{{.Action}} {{.Actor.Attributes.name}}" > /tmp/events & sleep 1',
      'docker run --rm --name evented busybox true; sleep 2; wait; grep -c "start evented" /tmp/events',
      'docker rm -f cpbox >/dev/null',
    ].join('\n');
    const { output } = await workbench.run(script);
    expect(output).toBe(
      "copied in\n1\ncopied in\ncopied in\nError response from daemon: name the image a commit makes here: docker commit CONTAINER NAME:TAG\n{}\ncpbox\n1\n",
    );
    const events = await workbench.run('cat /tmp/events');
    // The workbench's own execs (this test's commands) are events of a session object too; they stay out.
    expect(events.output).not.toMatch(/ll[nwk]?-[0-9a-f]{16}|secret|workbench/);
  });
});

describe('image archives through the boundary', () => {
  it('exports a container and imports the archive as one of the session\'s images, with reviewed --change', async () => {
    const script = [
      'docker create --name exported busybox >/dev/null && docker export exported > fs.tar && tar -tf fs.tar | grep -c "^bin/busybox$"',
      'docker import fs.tar flat:v1 | grep -c "^sha256:"',
      'docker images flat --format "{{.Repository}}:{{.Tag}}"',
      'docker run --rm flat:v1 /bin/echo from the imported image',
      'docker import --change "CMD [\\"/bin/echo\\", \\"changed\\"]" --change "ENV GREETING=hi" fs.tar changed:v1 | grep -c "^sha256:"',
      'docker run --rm changed:v1 && docker inspect -f "{{json .Config.Env}}" changed:v1',
      'docker import --change "ONBUILD RUN true" fs.tar bad 2>&1; echo "exit $?"',
      'docker commit --change "WORKDIR /proc/self" exported bad 2>&1; echo "exit $?"',
      'docker commit --change "ENV X=\\$HOME" exported bad 2>&1; echo "exit $?"',
      'docker import fs.tar 2>&1; echo "exit $?"',
      'docker rm exported >/dev/null && docker rmi flat:v1 changed:v1 >/dev/null && echo cleaned',
    ].join(' && ');
    const { output, exitCode } = await workbench.run(script);
    expect(exitCode, output).toBe(0);
    expect(output.split('\n')).toEqual([
      '1',
      '1',
      'flat:v1',
      'from the imported image',
      '1',
      'changed',
      '["GREETING=hi"]',
      "Error response from daemon: ONBUILD can't be changed by a commit; use one of CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR",
      'exit 1',
      "Error response from daemon: the working directory can't be under /proc here: it belongs to the kernel; pick a folder such as /app",
      'exit 1',
      'Error response from daemon: --change "ENV X=$HOME": variables are not expanded in a change here; write the value out',
      'exit 1',
      'Error response from daemon: name the image an import makes here: docker import FILE NAME:TAG',
      'exit 1',
      'cleaned',
      '',
    ]);
  });

  it('saves and loads images under the names the learner knows, and loads only into the session', async () => {
    const script = [
      'docker tag napper saved:v1 && docker save saved:v1 -o saved.tar && echo saved',
      'tar -xOf saved.tar manifest.json | jq -r ".[0].RepoTags[0]"',
      'docker rmi saved:v1 >/dev/null && docker load -i saved.tar',
      'docker images saved --format "{{.Repository}}:{{.Tag}}"',
      // An archive that names another registry is refused, and one naming another session's repository lands in this one.
      'mkdir -p forged && cd forged && tar -xf ../saved.tar',
      'jq \'.[0].RepoTags = ["registry.example.com/x:1"]\' manifest.json > m && mv m manifest.json && tar -cf ../forged.tar * && cd ..',
      'docker load -i forged.tar 2>&1 | tail -n 1',
      'cd forged && jq \'.[0].RepoTags = []\' manifest.json > m && mv m manifest.json && tar -cf ../untagged.tar * && cd .. && docker load -i untagged.tar 2>&1 | tail -n 1',
      // An entry that reaches manifest.json some other way than by its plain name is refused outright.
      'cd forged && tar -cf ../dotted.tar . && cd .. && docker load -i dotted.tar 2>&1 | tail -n 1',
    ].join('\n');
    const { output } = await workbench.run(script);
    expect(output).toBe(
      'saved\nsaved:v1\nLoaded image: saved:v1\nsaved:v1\nError response from daemon: the archive names registry.example.com/x:1; images here have no registry or the class registry\'s\nError response from daemon: each image in the archive needs a name here; save it by name: docker save NAME:TAG\nError response from daemon: the archive holds ./, which docker save never writes; load archives made by docker save\n',
    );
  });
});

describe('what an outside review of the boundary tried', () => {
  it('caps the engine streams a session holds open, and frees each when it ends', async () => {
    const script = [
      'docker run -d --name chatty busybox sleep 300 >/dev/null',
      'for i in $(seq 1 16); do docker logs -f chatty >/dev/null 2>&1 & done; sleep 2',
      'docker logs -f chatty 2>&1 | head -n 1',
      'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; sleep 1',
      'docker logs chatty >/dev/null && echo freed',
      'docker rm -f chatty >/dev/null',
    ].join('\n');
    const { output } = await workbench.run(script);
    expect(output).toBe('Error response from daemon: this session already has 16 streams open (attach, exec, logs -f, events, wait); end one with Ctrl-C first\nfreed\n');
  });

  it('takes at most 48 connections on a session socket at once, and serves again once they close', async () => {
    await workbench.write(
      'hold.py',
      [
        'import socket, time',
        'held = []',
        'for _ in range(60):',
        '    s = socket.socket(socket.AF_UNIX)',
        "    s.connect('/var/run/docker.sock')",
        '    held.append(s)',
        'time.sleep(0.5)',
        'refused = 0',
        'for s in held[-5:]:',
        '    try:',
        "        s.sendall(b'GET /_ping HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n')",
        '        s.settimeout(2)',
        "        if s.recv(100) == b'': refused += 1",
        '    except OSError:',
        '        refused += 1',
        'print(refused)',
        'for s in held: s.close()',
        '',
      ].join('\n'),
    );
    const { output } = await workbench.run('python3 hold.py; sleep 0.5; docker ps -q --filter name=web | wc -l');
    expect(output).toBe('5\n1\n');
  });

  it('survives clients that hang up in the middle of an upgrade, and keeps answering', async () => {
    // Python is in the workbench for Compose: it connects, asks for an upgrade and hangs up at once.
    await workbench.write(
      'hangup.py',
      [
        'import socket',
        'for _ in range(20):',
        '    s = socket.socket(socket.AF_UNIX)',
        "    s.connect('/var/run/docker.sock')",
        "    s.sendall(b'POST /v1.41/containers/nonexist/attach?stream=1 HTTP/1.1\\r\\nHost: x\\r\\nConnection: Upgrade\\r\\nUpgrade: tcp\\r\\n\\r\\n')",
        '    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00")',
        '    s.close()',
        '',
      ].join('\n'),
    );
    const { output } = await workbench.run('python3 hangup.py && sleep 1; docker ps -q --filter name=web | wc -l');
    // An uncaught error in the boundary would fail this file; the server also still serves.
    expect(output.trim()).toBe('1');
  });

  it('holds the container quota under racing creates', async () => {
    const quota = sandbox.config.policy.quotas.containers;
    const script = `for i in $(seq 1 ${quota + 5}); do curl -s -o /dev/null --unix-socket /var/run/docker.sock -XPOST -H 'Content-Type: application/json' -d '{"Image":"busybox"}' "http://x/v1.41/containers/create?name=race$i" & done; wait; docker ps -aq | wc -l; docker rm -f $(docker ps -aq --filter name=race) >/dev/null`;
    const { output } = await workbench.run(script);
    expect(Number(output.trim().split('\n')[0])).toBe(quota);
  });

  it('stops a build upload at the context cap by its bytes, whatever its entries are', async () => {
    // Folders hold no content, so no file cap counts them: only the byte count stops 30,000 of them.
    await workbench.write(
      'bloat.py',
      [
        'import io, tarfile',
        'with tarfile.open("bloat.tar", mode="w") as archive:',
        '    for i in range(30000):',
        '        info = tarfile.TarInfo("d%d" % i)',
        '        info.type = tarfile.DIRTYPE',
        '        archive.addfile(info)',
        '',
      ].join('\n'),
    );
    const { output } = await workbench.run(
      'python3 bloat.py && curl -s --unix-socket /var/run/docker.sock -H "Content-Type: application/x-tar" --data-binary @bloat.tar "http://x/v1.41/build?t=bloat"',
    );
    expect(output).toMatch(/unable to prepare context: the build context is larger than the \d+ bytes allowed here/);
    const malformed = await workbench.run(
      'head -c 4096 /dev/urandom > junk.tar && curl -s --unix-socket /var/run/docker.sock -H "Content-Type: application/x-tar" --data-binary @junk.tar "http://x/v1.41/build?t=junk"',
    );
    expect(malformed.output).toMatch(/unable to prepare context: the build context is not a tar archive the engine could read/);
  });

  it("refuses the server's labels in a Dockerfile, which would have hidden a learner's containers", async () => {
    await workbench.write('hide/Dockerfile', 'FROM busybox\nLABEL org.layerlab.workbench=true\n');
    const { output } = await workbench.run('cd hide && docker build -t hidden . 2>&1 | tail -n 1');
    expect(output).toMatch(/labels starting with org\.layerlab\. are reserved for the sandbox/);
  });

  it("answers a before or since filter naming another session's container as for one that never existed", async () => {
    const ask = (name: string) =>
      workbench.run(`curl -s --unix-socket /var/run/docker.sock -G http://x/v1.41/containers/json --data-urlencode 'filters={"before":["${name}"]}'`);
    const foreign = JSON.parse((await ask(bobsContainerId)).output);
    const never = JSON.parse((await ask('f'.repeat(64))).output);
    expect(foreign.message).toBe(`No such container: ${bobsContainerId}`);
    expect(never.message).toBe(`No such container: ${'f'.repeat(64)}`);
    const own = await workbench.run('docker ps -a --filter before=web --format "{{.Names}}"');
    expect(own.exitCode).toBe(0);
  });

  it('shows neither the namespace nor the host\'s folders in lists and inspects', async () => {
    const script = [
      'docker run -d --name mounted -v leak:/data busybox sleep 300 >/dev/null',
      'curl -s --unix-socket /var/run/docker.sock "http://x/v1.41/containers/json?all=1"',
      'docker inspect mounted; docker image inspect busybox; docker volume inspect leak',
      'docker rm -f mounted >/dev/null; docker volume rm leak >/dev/null',
    ].join('\n');
    const { output } = await workbench.run(script);
    expect(output).not.toMatch(/ll[nwk]?-[0-9a-f]{16}/);
    expect(output).not.toMatch(/\/var\/lib\/docker/);
  });
});
