import Docker from 'dockerode';

/**
 * Opens a client for the engine named by DOCKER_HOST, or the default socket.
 * dockerode reads DOCKER_HOST itself when no options are given.
 */
export function connectEngine(): Docker {
  return new Docker();
}

/** Describes where the client looks for the engine, for messages. */
export function engineAddress(): string {
  return process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

/** Resolves true when the engine answers a ping within the timeout. */
export async function engineAnswers(docker: Docker, timeoutMs = 2000): Promise<boolean> {
  try {
    await withTimeout(docker.ping(), timeoutMs);
    return true;
  } catch {
    return false;
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what = 'the engine'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
