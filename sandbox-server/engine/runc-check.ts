import type Docker from 'dockerode';

/**
 * CVE-2024-21626 ("Leaky Vessels"): runc before 1.1.12 leaked a host directory's file descriptor
 * into the container, so a working directory of /proc/self/fd/N started the container inside the
 * host's filesystem. The sandbox refuses such working directories however they are spelled, but
 * a symlink made inside an image can still point at one; only a fixed runc stops that. Version
 * strings don't settle it (Debian backports the fix into 1.1.5+ds1-1+deb12u1), so the engine is
 * tried: a container is started in each likely descriptor, and on a fixed runc none may start.
 */

export class RuncVulnerableError extends Error {}

/** The descriptors runc has been seen to leak (7 and 8 on most hosts), with a margin. */
const DESCRIPTORS = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

export interface RuncProbe {
  descriptor: number;
  /** The container started: its working directory was a host directory. */
  started: boolean;
  message?: string;
}

/** The verdict on the probes: a sentence to refuse the engine with, or undefined when it is fixed. */
export function runcVerdict(probes: RuncProbe[], runcVersion: string): string | undefined {
  const escaped = probes.filter((probe) => probe.started);
  // A probe refused for another reason (no image, no memory) proves nothing about runc.
  const unclear = probes.find((probe) => !probe.started && !probe.message?.includes(`/proc/self/fd/${probe.descriptor}`));
  if (escaped.length === 0 && unclear) {
    return `Could not tell whether the Docker Engine's runc (${runcVersion}) has the fix for CVE-2024-21626: a probe container failed for another reason (${unclear.message ?? 'no message'}).`;
  }
  if (escaped.length === 0) return undefined;
  return `The Docker Engine's runc (${runcVersion}) lacks the fix for CVE-2024-21626: a container started with its working directory at /proc/self/fd/${escaped[0]!.descriptor}, inside the host's filesystem; upgrade runc to 1.1.12 or later (Debian: apt-get install --only-upgrade runc), then start again.`;
}

export async function checkRuncFixed(docker: Docker, probeImage: string): Promise<string> {
  const info = (await docker.info()) as { RuncCommit?: { ID?: string } };
  const version = info.RuncCommit?.ID ?? 'unknown version';
  const probes = await Promise.all(DESCRIPTORS.map((descriptor) => probe(docker, probeImage, descriptor)));
  const verdict = runcVerdict(probes, version);
  if (verdict) throw new RuncVulnerableError(verdict);
  return version;
}

async function probe(docker: Docker, image: string, descriptor: number): Promise<RuncProbe> {
  const container = await docker.createContainer({
    name: `layerlab-runc-probe-${process.pid}-${descriptor}-${Date.now()}`,
    Image: image,
    Cmd: ['true'],
    WorkingDir: `/proc/self/fd/${descriptor}`,
    NetworkDisabled: true,
    HostConfig: { NetworkMode: 'none', CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], ReadonlyRootfs: true, Memory: 16 * 1024 ** 2, MemorySwap: 16 * 1024 ** 2, PidsLimit: 4 },
  });
  try {
    await container.start();
    return { descriptor, started: true };
  } catch (error) {
    return { descriptor, started: false, message: (error as Error).message };
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}
