/**
 * The workspace's code arrives in chunks that load on demand (the workspace, Monaco, xterm). A
 * learner's Wi-Fi handing over, or a host whose interfaces change, aborts loads in flight
 * (Chromium's ERR_NETWORK_CHANGED). Browsers that follow the current HTML standard fetch a module
 * that failed again on the next import(), so a dropped chunk is asked for twice more before the
 * learner is told.
 */
export const CODE_UNREACHABLE = "The workspace's code didn't arrive (the network dropped it): reload the page. Your edits are kept in this browser.";

const PAUSES_MS = [500, 2000];

export async function importAgainOnFailure<T>(load: () => Promise<T>): Promise<T> {
  for (const pause of PAUSES_MS) {
    try {
      return await load();
    } catch {
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
  return load();
}
