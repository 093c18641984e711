import { registryPort } from './address.ts';

/** The class registry's HTTP API (Docker Registry v2), as the server uses it for checks and clean-up. */

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
].join(', ');

function base(): string {
  return `http://127.0.0.1:${registryPort()}/v2`;
}

/** 200 when an open registry answers, 401 when it wants a login, undefined when nothing does. */
export async function probeRegistry(): Promise<number | undefined> {
  try {
    return (await fetch(`${base()}/`, { signal: AbortSignal.timeout(2000) })).status;
  } catch {
    return undefined;
  }
}

/** The manifest digest of repository:tag, or undefined when it was never pushed. */
export async function manifestDigest(repository: string, tag: string): Promise<string | undefined> {
  const response = await fetch(`${base()}/${repository}/manifests/${encodeURIComponent(tag)}`, {
    method: 'HEAD',
    headers: { accept: MANIFEST_TYPES },
    signal: AbortSignal.timeout(5000),
  });
  return response.ok ? (response.headers.get('docker-content-digest') ?? undefined) : undefined;
}

async function json<T>(path: string): Promise<T | undefined> {
  const response = await fetch(`${base()}${path}`, { signal: AbortSignal.timeout(5000) });
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
      const response = await fetch(`${base()}/${repository}/manifests/${digest}`, { method: 'DELETE', signal: AbortSignal.timeout(5000) });
      if (response.ok) deleted += 1;
    }
  }
  return deleted;
}
