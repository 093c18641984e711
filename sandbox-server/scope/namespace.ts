import { createHash } from 'node:crypto';
import { CLASS_REGISTRY, engineRegistryHost } from '../registry/address.ts';
import { parseReference, formatReference, type ImageReference } from './reference.ts';

/**
 * Every engine object a session creates lives under its namespace: image tags under `ll-<ns>/`
 * (or `localhost:<port>/<ns>/` for the class registry), containers and volumes named
 * `ll-<ns>-<name>`, one network `ll-<ns>-net`. The learner sees and types the plain names; the
 * namespace never shows.
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

const IMAGE_TAG = /^ll-([0-9a-f]{16})\/(.+)$/;
const KEEP_TAG = /^llk-([0-9a-f]{16})\//;
const OBJECT_NAME = /^\/?ll-([0-9a-f]{16})-(.+)$/;
const NAMESPACE = /^[0-9a-f]{16}$/;

/** `localhost:<port>/<ns>/app:v1`: the namespace of an image tagged for the class registry. */
function registryNamespace(tag: string): string | undefined {
  const prefix = `${engineRegistryHost()}/`;
  if (!tag.startsWith(prefix)) return undefined;
  const namespace = tag.slice(prefix.length, prefix.length + 16);
  return NAMESPACE.test(namespace) && tag[prefix.length + 16] === '/' ? namespace : undefined;
}

export function namespaceOf(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex').slice(0, 16);
}

/** The namespace an internal image tag belongs to, for tags this server wrote; undefined otherwise. */
export function namespaceOfImageTag(tag: string): string | undefined {
  return IMAGE_TAG.exec(tag)?.[1] ?? KEEP_TAG.exec(tag)?.[1] ?? registryNamespace(tag);
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

  /** Where a learner's repository lives: under the namespace locally, or in the class registry. */
  #repository(ref: ImageReference): string {
    return ref.domain === CLASS_REGISTRY ? `${this.#registryPrefix}${ref.path}` : `ll-${this.id}/${ref.path}`;
  }

  get #registryPrefix(): string {
    return `${engineRegistryHost()}/${this.id}/`;
  }

  /**
   * "hello" → "ll-<ns>/hello:latest"; "localhost:5000/app" → "localhost:<port>/<ns>/app:latest".
   * Throws InvalidReferenceError for names docker would refuse. Callers refuse other registries.
   */
  imageTag(learnerRef: string | ImageReference): string {
    const ref = typeof learnerRef === 'string' ? parseReference(learnerRef) : learnerRef;
    return `${this.#repository(ref)}:${ref.tag ?? 'latest'}`;
  }

  /** "busybox" → "ll-<ns>/busybox", keeping the tag only if the learner wrote one, for FROM lines. */
  qualify(ref: ImageReference): string {
    return `${this.#repository(ref)}${ref.tag ? `:${ref.tag}` : ''}`;
  }

  /** A tag only the server uses, which keeps a built image owned after the learner's tag moves on. */
  keepTag(buildId: string): string {
    return `llk-${this.id}/build:${buildId}`;
  }

  isKeepTag(tag: string): boolean {
    return tag.startsWith(`llk-${this.id}/`);
  }

  ownsImageTag(tag: string): boolean {
    return this.displayTag(tag) !== undefined;
  }

  /** "ll-<ns>/hello:latest" → "hello:latest"; undefined for tags outside this namespace. */
  displayTag(internalTag: string): string | undefined {
    const local = `ll-${this.id}/`;
    if (internalTag.startsWith(local)) return internalTag.slice(local.length);
    const registry = this.#registryPrefix;
    if (internalTag.startsWith(registry)) return `${CLASS_REGISTRY}/${internalTag.slice(registry.length)}`;
    return undefined;
  }

  containerName(learnerName: string): string {
    return `ll-${this.id}-${learnerName}`;
  }

  /** A network the learner made (`docker network create`, Compose): apart from containers' names and the session's own network. */
  learnerNetworkName(learnerName: string): string {
    return `lln-${this.id}-${learnerName}`;
  }

  /** "lln-<ns>-app_default" → "app_default"; undefined for any other network. */
  displayNetworkName(internalName: string): string | undefined {
    const prefix = `lln-${this.id}-`;
    return internalName.startsWith(prefix) ? internalName.slice(prefix.length) : undefined;
  }

  /** Outside the learner's names (`ll-<ns>-…`), so no `docker run --name` can take or touch it. */
  get workbenchName(): string {
    return `llw-${this.id}`;
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

  /**
   * Hides the namespace in text the engine produced (build output, error messages, and registry
   * progress, which names repositories by their path alone: "Pulling from <ns>/app").
   */
  scrub(text: string): string {
    return text
      .split(`llw-${this.id}`)
      .join('workbench')
      .split(`lln-${this.id}-`)
      .join('')
      .split(this.#registryPrefix)
      .join(`${CLASS_REGISTRY}/`)
      .split(`ll-${this.id}/`)
      .join('')
      .split(`ll-${this.id}-`)
      .join('')
      .split(`${this.id}/`)
      .join('');
  }
}
