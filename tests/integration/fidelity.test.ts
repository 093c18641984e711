import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine } from '../../sandbox-server/engine/connect.ts';
import { WORKBENCH_REFERENCE, WORKBENCH_SOCKET, WORKBENCH_WORKSPACE } from '../../sandbox-server/workbench/image.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { openWorkbench, runOnTty, type TestWorkbench } from '../support/workbench.ts';

/**
 * Fidelity: the common command forms of Docker tutorials, each run twice in order, by the same
 * Docker CLI in the same image: once in a learner's workbench through the boundary, once in a
 * twin container given the engine's own socket. Their output must match once IDs, digests,
 * times, sizes and addresses are masked. Where the sandbox's policy says no, the workbench must
 * answer with one sentence and a failure instead.
 *
 * The twin shares the engine with every other test, so names carry a prefix ($P) and the
 * listings filter on it; the learner uses the same names.
 */

interface Form {
  command: string;
  /** The sandbox refuses it by policy: one line, non-zero, and this text in it. */
  refused?: string;
  /** Only the exit status is compared (output that names the host or differs by nature). */
  statusOnly?: string;
  /** The engine alone can't do it here (no registry answers; the twin has no workspace): the sandbox must succeed. */
  sandboxOnly?: string;
}

const P = `fid${process.pid % 100_000}`;

const DOCKERFILE = `FROM busybox
WORKDIR /app
COPY index.html .
ARG GREETING=hello
ENV GREETING=$GREETING
LABEL course=layerlab
EXPOSE 8080
CMD ["sh", "-c", "echo $GREETING from $(pwd)"]
`;
const MULTISTAGE = `FROM busybox AS build
RUN echo built > /out.txt
FROM busybox AS final
COPY --from=build /out.txt /out.txt
CMD ["cat", "/out.txt"]
`;

