import type Docker from 'dockerode';
import { withTimeout } from '../engine/connect.ts';
import { startProbe } from '../engine/runc-start-race.ts';
import type { VersionProbe } from './stand-in-recipe.ts';

const PROBE_TIMEOUT_MS = 60_000;

export interface CommandResult {
  exitCode: number;
  /** stdout and stderr, interleaved as the container wrote them. */
  output: string;
}

/** Runs a command in a throwaway container (no network) and returns what it printed. */
export async function runInImage(docker: Docker, image: string, command: string[]): Promise<CommandResult> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: command,
    Labels: { 'org.layerlab.stand-in.probe': 'true' },
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    await startProbe(container);
    const { StatusCode } = (await withTimeout(container.wait(), PROBE_TIMEOUT_MS, `${command.join(' ')} in ${image}`)) as {
      StatusCode: number;
    };
    const logs = await container.logs({ stdout: true, stderr: true, follow: false });
    return { exitCode: StatusCode, output: demultiplex(logs) };
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
}

/**
 * Reads every probe's version out of an image with one container: each probe's output is
 * preceded by a marker line, then matched against its pattern.
 */
export async function probeVersions(docker: Docker, image: string, probes: VersionProbe[]): Promise<Record<string, string>> {
  const script = probes.map((probe) => `echo '@@${probe.name}'; (${probe.command}) 2>&1`).join('; ');
  const { output } = await runInImage(docker, image, ['sh', '-c', script]);
  const sections = new Map<string, string>();
  for (const section of output.split(/^@@/m).slice(1)) {
    const newline = section.indexOf('\n');
    sections.set(section.slice(0, newline === -1 ? undefined : newline), newline === -1 ? '' : section.slice(newline + 1));
  }
  const versions: Record<string, string> = {};
  for (const probe of probes) {
    const printed = sections.get(probe.name) ?? '';
    const version = new RegExp(probe.pattern, 'm').exec(printed)?.[1];
    if (!version) {
      const firstLine = printed.trim().split('\n')[0] || 'nothing';
      throw new Error(`\`${probe.command}\` printed no ${probe.name} version (it printed: ${firstLine})`);
    }
    versions[probe.name] = version;
  }
  return versions;
}

/** Turns the engine's multiplexed log frames (8-byte header, then payload) into text. */
function demultiplex(raw: Buffer | NodeJS.ReadableStream): string {
  if (!Buffer.isBuffer(raw)) return '';
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= raw.length) {
    const size = raw.readUInt32BE(offset + 4);
    parts.push(raw.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}
