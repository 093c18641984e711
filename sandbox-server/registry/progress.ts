/**
 * The engine mounts a layer another repository of the registry already holds, and says whose:
 * "Mounted from <ns>/app". Another session's repository is none of this learner's business, so
 * that line reads as the layer already being there, which it is.
 */
export function ownStatus(status: string, namespace: string): string {
  if (!status.startsWith('Mounted from ') || status.startsWith(`Mounted from ${namespace}/`)) return status;
  return 'Layer already exists';
}