const FORMS: Form[] = [
  // Images: pull, list, tag, inspect, history, remove.
  { command: 'docker pull busybox >/dev/null && echo pulled', sandboxOnly: 'no registry answers the engine here' },
  { command: 'docker pull -q busybox', sandboxOnly: 'no registry answers the engine here' },
  { command: `docker images busybox:latest --format "{{.Repository}}:{{.Tag}}"` },
  { command: `docker image ls busybox:latest --format "{{.Repository}} {{.Tag}}"` },
  { command: `docker tag busybox ${P}-box:v1 && docker images ${P}-box --format "{{.Repository}}:{{.Tag}}"` },
  { command: `docker image tag busybox ${P}-box:v2 && docker images ${P}-box --format "{{.Tag}}" | sort` },
  { command: `docker image inspect ${P}-box:v1 --format "{{.Os}}/{{.Architecture}}"` },
  { command: `docker inspect --type image ${P}-box:v1 --format "{{json .Config.Cmd}}"` },
  { command: `docker history ${P}-box:v1 --format "{{.CreatedBy}}" | head -n 1 | cut -c1-20` },
  { command: `docker rmi ${P}-box:v2 | head -n 1` },
  { command: `docker image rm ${P}-box:v1 | head -n 1` },
  { command: 'docker images --format "{{.Repository}}" busybox:latest | wc -l' },
  { command: 'docker image ls -q busybox:latest | wc -l' },
  { command: 'docker pull nosuchimage-anywhere 2>&1; echo "exit $?"', refused: 'pull access denied' },
  { command: 'docker pull docker.io/library/alpine:3.19 2>&1; echo "exit $?"', refused: 'alpine' },
  // Builds: context, tags, args, targets, files, cache.
  { command: `docker build -q -t ${P}-app . | wc -l` },
  { command: `docker build -t ${P}-app . | grep -c "^Step "` },
  { command: `docker build -t ${P}-app . | tail -n 1` },
  { command: `docker build -t ${P}-app:v2 -t ${P}-app:latest . | tail -n 2` },
  { command: `docker build --build-arg GREETING=howdy -t ${P}-howdy . >/dev/null && docker run --rm ${P}-howdy` },
  { command: `docker build -f Multi.Dockerfile --target build -t ${P}-stage . >/dev/null && docker run --rm ${P}-stage cat /out.txt` },
  { command: `docker build -f Multi.Dockerfile -t ${P}-multi . >/dev/null && docker run --rm ${P}-multi` },
  { command: `docker build --no-cache -q -t ${P}-fresh . | wc -l` },
  { command: `docker build -t ${P}-app - < Dockerfile 2>&1 | tail -n 1 | cut -c1-40`, statusOnly: 'a Dockerfile on stdin has no context; both refuse the COPY' },
  { command: `docker build -t "${P}-Bad" . 2>&1 | tail -n 1` },
  { command: `docker build -t ${P}-app -f missing.Dockerfile . 2>&1 | tail -n 1 | sed "s#/home/learner/workspace/##; s#/[^ ]*/##"`, statusOnly: 'the error names the context folder' },
  { command: `docker image inspect ${P}-app --format "{{.Config.WorkingDir}} {{json .Config.ExposedPorts}} {{.Config.Labels.course}}"` },
  { command: `docker run --rm ${P}-app` },
  { command: `docker run --rm ${P}-app cat /app/index.html` },
  { command: `docker run --rm -e GREETING=hola ${P}-app` },
  { command: `docker run --rm --env GREETING=ciao ${P}-app` },
  { command: `docker run --rm -w /tmp ${P}-app pwd` },
  { command: `docker run --rm --entrypoint echo ${P}-app entry` },
  { command: `docker run --rm -u 1000 busybox id -u` },
  { command: `docker run --rm ${P}-app sh -c "echo \\$GREETING | tr a-z A-Z"` },
  { command: `docker build -t ${P}-app . && docker run --rm ${P}-app`, statusOnly: 'build && run: the build output differs only in IDs' },
  // Containers: run, ps, logs, exec, stop, start, rm.
  { command: 'docker run --rm busybox echo hello' },
  { command: 'docker run --rm busybox sh -c "exit 3"; echo "exit $?"' },
  { command: 'docker run --rm busybox nosuchcommand 2>&1 | tail -n 1 | grep -o "nosuchcommand"' },
  { command: `docker run -d --name ${P}-web busybox sleep 300 | wc -c` },
  { command: `docker ps --filter name=^${P}-web --format "{{.Names}} {{.Image}} {{.Command}}"` },
  { command: `docker container ls --filter name=^${P}-web --format "{{.Names}} {{.Status}}" | cut -d" " -f1-2` },
  { command: `docker ps -a --filter name=^${P}- --format "{{.Names}}" | sort` },
  { command: `docker ps -q --filter name=^${P}-web | wc -l` },
  { command: `docker ps --filter name=^${P}-web --filter status=running -q | wc -l` },
  { command: `docker ps --filter name=^${P}-web --format "table {{.Names}}\\t{{.Image}}"` },
  { command: `docker ps --filter name=^${P}-web --format "{{json .Names}}"` },
  { command: `docker exec ${P}-web echo inside` },
  { command: `docker exec ${P}-web sh -c "echo \\$((6*7))"` },
  { command: `docker exec -w /tmp ${P}-web pwd` },
  { command: `docker exec -e NAME=x ${P}-web sh -c 'echo $NAME'` },
  { command: `docker exec -u 1000 ${P}-web id -u` },
  { command: `docker exec ${P}-web nosuch 2>&1 | grep -c "executable file not found"` },
  { command: `docker logs ${P}-web | wc -l` },
  { command: `docker run -d --name ${P}-talker busybox sh -c "echo one; sleep 0.2; echo two >&2; sleep 300" >/dev/null && sleep 1 && docker logs ${P}-talker 2>&1 | sort` },
  { command: `docker logs --tail 1 ${P}-talker 2>&1` },
  { command: `docker logs -t ${P}-talker 2>/dev/null | cut -d" " -f2` },
  { command: `docker top ${P}-web -o comm | tail -n +2 | sort | uniq` },
  { command: `docker inspect ${P}-web --format "{{.State.Status}} {{.Config.Image}} {{.Name}}"` },
  { command: `docker inspect -f "{{.State.Running}}" ${P}-web` },
  { command: `docker container inspect --format "{{json .Config.Cmd}}" ${P}-web` },
  { command: `docker stop -t 1 ${P}-talker` },
  { command: `docker ps -a --filter name=^${P}-talker --format "{{.Status}}" | cut -d" " -f1-2`, statusOnly: 'containers here run under an init, so the stop ends them with SIGTERM (143) where a shell as PID 1 ignores it until SIGKILL (137)' },
  { command: `docker start ${P}-talker && docker ps --filter name=^${P}-talker -q | wc -l` },
  { command: `docker restart -t 1 ${P}-talker` },
  { command: `docker kill ${P}-talker` },
  { command: `docker wait ${P}-talker` },
  { command: `docker rm ${P}-talker` },
  { command: `docker rm ${P}-nosuch 2>&1; echo "exit $?"` },
  { command: `docker rename ${P}-web ${P}-site && docker ps --filter name=^${P}-site --format "{{.Names}}"` },
  { command: `docker pause ${P}-site && docker ps --filter name=^${P}-site --format "{{.Status}}" | grep -o Paused` },
  { command: `docker unpause ${P}-site && docker ps --filter name=^${P}-site -q | wc -l` },
  { command: `docker diff ${P}-site | sort | head -n 3`, statusOnly: 'the engine lists the init it mounts differently from a host without --init' },
  { command: `docker run --name ${P}-once busybox echo done && docker ps -a --filter name=^${P}-once --format "{{.Status}}" | cut -d" " -f1-2` },
  { command: `docker container prune -f --filter label=none 2>&1 | head -n 1`, refused: 'filter' },
  { command: `docker rm -f $(docker ps -aq --filter name=^${P}-once)` },
  { command: `docker run -d --name ${P}-gone busybox true >/dev/null; sleep 1; docker rm -f $(docker ps -aq --filter name=^${P}-gone) | wc -l` },
  { command: 'docker run --rm busybox cat /etc/hostname | wc -c' },
  { command: 'docker run --rm -it busybox true 2>&1; echo "exit $?"' },
  { command: 'echo piped | docker run --rm -i busybox cat' },
  { command: 'docker run --rm busybox sh -c "ls / | head -n 3"' },
  // Ports.
  { command: `docker run -d --name ${P}-ports -p 8088:80 busybox sleep 300 >/dev/null && docker port ${P}-ports` },
  { command: `docker port ${P}-ports 80` },
  { command: `docker ps --filter name=^${P}-ports --format "{{.Ports}}"` },
  { command: `docker inspect ${P}-ports --format "{{json .HostConfig.PortBindings}}"` },
  { command: `docker rm -f ${P}-ports` },
  // Volumes.
  { command: `docker volume create ${P}-data` },
  { command: `docker volume ls --filter name=^${P}-data --format "{{.Name}} {{.Driver}}"` },
  { command: `docker volume inspect ${P}-data --format "{{.Name}} {{.Driver}}"` },
  { command: `docker run --rm -v ${P}-data:/data busybox sh -c "echo kept > /data/f" && docker run --rm -v ${P}-data:/data busybox cat /data/f` },
  { command: `docker run --rm --mount type=volume,source=${P}-data,target=/data busybox cat /data/f` },
  { command: `docker run --rm -v ${P}-data:/data:ro busybox sh -c "echo x > /data/g" 2>&1 | grep -o "Read-only file system"` },
  { command: `docker volume rm ${P}-data` },
  { command: 'docker run --rm -v /etc:/host busybox ls /host 2>&1 | head -n 1', refused: "host paths can't be mounted here" },
  { command: `docker run --rm -v "$PWD":/app busybox cat /app/index.html`, sandboxOnly: 'the twin has no workspace on the host to mount' },
  // Networks.
  { command: `docker network create ${P}-net | wc -c` },
  { command: `docker network ls --filter name=^${P}-net --format "{{.Name}} {{.Driver}}"` },
  { command: `docker run -d --name ${P}-peer --network ${P}-net busybox sleep 300 >/dev/null && docker run --rm --network ${P}-net busybox nslookup ${P}-peer | grep -c "^Name:"` },
  { command: `docker network inspect ${P}-net --format "{{.Name}} {{.Driver}}"` },
  { command: `docker rm -f ${P}-peer && docker network rm ${P}-net` },
  { command: 'docker run --rm --network host busybox true 2>&1 | head -n 1', refused: 'network' },
  // Refused by policy, each with one sentence.
  { command: 'docker run --rm --privileged busybox true 2>&1 | head -n 1', refused: 'privileged' },
  { command: 'docker run --rm --cap-add SYS_ADMIN busybox true 2>&1 | head -n 1', refused: 'capabilit' },
  { command: 'docker run --rm --pid host busybox true 2>&1 | head -n 1', refused: 'host' },
  { command: 'docker run --rm -m 4g busybox true 2>&1 | head -n 1', refused: 'limits are set by the sandbox' },
  { command: 'docker run --rm --device /dev/sda busybox true 2>&1 | head -n 1', refused: 'device' },
  // Templates, pipes and the shell around the CLI.
  { command: 'docker version --format "{{.Client.Version}}"' },
  { command: 'docker version --format "{{.Server.APIVersion}}"' },
  { command: 'docker info --format "{{.OSType}}"' },
  { command: 'docker --version | cut -d, -f1' },
  { command: `docker images --format "{{.Repository}}:{{.Tag}}" | grep -c "^busybox:latest$"` },
  { command: 'docker system df --format "{{.Type}}"' },
  { command: `docker commit $(docker run -d --name ${P}-c busybox sh -c "echo c > /c; sleep 300") ${P}-committed:v1 | wc -l && docker run --rm ${P}-committed:v1 cat /c` },
  { command: `docker save ${P}-committed:v1 | tar -t | grep -c manifest.json` },
  { command: `docker save -o img.tar ${P}-committed:v1 && docker rmi ${P}-committed:v1 >/dev/null && docker load -i img.tar | sed "s/^Loaded image: //"` },
  { command: `docker export ${P}-c | tar -t | grep -c "^c$"` },
  { command: `docker export ${P}-c | docker import - ${P}-flat:v1 | wc -l && docker run --rm ${P}-flat:v1 cat /c` },
  { command: `docker cp ${P}-c:/c ./copied && cat copied` },
  { command: `docker cp index.html ${P}-c:/index.html && docker exec ${P}-c cat /index.html` },
  { command: `docker stats --no-stream --format "{{.Name}}" ${P}-c` },
  { command: `docker rm -f ${P}-c && docker rmi ${P}-committed:v1 ${P}-flat:v1 | grep -c Untagged` },
  { command: 'docker swarm init 2>&1 | head -n 1', refused: 'not available in this sandbox' },
  { command: `docker rmi ${P}-app ${P}-app:v2 ${P}-howdy ${P}-stage ${P}-multi ${P}-fresh | grep -c "^Untagged"` },
];

