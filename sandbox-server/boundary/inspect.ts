import type { ContainerInspectInfo } from 'dockerode';
import type { Namespace } from '../scope/namespace.ts';
import { WORKBENCH_WORKSPACE } from '../workbench/image.ts';
import type { OwnContainer } from '../scope/scoped-engine.ts';
import { HOST_PATH_FIELDS, hideHostPaths, learnerLabels, learnerNetworks, PUBLISHED_ON, SESSION_NETWORK_DISPLAY_NAME } from './listings.ts';

/**
 * `GET /containers/{id}/json` as the session sees it: its names, its image as it named it, the
 * ports it published (though none is bound on the host), and none of the server's labels.
 */
export function containerInspect(info: ContainerInspectInfo, container: OwnContainer, namespace: Namespace): unknown {
  const portBindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const port of container.ports) {
    (portBindings[`${port.containerPort}/${port.protocol}`] ??= []).push({ HostIp: '', HostPort: String(port.hostPort) });
  }
  const networkPorts: Record<string, { HostIp: string; HostPort: string }[] | null> = { ...(info.NetworkSettings?.Ports ?? {}) };
  for (const [key, bindings] of Object.entries(portBindings)) networkPorts[key] = bindings.flatMap((binding) => PUBLISHED_ON.map((ip) => ({ ...binding, HostIp: ip })));
  const networks = learnerNetworks(info.NetworkSettings?.Networks, namespace);
  const hostPaths = Object.fromEntries(HOST_PATH_FIELDS.map((field) => [field, '']));
  const shaped = {
    ...info,
    ...hostPaths,
    GraphDriver: { Name: info.GraphDriver?.Name ?? 'overlay2', Data: null },
    Mounts: (info.Mounts ?? []).map(hideHostPaths),
    Name: `/${container.name}`,
    Config: { ...info.Config, Image: container.image, Labels: learnerLabels(info.Config?.Labels) },
    HostConfig: { ...info.HostConfig, Binds: asTyped(info.HostConfig?.Binds, namespace), NetworkMode: SESSION_NETWORK_DISPLAY_NAME, PortBindings: portBindings },
    NetworkSettings: { ...info.NetworkSettings, SandboxKey: '', Ports: networkPorts, Networks: networks },
  };
  // Whatever else names the namespace (volume names, the image's tag, paths under the engine's
  // folders that carry the container ID only) is written as the learner would.
  return JSON.parse(namespace.scrub(JSON.stringify(shaped)));
}

/** A bind of part of the workspace, as the learner wrote it (~/workspace/site), not the volume's folder on the host. */
function asTyped(binds: string[] | undefined, namespace: Namespace): string[] | null {
  if (!binds || binds.length === 0) return null;
  const marker = `/volumes/${namespace.workbenchName}/_data/`;
  return binds.map((bind) => {
    const at = bind.indexOf(marker);
    return at < 0 ? bind : `${WORKBENCH_WORKSPACE}/${bind.slice(at + marker.length)}`;
  });
}
