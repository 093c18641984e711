import type Docker from 'dockerode';
import { isNotFound } from '../engine/errors.ts';
import { deleteNamespace } from '../registry/client.ts';
import { LABEL, namespaceOfImageTag } from '../scope/namespace.ts';
import type { Session } from './session.ts';
import type { SessionStore } from './store.ts';

/**
 * Ends a session as its expiry does: its build stops, it leaves the store (its terminals close on
 * `ended`), and its engine objects are removed.
 */
export async function endSession(docker: Docker, store: SessionStore, session: Session): Promise<void> {
  session.activeBuild?.abort();
  store.delete(session);
  await removeNamespace(docker, session.record.namespace);
}

/**
 * Removes every engine object of one namespace: containers, images, volumes, its repositories in
 * the class registry, then the network, which goes last because it marks the namespace as alive
 * for the reaper.
 */
export async function removeNamespace(docker: Docker, namespace: string): Promise<void> {
  const filter = { label: [`${LABEL.session}=${namespace}`] };
  for (const container of await docker.listContainers({ all: true, filters: filter })) {
    await docker.getContainer(container.Id).remove({ force: true, v: true }).catch(ignoreMissing);
  }
  const images = await docker.listImages();
  // Keep tags first, so the last learner tag removed is the one that deletes the image.
  const tags = images
    .flatMap((image) => image.RepoTags ?? [])
    .filter((tag) => namespaceOfImageTag(tag) === namespace)
    .sort((a, b) => Number(b.startsWith('llk-')) - Number(a.startsWith('llk-')));
  for (const tag of tags) {
    await docker.getImage(tag).remove({ force: true }).catch(ignoreMissing);
  }
  const volumes = await docker.listVolumes({ filters: filter });
  for (const volume of volumes.Volumes ?? []) {
    await docker.getVolume(volume.Name).remove().catch(ignoreMissing);
  }
  await deleteNamespace(namespace).catch(() => undefined);
  for (const network of await docker.listNetworks({ filters: filter })) {
    await docker.getNetwork(network.Id).remove().catch(ignoreMissing);
  }
}

/**
 * Removes every session an instance has on the engine, for a run that is over for good (a test
 * run's server); a server that may come back keeps its sessions for the reaper's rules instead.
 */
export async function removeInstance(docker: Docker, instance: string): Promise<string[]> {
  const filter = { label: [`${LABEL.instance}=${instance}`] };
  const namespaces = new Set<string>();
  const labelled = [
    ...(await docker.listNetworks({ filters: filter })).map((network) => network.Labels ?? {}),
    ...(await docker.listContainers({ all: true, filters: filter })).map((container) => container.Labels),
    ...((await docker.listVolumes({ filters: filter })).Volumes ?? []).map((volume) => volume.Labels ?? {}),
  ];
  for (const labels of labelled) if (labels[LABEL.session]) namespaces.add(labels[LABEL.session]!);
  for (const namespace of namespaces) await removeNamespace(docker, namespace);
  return [...namespaces];
}

function ignoreMissing(error: unknown): void {
  if (!isNotFound(error)) throw error;
}