/** What may differ between two engines' answers to the same command: IDs, digests, times, sizes, addresses. */
function masked(text: string): string {
  return text
    .replace(/sha256:[0-9a-f]{64}/g, '<digest>')
    .replace(/\b[0-9a-f]{64}\b/g, '<id>')
    .replace(/\b[0-9a-f]{12}\b/g, '<id>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)/g, '<time>')
    .replace(/\b(?:About an?|Less than a|\d+) (?:seconds?|minutes?|hours?|second|minute|hour)(?: ago)?/g, '<time>')
    .replace(/\b\d+(?:\.\d+)?\s?(?:B|kB|KB|KiB|MB|MiB|GB|GiB)\b/g, '<size>')
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g, '<ip>')
    .replace(/[ \t]{2,}/g, '  ')
    .trim();
}

let sandbox: TestSandbox;
let workbench: TestWorkbench;
let engine: Docker;
let twin: Docker.Container;
const results: { form: Form; sandbox: { output: string; exitCode: number }; engine?: { output: string; exitCode: number } }[] = [];

/** On a TTY, as the workbench side runs: `-it` and line ends behave alike. */
const inTwin = (script: string) => runOnTty(twin, script, { workingDir: WORKBENCH_WORKSPACE });

beforeAll(async () => {
  engine = connectEngine();
  sandbox = await startTestSandbox();
  const learner = await sandbox.newLearner({ Dockerfile: DOCKERFILE, 'Multi.Dockerfile': MULTISTAGE, 'index.html': '<h1>fidelity</h1>\n' });
  workbench = await openWorkbench(sandbox.server, learner);
  twin = await engine.createContainer({
    Image: WORKBENCH_REFERENCE,
    User: 'root',
    Cmd: ['sleep', 'infinity'],
    Labels: { 'org.layerlab.fidelity': P },
    HostConfig: { NetworkMode: 'none', Binds: [`/var/run/docker.sock:${WORKBENCH_SOCKET}`] },
  });
  await twin.start();
  const files = { Dockerfile: DOCKERFILE, 'Multi.Dockerfile': MULTISTAGE, 'index.html': '<h1>fidelity</h1>\n' };
  for (const [name, content] of Object.entries(files)) {
    await inTwin(`printf '%s' '${content.replace(/'/g, "'\\''")}' > ${name}`);
  }
  for (const form of FORMS) {
    // A refused form is never run on the engine itself: `swarm init` there would make this
    // machine's engine a swarm manager for every later test.
    const engineAnswer = form.refused ? undefined : await inTwin(form.command);
    results.push({ form, sandbox: await workbench.run(form.command), engine: engineAnswer });
  }
}, 900_000);

