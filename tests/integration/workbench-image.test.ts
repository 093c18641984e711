import { beforeAll, describe, expect, it } from 'vitest';
import { connectEngine } from '../../sandbox-server/engine/connect.ts';
import { ensureServerImages, type EnsureReport } from '../../sandbox-server/images/ensure.ts';
import { runInImage } from '../../sandbox-server/images/probe.ts';
import { recipeHash } from '../../sandbox-server/images/recipe-hash.ts';
import { STAND_IN_LABELS } from '../../sandbox-server/images/stand-ins.ts';
import {
  WORKBENCH_HOSTNAME,
  WORKBENCH_IMAGE,
  WORKBENCH_LABEL,
  WORKBENCH_REFERENCE,
  WORKBENCH_WORKSPACE,
} from '../../sandbox-server/workbench/image.ts';
import { plain } from '../support/terminal-text.ts';
import { startTestSandbox } from '../support/sandbox.ts';

const docker = connectEngine();
let reports: EnsureReport[] = [];

beforeAll(async () => {
  // npm test's set-up made it (as npm start does); cold, this installs Debian packages for about 40 s.
  reports = await ensureServerImages(docker, [WORKBENCH_IMAGE]);
}, 600_000);

async function workbench(script: string): Promise<string> {
  const result = await runInImage(docker, WORKBENCH_REFERENCE, ['bash', '-c', script]);
  expect(result.exitCode, `${script}: ${result.output}`).toBe(0);
  return result.output;
}

describe('the workbench image', () => {
  it('is made once and then found present, labelled with its recipe and what it holds', async () => {
    expect(reports.find((report) => report.reference === WORKBENCH_REFERENCE)?.action).toBe('present');
    const { Config } = await docker.getImage(WORKBENCH_REFERENCE).inspect();
    expect(Config.Labels?.[WORKBENCH_LABEL]).toBe('true');
    expect(Config.Labels?.[STAND_IN_LABELS.recipe]).toBe(recipeHash(WORKBENCH_IMAGE));
    expect(Config.Labels?.[STAND_IN_LABELS.source]).toMatch(/bash 5\.\d+\.\d+, the Docker CLI 20\.10\.\d+ .* docker-compose 1\.29\.\d+/);
    expect(Config.User).toBe('learner');
    expect(Config.WorkingDir).toBe(WORKBENCH_WORKSPACE);
  });

  it("has the Docker CLI of the engine's own version, and no daemon", async () => {
    const engine = await docker.version();
    const client = await workbench('docker version --format "{{.Client.Version}}" 2>/dev/null; true');
    expect(engine.Version.startsWith(client.trim().split('+')[0]!)).toBe(true);
    expect(await workbench('command -v dockerd containerd runc || echo none')).toBe('none\n');
  });

  it('runs Compose both as docker compose and as docker-compose', async () => {
    expect(await workbench('docker compose version --short')).toBe('1.29.2\n');
    expect(await workbench('docker-compose version --short')).toBe('1.29.2\n');
    // The CLI lists the plugin, so `docker --help` shows it as a command.
    expect(await workbench('docker --help')).toMatch(/^\s+compose\*?\s+Docker Compose/m);
  });

  it('has the tools a tutorial uses, and completion for docker', async () => {
    expect(await workbench('for tool in bash curl nano vim.tiny less jq tree ps ip; do command -v "$tool" >/dev/null || echo "missing $tool"; done')).toBe('');
    expect(await workbench('source /usr/share/bash-completion/bash_completion; _completion_loader docker; complete -p docker')).toMatch(/-F _docker docker/);
  });

  it('runs as learner, whose shell and prompt read learner@layerlab:~/workspace$', async () => {
    const container = await docker.createContainer({
      Image: WORKBENCH_REFERENCE,
      Cmd: ['bash', '-ic', 'echo "${PS1@P}"; id -un; pwd'],
      Hostname: WORKBENCH_HOSTNAME,
      Tty: true,
      HostConfig: { NetworkMode: 'none' },
    });
    await container.start();
    await container.wait();
    const logs = (await container.logs({ stdout: true, stderr: true, follow: false })).toString('utf8');
    await container.remove({ force: true });
    // In colour, as Debian's bash draws it for an xterm-256color terminal (\x01 and \x02 bracket what readline doesn't count).
    expect(plain(logs).replace(/[\x01\x02]/g, '')).toContain('learner@layerlab:~/workspace$ \nlearner\n/home/learner/workspace\n');
    expect(logs).toMatch(/\x1b\[01;32m\x02?learner@layerlab/);
  });

  it("finds the engine where the CLI, Compose and curl look for it: the boundary's folder", async () => {
    expect(await workbench('readlink -m /var/run/docker.sock')).toBe('/run/layerlab/docker.sock\n');
  });

  it("never shows in a learner's docker images", async () => {
    const sandbox = await startTestSandbox();
    try {
      const learner = await sandbox.newLearner({});
      const images = await learner.run('docker images');
      expect(images.exitCode).toBe(0);
      expect(images.output).toMatch(/^REPOSITORY\s/);
      expect(images.output).not.toMatch(/workbench/);
      const inspect = await learner.run('docker image inspect layerlab-workbench');
      expect(inspect.output).toMatch(/No such image: layerlab-workbench/);
      const run = await learner.run('docker run --rm layerlab-workbench true');
      expect(run.exitCode).not.toBe(0);
    } finally {
      await sandbox.close();
    }
  });
});
