import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { expect } from 'vitest';
import { LABEL, namespaceOf } from '../../sandbox-server/scope/namespace.ts';
import type { Learner } from './sandbox.ts';

/** Engine-side views for tests: what a session really owns, read past the terminal. */

export function namespaceOfLearner(learner: Learner): string {
  return namespaceOf(learner.sessionId);
}

export interface NamespaceObjects {
  /** The learner's containers (not the workbench). */
  containers: Docker.ContainerInfo[];
  /** The session's workbench container and its workspace volume (`llw-<ns>`), when they exist: the server's, not the learner's. */
  workbench: string[];
  /** Every tag in the namespace, learner tags (`ll-<ns>/`) and keep tags (`llk-<ns>/`). */
  imageTags: string[];
  /** The learner's volumes (not the workspace). */
  volumes: string[];
  networks: string[];
}

export async function objectsOf(docker: Docker, namespace: string): Promise<NamespaceObjects> {
  const filter = { label: [`${LABEL.session}=${namespace}`] };
  const images = await docker.listImages();
  const workbench = `llw-${namespace}`;
  const containers = await docker.listContainers({ all: true, filters: filter });
  const volumes = ((await docker.listVolumes({ filters: filter })).Volumes ?? []).map((volume) => volume.Name);
  return {
    containers: containers.filter((container) => !container.Names.includes(`/${workbench}`)),
    workbench: [
      ...containers.filter((container) => container.Names.includes(`/${workbench}`)).map(() => `container ${workbench}`),
      ...volumes.filter((name) => name === workbench).map(() => `volume ${workbench}`),
    ],
    imageTags: images
      .flatMap((image) => image.RepoTags ?? [])
      .filter((tag) => tag.startsWith(`ll-${namespace}/`) || tag.startsWith(`llk-${namespace}/`)),
    volumes: volumes.filter((name) => name !== workbench),
    networks: (await docker.listNetworks({ filters: filter })).map((network) => network.Name),
  };
}

export function isEmpty(objects: NamespaceObjects): boolean {
  return (
    objects.containers.length === 0 &&
    objects.workbench.length === 0 &&
    objects.imageTags.length === 0 &&
    objects.volumes.length === 0 &&
    objects.networks.length === 0
  );
}

export function randomHex(length: number): string {
  return randomBytes(Math.ceil(length / 2)).toString('hex').slice(0, length);
}

/**
 * Runs the command against `target` and against `madeUp`, a name that never existed, and expects
 * the same exit status and the same output once each name is blanked out.
 */
export async function expectAnswersAsMissing(
  learner: Learner,
  command: (name: string) => string,
  target: string,
  madeUp: string,
): Promise<void> {
  const real = await learner.run(command(target));
  const fake = await learner.run(command(madeUp));
  // "name:tag" also shows as "name" (e.g. "pull access denied for name").
  const blank = (text: string, name: string) => {
    const spellings = [name, ...(/^[^:]+:[^:/]+$/.test(name) && !name.startsWith('sha256:') ? [name.split(':')[0]!] : [])];
    return spellings.reduce((result, spelling) => result.split(spelling).join('<NAME>'), text);
  };
  expect(
    { exitCode: real.exitCode, output: blank(real.output, target) },
    `"${command(target)}" should answer as "${command(madeUp)}" does`,
  ).toEqual({ exitCode: fake.exitCode, output: blank(fake.output, madeUp) });
}

/** One line of text, as a refusal should be: not empty, no second line. */
export function expectOneLine(output: string): string {
  const lines = output.split('\n').filter((line) => line.trim() !== '');
  expect(lines, `expected one line, got:\n${output}`).toHaveLength(1);
  return lines[0]!;
}

/**
 * The sentence of a refusal as the real docker CLI prints the boundary's answer: one error line
 * ("docker: Error response from daemon: …" or "Error response from daemon: …"), and at most the
 * CLI's own "See 'docker run --help'." after it. Returns the daemon's sentence alone.
 */
export function daemonRefusal(output: string): string {
  const lines = output.split('\n').filter((line) => line.trim() !== '' && !/^See 'docker [a-z ]+--help'\.$/.test(line));
  expect(lines, `expected one error line, got:\n${output}`).toHaveLength(1);
  const marker = 'Error response from daemon: ';
  const at = lines[0]!.indexOf(marker);
  expect(at, `expected the daemon's error, got:\n${output}`).toBeGreaterThanOrEqual(0);
  return lines[0]!.slice(at + marker.length);
}

/**
 * Builds straight on the engine, past the sandbox: for controls ("the engine itself would …") and
 * for planting images a learner could never make. Returns the image ID, or the engine's error.
 */
export async function buildOnEngine(
  docker: Docker,
  dockerfile: string,
  files: Record<string, string> = {},
  tag?: string,
): Promise<{ id?: string; error?: string }> {
  const { makeBuildContext } = await import('../../sandbox-server/build/context.ts');
  const context = await makeBuildContext(new Map([...Object.entries(files), ['Dockerfile', '']]), 'Dockerfile', dockerfile);
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.buildImage(context.stream, {
      version: '1',
      networkmode: 'none',
      rm: true,
      forcerm: true,
      ...(tag ? { t: tag } : {}),
    } as Docker.ImageBuildOptions);
  } catch (error) {
    // A Dockerfile the parser refuses is answered with HTTP 400 before any stream.
    return { error: (error as Error).message };
  }
  const events = await new Promise<{ aux?: { ID?: string }; error?: string }[]>((resolve, reject) =>
    docker.modem.followProgress(stream, (error: Error | null, output: { aux?: { ID?: string }; error?: string }[]) =>
      error ? reject(error) : resolve(output),
    ),
  );
  const error = events.find((event) => event.error)?.error;
  return error ? { error } : { id: events.find((event) => event.aux?.ID)?.aux?.ID };
}