afterAll(async () => {
  // The twin's objects are the engine's own; take them away by their prefix.
  if (twin) {
    await inTwin(`docker rm -f $(docker ps -aq --filter name=^${P}-) >/dev/null 2>&1; docker rmi -f $(docker images -q "${P}-*") >/dev/null 2>&1; docker volume rm ${P}-data >/dev/null 2>&1; docker network rm ${P}-net >/dev/null 2>&1; true`).catch(() => undefined);
    await twin.remove({ force: true }).catch(() => undefined);
  }
  await sandbox?.close();
});

describe('fidelity: the same CLI through the boundary and straight on the engine', () => {
  it(`covers at least 100 command forms`, () => {
    expect(FORMS.length).toBeGreaterThanOrEqual(100);
  });

  it('gives what the engine gives, masked; or, where the policy says no, one sentence and a failure', () => {
    const differences: string[] = [];
    for (const { form, sandbox: ours, engine: theirs } of results) {
      if (form.refused) {
        const lines = ours.output.trim().split('\n').filter((line) => !/^exit \d+$/.test(line) && !line.startsWith('Using default tag'));
        if (!ours.output.includes(form.refused) || lines.length !== 1) {
          differences.push(`${form.command}\n  expected one refusal naming "${form.refused}", got: ${JSON.stringify(ours.output)}`);
        }
        continue;
      }
      if (form.sandboxOnly) {
        if (ours.exitCode !== 0) differences.push(`${form.command}\n  failed in the sandbox: ${JSON.stringify(ours.output)}`);
        continue;
      }
      if (!theirs) throw new Error(`${form.command} was not run on the engine`);
      if (ours.exitCode !== theirs.exitCode) {
        differences.push(`${form.command}\n  exit ${ours.exitCode} here, ${theirs.exitCode} on the engine\n  here:   ${JSON.stringify(ours.output)}\n  engine: ${JSON.stringify(theirs.output)}`);
        continue;
      }
      if (form.statusOnly) continue;
      if (masked(ours.output) !== masked(theirs.output)) {
        differences.push(`${form.command}\n  here:   ${JSON.stringify(masked(ours.output))}\n  engine: ${JSON.stringify(masked(theirs.output))}`);
      }
    }
    expect(differences, `${differences.length} of ${results.length} forms differ:\n${differences.join('\n')}`).toEqual([]);
  });
});
