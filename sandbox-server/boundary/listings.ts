import type { ContainerInfo } from 'dockerode';
import type { OwnContainer, OwnImage } from '../scope/scoped-engine.ts';
import type { Namespace } from '../scope/namespace.ts';

/**
 * The engine's list answers as a session sees them: its own objects only, named as the learner
 * named them, with the server's labels and the namespace gone. A published port shows as the
 * learner asked for it, though nothing is bound on the host.
 */

/** The learner's network is called what Docker calls a container's default one. */
export const SESSION_NETWORK_DISPLAY_NAME = 'bridge';

const SERVER_LABEL_PREFIX = 'org.layerlab.';

export function learnerLabels(labels: Record<string, string> | null | undefined): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (!key.startsWith(SERVER_LABEL_PREFIX)) kept[key] = value;
  }
  return kept;
}

/** A container's networks by the names the learner knows: the session's own is `bridge`. */
export function learnerNetworks<T>(networks: Record<string, T> | undefined, namespace: Namespace): Record<string, T> {
  const named: Record<string, T> = {};
  for (const [name, settings] of Object.entries(networks ?? {})) {
    named[name === namespace.networkName ? SESSION_NETWORK_DISPLAY_NAME : namespace.scrub(name)] = settings;
  }
  return named;
}

/** The addresses Docker shows a published port on: its IPv4 and IPv6 wildcards. */
export const PUBLISHED_ON = ['0.0.0.0', '::'] as const;

export function containerSummary(container: OwnContainer, namespace: Namespace): Record<string, unknown> {
  const info = container.internal as ContainerInfo & { SizeRw?: number; SizeRootFs?: number };
  const published = new Set(container.ports.map((port) => `${port.containerPort}/${port.protocol}`));
  const ports = [
    // On both address families, as Docker 20.10 publishes a port (and lists it) by default.
    ...container.ports.flatMap((port) => PUBLISHED_ON.map((ip) => ({ IP: ip, PrivatePort: port.containerPort, PublicPort: port.hostPort, Type: port.protocol }))),
    ...(info.Ports ?? [])
      .filter((port) => !published.has(`${port.PrivatePort}/${port.Type}`))
      .map((port) => ({ PrivatePort: port.PrivatePort, Type: port.Type })),
  ];
  const networks = learnerNetworks(info.NetworkSettings?.Networks, namespace);
  // Whatever else names the namespace (a volume's folder under Mounts) is written as the learner would.
  return scrubbed(namespace, {
    Id: info.Id,
    Names: [`/${container.name}`],
    Image: container.image,
    ImageID: info.ImageID,
    Command: info.Command,
    Created: info.Created,
    Ports: ports,
    ...(info.SizeRw === undefined ? {} : { SizeRw: info.SizeRw }),
    ...(info.SizeRootFs === undefined ? {} : { SizeRootFs: info.SizeRootFs }),
    Labels: learnerLabels(info.Labels),
    State: info.State,
    Status: info.Status,
    HostConfig: { NetworkMode: SESSION_NETWORK_DISPLAY_NAME },
    NetworkSettings: { Networks: networks },
    Mounts: (info.Mounts ?? []).map(hideHostPaths),
  });
}

function scrubbed<T>(namespace: Namespace, value: T): T {
  return JSON.parse(namespace.scrub(JSON.stringify(value))) as T;
}

/** Where a mount lives on the host is the host's business (and names the namespace). */
export function hideHostPaths<T extends { Source?: string }>(mount: T): T {
  return { ...mount, Source: '' };
}

/** The host's folders for a container or an image: blanked, since they show the engine's disk layout. */
export const HOST_PATH_FIELDS = ['ResolvConfPath', 'HostnamePath', 'HostsPath', 'LogPath'] as const;

export function imageSummary(image: OwnImage, namespace: Namespace): Record<string, unknown> {
  const raw = image.internal as OwnImage['internal'] & { SharedSize?: number; Containers?: number };
  const digests = (raw.RepoDigests ?? []).map((digest) => namespace.scrub(digest));
  return {
    Containers: raw.Containers ?? -1,
    Created: image.created,
    Id: image.id,
    Labels: raw.Labels ? learnerLabels(raw.Labels) : null,
    ParentId: raw.ParentId ?? '',
    RepoDigests: digests.length > 0 ? digests : image.tags.length > 0 ? [] : ['<none>@<none>'],
    RepoTags: image.tags.length > 0 ? image.tags : ['<none>:<none>'],
    SharedSize: raw.SharedSize ?? -1,
    Size: image.size,
    VirtualSize: raw.VirtualSize ?? image.size,
  };
}
