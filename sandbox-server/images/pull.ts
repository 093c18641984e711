import type Docker from 'dockerode';
import { eventError, readEngineStream } from '../engine/engine-streams.ts';

/** Long enough for a small image on a slow link to start arriving; short enough not to stall start-up. */
export const PULL_TIMEOUT_MS = 20_000;

/** For an image the catalogue says to pull from a configured registry or mirror: a large image on a slow link. */
export const CATALOGUE_PULL_TIMEOUT_MS = 15 * 60_000;

/**
 * Pulls `reference` from its registry. Rejects if the engine reports an error (here, with no
 * registry reachable, that takes about 25 ms: the registry's name does not resolve) or if the
 * pull has not finished within the timeout.
 */
export async function pullImage(docker: Docker, reference: string, timeoutMs = PULL_TIMEOUT_MS): Promise<void> {
  const abort = AbortSignal.timeout(timeoutMs);
  try {
    const stream = await docker.pull(reference, { abortSignal: abort });
    let failure: string | undefined;
    await readEngineStream(stream, (event) => {
      failure ??= eventError(event);
    });
    if (failure) throw new Error(failure);
  } catch (error) {
    if (abort.aborted) throw new Error(`pulling ${reference} did not finish within ${timeoutMs / 1000} s`);
    throw new Error(`pulling ${reference} failed: ${(error as Error).message}`);
  }
}
