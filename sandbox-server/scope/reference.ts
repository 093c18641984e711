/**
 * Image references in the grammar of github.com/distribution/reference, so the terminal accepts and
 * refuses exactly the names the docker CLI does.
 */

export interface ImageReference {
  /** Registry host, absent for Docker Hub. */
  domain?: string;
  /** Repository path in familiar form: "nginx", "myorg/app". */
  path: string;
  tag?: string;
  digest?: string;
}

export class InvalidReferenceError extends Error {}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$/;
const HUB_DOMAINS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

export function parseReference(text: string): ImageReference {
  if (text.length === 0 || text.length > 255) throw new InvalidReferenceError('invalid reference format');
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new InvalidReferenceError('invalid reference format');
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) throw new InvalidReferenceError('invalid reference format');
  }
  const parts = rest.split('/');
  let domain: string | undefined;
  const first = parts[0]!;
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || /[A-Z]/.test(first))) {
    if (!DOMAIN.test(first)) throw new InvalidReferenceError('invalid reference format');
    domain = first;
    parts.shift();
  }
  for (const part of parts) {
    if (!COMPONENT.test(part)) {
      const lower = part.toLowerCase();
      throw new InvalidReferenceError(
        COMPONENT.test(lower)
          ? 'invalid reference format: repository name must be lowercase'
          : 'invalid reference format',
      );
    }
  }
  let path = parts.join('/');
  if (domain !== undefined && HUB_DOMAINS.has(domain.toLowerCase())) {
    domain = undefined;
  }
  if (domain === undefined && path.startsWith('library/') && parts.length === 2) {
    path = path.slice('library/'.length);
  }
  return { domain, path, tag, digest };
}

/** "nginx:1.22", "localhost:5000/app:v1": how docker prints a reference back, with the tag made explicit. */
export function formatReference(ref: ImageReference, defaultTag = 'latest'): string {
  const name = ref.domain ? `${ref.domain}/${ref.path}` : ref.path;
  if (ref.digest) return `${name}@${ref.digest}`;
  return `${name}:${ref.tag ?? defaultTag}`;
}

export function repositoryName(ref: ImageReference): string {
  return ref.domain ? `${ref.domain}/${ref.path}` : ref.path;
}

/** True for strings that look like an image ID or its prefix, as docker accepts them. */
export function looksLikeImageId(text: string): boolean {
  return /^(sha256:)?[0-9a-f]{4,64}$/.test(text);
}
