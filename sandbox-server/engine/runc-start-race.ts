import type Docker from 'dockerode';

/**
 * runc 1.1 on a loaded host can fail a fresh container's start when its process ends at once, with
 * "cannot start an already running container" or "cannot start a stopped process" (both seen in CI:
 * on probes that only run `cat` or `grep`, and on a server's lease, whose `cat` reads the attached
 * stdin). The engine then has the container stopped, and starting it again runs it. Neither message
 * can come from anything the caller did: the engine answers 304 to a start of a running container.
 */
export function isRuncStartRace(error: unknown): boolean {
  return /cannot start (?:an already running container|a stopped process)/.test((error as Error)?.message ?? '');
}

/** Starts a probe container (the engine checks before serving anyone); any failure but the race is the probe's answer. */
export async function startProbe(container: Docker.Container): Promise<void> {
  try {
    await container.start();
  } catch (error) {
    if (!isRuncStartRace(error)) throw error;
    await container.start();
  }
}
