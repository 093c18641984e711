import { registryPort } from './address.ts';
import { basicAuthorization } from './credentials.ts';

/** The class registry's HTTP API (Docker Registry v2), as the server uses it for checks and clean-up. */

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
].join(', ');

function base(): string {
  return `http://127.0.0.1:${registryPort()}/v2`;
}

/**
 * The registry's answer to /v2/: 200 when it lets this request in, 401 when it wants a login,
 * undefined when nothing answers. `withLogin` sends the server's own.
 */
export async function probeRegistry(withLogin = true): Promise<number | undefined> {
  try {
    const headers = withLogin ? { authorization: basicAuthorization() } : undefined;
    return (await fetch(`${base()}/`, { headers, signal: AbortSignal.timeout(2000) })).status;
  } catch {
    return undefined;
  }
}

/** Every call the server makes carries its login. */
function call(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${base()}${path}`, {
    ...init,
    headers: { ...(init.headers as Record<string, string>), authorization: basicAuthorization() },
    signal: AbortSignal.timeout(5000),
  });
}

/** The manifest digest of repository:tag, or undefined when it was never pushed. */
export async function manifestDigest(repository: string, tag: string): Promise<string | undefined> {
  const response = await call(`/${repository}/manifests/${encodeURIComponent(tag)}`, { method: 'HEAD', headers: { accept: MANIFEST_TYPES } });
  return response.ok ? (response.headers.get('docker-content-digest') ?? undefined) : undefined;
}

async function json<T>(path: string): Promise<T | undefined> {
  const response = await call(path);
  return response.ok ? ((await response.json()) as T) : undefined;
}

/** Every repository in the registry, a page (the most it serves at once) at a time. */
async function repositories(): Promise<string[]> {
  const all: string[] = [];
  const page = 1000;
  while (true) {
    const last = all.at(-1);
    const query = `/_catalog?n=${page}${last ? `&last=${encodeURIComponent(last)}` : ''}`;
    const names = (await json<{ repositories?: string[] }>(query))?.repositories ?? [];
    all.push(...names);
    if (names.length < page) return all;
  }
}

/**
 * Deletes every manifest under `<namespace>/`, which is how a session's pushes end with it.
 * Layers stay on disk until the registry's garbage collection, run each time the server starts it.
 */
export async function deleteNamespace(namespace: string): Promise<number> {
  if ((await probeRegistry()) !== 200) return 0;
  let deleted = 0;
  for (const repository of (await repositories()).filter((name) => name.startsWith(`${namespace}/`))) {
    const tags = (await json<{ tags?: string[] | null }>(`/${repository}/tags/list`))?.tags ?? [];
    for (const tag of tags) {
      const digest = await manifestDigest(repository, tag);
      if (!digest) continue;
      const response = await call(`/${repository}/manifests/${digest}`, { method: 'DELETE' });
      if (response.ok) deleted += 1;
    }
  }
  return deleted;
}
