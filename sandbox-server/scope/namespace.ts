import { createHash } from 'node:crypto';
import { parseReference, formatReference, type ImageReference } from './reference.ts';

/**
 * Every engine object a session creates lives under its namespace: image tags under `ll-<ns>/`,
 * containers and volumes named `ll-<ns>-<name>`, one network `ll-<ns>-net`. The learner sees and
 * types the plain names; the namespace never shows.
 *
 * The namespace is a hash of the session id, because the id itself is the cookie secret and names
 * and labels are visible to anyone who can list the engine.
 */

export const LABEL = {
  session: 'org.layerlab.session',
  instance: 'org.layerlab.instance',
  expires: 'org.layerlab.expires',
  name: 'org.layerlab.name',
  ports: 'org.layerlab.ports',
} as const;

const NAMESPACE_PATTERN = '[0-9a-f]{16}';
const IMAGE_TAG = new RegExp(`^ll-(${NAMESPACE_PATTERN})/(.+)$`);
const KEEP_TAG = new RegExp(`^llk-(${NAMESPACE_PATTERN})/`);
const OBJECT_NAME = new RegExp(`^/?ll-(${NAMESPACE_PATTERN})-(.+)$`);

export function namespaceOf(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex').slice(0, 16);
}

/** The namespace an internal image tag belongs to, for tags this server wrote; undefined otherwise. */
export function namespaceOfImageTag(tag: string): string | undefined {
  return IMAGE_TAG.exec(tag)?.[1] ?? KEEP_TAG.exec(tag)?.[1];
}

export function namespaceOfObjectName(name: string): string | undefined {
  return OBJECT_NAME.exec(name)?.[1];
}

export class Namespace {
  readonly id: string;
  readonly instance: string;
  readonly expiresAt: number;

  constructor(id: string, instance: string, expiresAt: number) {
    this.id = id;
    this.instance = instance;
    this.expiresAt = expiresAt;
  }

  get labels(): Record<string, string> {
    return {
      [LABEL.session]: this.id,
      [LABEL.instance]: this.instance,
      [LABEL.expires]: String(this.expiresAt),
    };
  }

  get labelFilter(): string {
    return `${LABEL.session}=${this.id}`;
  }

  get networkName(): string {
    return `ll-${this.id}-net`;
  }

  /** "hello" → "ll-<ns>/hello:latest". Throws InvalidReferenceError for names docker would refuse. */
  imageTag(learnerRef: string | ImageReference): string {
    const ref = typeof learnerRef === 'string' ? parseReference(learnerRef) : learnerRef;
    return `ll-${this.id}/${formatReference({ ...ref, digest: undefined })}`;
  }

  /** "busybox" → "ll-<ns>/busybox", keeping the tag only if the learner wrote one, for FROM lines. */
  qualify(ref: ImageReference): string {
    return `ll-${this.id}/${ref.path}${ref.tag ? `:${ref.tag}` : ''}`;
  }

  /** A tag only the server uses, which keeps a built image owned after the learner's tag moves on. */
  keepTag(buildId: string): string {
    return `llk-${this.id}/build:${buildId}`;
  }

  isKeepTag(tag: string): boolean {
    return tag.startsWith(`llk-${this.id}/`);
  }

  ownsImageTag(tag: string): boolean {
    return tag.startsWith(`ll-${this.id}/`);
  }

  /** "ll-<ns>/hello:latest" → "hello:latest"; undefined for tags outside this namespace. */
  displayTag(internalTag: string): string | undefined {
    const prefix = `ll-${this.id}/`;
    return internalTag.startsWith(prefix) ? internalTag.slice(prefix.length) : undefined;
  }

  containerName(learnerName: string): string {
    return `ll-${this.id}-${learnerName}`;
  }

  volumeName(learnerName: string): string {
    return `ll-${this.id}-${learnerName}`;
  }

  /** "/ll-<ns>-web" or "ll-<ns>-web" → "web". */
  displayName(internalName: string): string | undefined {
    const prefix = `ll-${this.id}-`;
    const name = internalName.startsWith('/') ? internalName.slice(1) : internalName;
    return name.startsWith(prefix) ? name.slice(prefix.length) : undefined;
  }

  /** Hides the namespace in text the engine produced (build output, error messages). */
  scrub(text: string): string {
    return text.split(`ll-${this.id}/`).join('').split(`ll-${this.id}-`).join('');
  }
}
