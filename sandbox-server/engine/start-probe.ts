import type Docker from 'dockerode';

/**
 * Starts a probe container (the engine checks before serving anyone). runc 1.1 on a loaded host
 * can fail a fresh container's start when its process ends at once, with "cannot start an already
 * running container" or "cannot start a stopped process" (both seen in CI on probes that only run
 * `cat` or `grep`); the engine then has it stopped, and starting it again runs it. Any other
 * failure is the probe's answer.
 */
export async function startProbe(container: Docker.Container): Promise<void> {
  try {
    await container.start();
  } catch (error) {
    if (!/cannot start (?:an already running container|a stopped process)/.test((error as Error).message)) throw error;
    await container.start();
  }
}
