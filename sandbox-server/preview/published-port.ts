import type { ScopedEngine, OwnContainer } from '../scope/scoped-engine.ts';

export interface PortTarget {
  /** The container's address on the session network (or a network the session made), reachable from the server. */
  address: string;
  port: number;
  container: OwnContainer;
}

/**
 * Where the learner's "localhost:PORT" really is. Ports are never bound on the host: a -p mapping
 * is remembered on the container, and the server reaches the container on its internal network.
 */
export async function resolvePublishedPort(engine: ScopedEngine, hostPort: number): Promise<PortTarget | undefined> {
  const running = await engine.containers({ all: false });
  for (const container of running) {
    const mapping = container.ports.find((port) => port.hostPort === hostPort && port.protocol === 'tcp');
    if (!mapping) continue;
    const info = await engine.docker.getContainer(container.id).inspect();
    // The session's own network first; a container Compose started is only on its project's
    // network, which the session made (the boundary lets a container join no other), and which
    // is a bridge of this host like the session's.
    const networks = info.NetworkSettings.Networks ?? {};
    const address =
      networks[engine.namespace.networkName]?.IPAddress ||
      Object.values(networks)
        .map((network) => network.IPAddress)
        .find((ip) => ip !== '');
    if (!address) return undefined;
    return { address, port: mapping.containerPort, container };
  }
  return undefined;
}
