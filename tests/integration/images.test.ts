import { beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { connectEngine } from '../../sandbox-server/engine/connect.ts';
import { imageReferences, primaryReference, startImages } from '../../sandbox-server/images/catalogue.ts';
import { ensureCatalogue, type EnsureReport } from '../../sandbox-server/images/ensure.ts';
import { runInImage } from '../../sandbox-server/images/probe.ts';
import { recipeHash } from '../../sandbox-server/images/recipe-hash.ts';
import { STAND_IN_LABELS } from '../../sandbox-server/images/stand-ins.ts';

const docker = connectEngine();

// The capabilities the sandbox leaves a learner's container; nginx must serve with only these.
const SANDBOX_CAPABILITIES = ['CHOWN', 'SETUID', 'SETGID', 'FOWNER', 'DAC_OVERRIDE', 'NET_BIND_SERVICE', 'KILL'];

let firstRun: EnsureReport[] = [];
const firstRunLog: string[] = [];

beforeAll(async () => {
  // Cold, this debootstraps Debian and installs packages: about a minute on a 2-core machine.
  firstRun = await ensureCatalogue(docker, { log: (line) => firstRunLog.push(line) });
}, 600_000);

async function output(image: string, command: string[]): Promise<string> {
  const result = await runInImage(docker, image, command);
  expect(result.exitCode, `${command.join(' ')} in ${image}: ${result.output}`).toBe(0);
  return result.output;
}

describe('ensureCatalogue', () => {
  it('reports every image prepared at start once, and no other', () => {
    expect(firstRun.map((report) => report.reference).sort()).toEqual(startImages().map(primaryReference).sort());
    expect(firstRunLog.length).toBeGreaterThanOrEqual(startImages().length);
  });

  it('makes every reference of those images present', async () => {
    for (const reference of startImages().flatMap(imageReferences)) {
      const info = await docker.getImage(reference).inspect();
      expect(info.RepoTags, reference).toContain(reference);
    }
  });

  it('points aliases at the same image ID as the primary tag', async () => {
    for (const image of startImages()) {
      const ids = await Promise.all(
        imageReferences(image).map(async (reference) => (await docker.getImage(reference).inspect()).Id),
      );
      expect(new Set(ids).size, primaryReference(image)).toBe(1);
    }
  });

  it('labels each stand-in with its source, version and current recipe', async () => {
    for (const image of startImages()) {
      const info = await docker.getImage(primaryReference(image)).inspect();
      const labels = info.Config.Labels ?? {};
      if (labels[STAND_IN_LABELS.standIn] !== 'true') {
        // Not a stand-in, so it can only have come from a registry.
        expect(info.RepoDigests.length, primaryReference(image)).toBeGreaterThan(0);
        continue;
      }
      expect(labels[STAND_IN_LABELS.recipe], primaryReference(image)).toBe(recipeHash(image));
      const version = labels[STAND_IN_LABELS.version] ?? '';
      expect(version.startsWith(image.standIn?.claims ?? ''), primaryReference(image)).toBe(true);
      expect(labels[STAND_IN_LABELS.source], primaryReference(image)).toContain(version);
      expect(labels[STAND_IN_LABELS.source], primaryReference(image)).not.toMatch(/\{\w+\}/);
    }
  });

  it('reports every image present on a second call, in well under a second', async () => {
    const started = performance.now();
    const again = await ensureCatalogue(docker);
    const seconds = (performance.now() - started) / 1000;
    expect(again.map((report) => report.action)).toEqual(startImages().map(() => 'present'));
    expect(seconds).toBeLessThan(1);
  });

  it('puts back an alias that was removed, without rebuilding', async () => {
    const primaryId = (await docker.getImage('nginx:1.22').inspect()).Id;
    await docker.getImage('nginx:latest').remove();
    const reports = await ensureCatalogue(docker, { only: ['nginx'] });
    expect(reports).toEqual([expect.objectContaining({ reference: 'nginx:1.22', action: 'present' })]);
    expect((await docker.getImage('nginx:latest').inspect()).Id).toBe(primaryId);
  });

  it('refuses a name that is not in the catalogue', async () => {
    await expect(ensureCatalogue(docker, { only: ['alpine'] })).rejects.toThrow(/not in the image catalogue/);
  });
});

describe('the catalogue images', () => {
  it('busybox runs a shell command', async () => {
    expect(await output('busybox:latest', ['sh', '-c', 'echo ok'])).toBe('ok\n');
    expect(await output('busybox:1.35', ['sh', '-c', 'ls -ld /tmp && id -un nobody'])).toMatch(/^drwxrwxrwt .*\nnobody\n$/);
  });

  it('debian has bash and apt, without docs', async () => {
    expect(await output('debian:bookworm-slim', ['cat', '/etc/debian_version'])).toMatch(/^12\./);
    expect(await output('debian:12-slim', ['bash', '-c', 'apt-get --version | head -n 1; ls /usr/share/man | wc -l'])).toMatch(
      /^apt \S+.*\n0\n$/,
    );
  });

  it('node:18-slim runs Node.js 18 and npm', async () => {
    expect(await output('node:18-slim', ['node', '--version'])).toMatch(/^v18\.\d+\.\d+\n$/);
    expect(await output('node:18-slim', ['npm', '--version'])).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('python:3.11-slim runs Python 3.11, as python too, with pip', async () => {
    expect(await output('python:3.11-slim', ['python3', '--version'])).toMatch(/^Python 3\.11\.\d+\n$/);
    expect(await output('python:3.11-slim', ['python', '-c', 'import sys; print(sys.version_info[:2])'])).toBe('(3, 11)\n');
    expect(await output('python:3.11-slim', ['pip', '--version'])).toMatch(/^pip \S+ from .*\(python 3\.11\)\n$/);
  });

  it('nginx:1.22 is nginx 1.22', async () => {
    expect(await output('nginx:1.22', ['nginx', '-v'])).toMatch(/nginx\/1\.22\.\d+/);
  });

  it('nginx serves its welcome page with only the sandbox capabilities, and logs to stdout', async () => {
    const container = await docker.createContainer({
      Image: 'nginx:latest',
      Labels: { 'org.layerlab.test': 'images' },
      HostConfig: {
        CapDrop: ['ALL'],
        CapAdd: SANDBOX_CAPABILITIES,
        SecurityOpt: ['no-new-privileges'],
        Init: true,
        NetworkMode: 'bridge',
      },
    });
    try {
      await container.start();
      const address = (await container.inspect()).NetworkSettings.Networks.bridge?.IPAddress;
      expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

      // From another container on the same network, as a learner's second container would.
      const fetched = await fetchFromContainer(docker, `http://${address}/`);
      expect(fetched).toContain('Welcome to nginx!');

      const logs = (await container.logs({ stdout: true, stderr: true, follow: false })).toString('utf8');
      expect(logs).toContain('"GET / HTTP/1.1" 200');
      expect((await container.inspect()).State.Running).toBe(true);
    } finally {
      await container.remove({ force: true });
    }
  });
});

/** Fetches a URL with busybox wget from a container on the default bridge, retrying while the server starts. */
async function fetchFromContainer(docker: Docker, url: string): Promise<string> {
  const script = `for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- "${url}" && exit 0; sleep 0.5; done; exit 1`;
  const container = await docker.createContainer({
    Image: 'busybox:latest',
    Cmd: ['sh', '-c', script],
    Labels: { 'org.layerlab.test': 'images' },
    HostConfig: { NetworkMode: 'bridge' },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const logs = (await container.logs({ stdout: true, stderr: true, follow: false })).toString('utf8');
    expect(StatusCode, logs).toBe(0);
    return logs;
  } finally {
    await container.remove({ force: true });
  }
}
