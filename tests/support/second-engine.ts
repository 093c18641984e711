import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import Docker from 'dockerode';
import { engineAnswers } from '../../sandbox-server/engine/connect.ts';

/**
 * A second Docker Engine on this machine, as a second host would have its own: its own data
 * root, exec root, socket, pid file and default bridge, and no iptables rules of its own (the
 * machine's rules belong to the first engine; sessions' networks need none). Never `--bridge
 * none`: dockerd then deletes the host's docker0, the first engine's. It starts with the images
 * copied from the first engine, so it needs no registry and no builds.
 */
export interface SecondEngine {
  docker: Docker;
  socket: string;
  /** Kills dockerd outright, as a host that dies would lose it. */
  kill(): void;
  /** Starts it again on the same folders (after kill), as a host coming back would. */
  restart(): Promise<void>;
  /** Stops it (its containers with it) and removes its folders. */
  remove(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startSecondEngine(name: string, images: string[]): Promise<SecondEngine> {
  // Short: a Unix socket's path is at most 107 bytes, and the sandbox's own sockets live under it.
  const execRoot = `/run/ll-${name}`;
  const dataRoot = `/var/lib/layerlab-test-engines/${name}`;
  const socket = `${execRoot}/docker.sock`;
  mkdirSync(execRoot, { recursive: true });
  mkdirSync(dataRoot, { recursive: true });
  const docker = new Docker({ socketPath: socket });
  const bridge = `ll-${name}0`;
  // dockerd's -b names a bridge that exists already; its subnet is outside the first engine's pools.
  spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
  for (const args of [['link', 'add', bridge, 'type', 'bridge'], ['addr', 'add', '10.211.255.1/24', 'dev', bridge], ['link', 'set', bridge, 'up']]) {
    const made = spawnSync('ip', args, { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${made.stderr}`);
  }
  let daemon: ChildProcess | undefined;

  const start = async () => {
    const log = openSync(`${dataRoot}.log`, 'a');
    daemon = spawn(
      'dockerd',
      ['--data-root', dataRoot, '--exec-root', execRoot, '--host', `unix://${socket}`, '--pidfile', `${execRoot}/docker.pid`,
        '--bridge', bridge, '--iptables=false', '--ip-masq=false', '--no-new-privileges'],
      { stdio: ['ignore', log, log] },
    );
    for (let waited = 0; !(await engineAnswers(docker, 500)); waited += 250) {
      if (daemon.exitCode !== null || waited > 30_000) throw new Error(`the second engine did not start; see ${dataRoot}.log`);
      await sleep(250);
    }
  };
  const stop = async () => {
    if (!daemon || daemon.exitCode !== null) return;
    const exited = new Promise((resolve) => daemon!.once('exit', resolve));
    daemon.kill('SIGTERM');
    await exited;
  };

  await start();
  const copy = spawnSync('sh', ['-c', `docker save ${images.join(' ')} | docker -H unix://${socket} load`], { encoding: 'utf8' });
  if (copy.status !== 0) throw new Error(`copying ${images.join(', ')} to the second engine failed: ${copy.stderr}`);
  return {
    docker,
    socket,
    kill: () => daemon?.kill('SIGKILL'),
    restart: start,
    async remove() {
      // A killed dockerd leaves its containers to their shims; one started again takes them back and stops them.
      if (!daemon || daemon.exitCode !== null || daemon.signalCode !== null) await start();
      for (const container of await docker.listContainers({ all: true })) await docker.getContainer(container.Id).remove({ force: true }).catch(() => undefined);
      await stop();
      // dockerd bind-mounts its data root onto itself; what it left mounted goes first, deepest first.
      const mounts = readFileSync('/proc/self/mounts', 'utf8')
        .split('\n')
        .map((line) => line.split(' ')[1] ?? '')
        .filter((point) => point.startsWith(dataRoot) || point.startsWith(execRoot))
        .sort((x, y) => y.length - x.length);
      for (const point of mounts) spawnSync('umount', ['--lazy', point]);
      rmSync(dataRoot, { recursive: true, force: true });
      rmSync(`${dataRoot}.log`, { force: true });
      rmSync(execRoot, { recursive: true, force: true });
      spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
    },
  };
}
