import { REFUSALS } from '../../policy/refusals.ts';
import type { RefusedFlag } from './flags.ts';

/**
 * docker run flags that exist but would loosen the sandbox. Each answer says what the learner can
 * do instead, in one sentence.
 */
export const REFUSED_RUN_FLAGS: RefusedFlag[] = [
  { long: 'privileged', takesValue: false, reason: REFUSALS.privileged },
  { long: 'cap-add', takesValue: true, reason: REFUSALS.capAdd },
  { long: 'cap-drop', takesValue: true, reason: REFUSALS.capDrop },
  { long: 'network', takesValue: true, reason: REFUSALS.network },
  { long: 'net', takesValue: true, reason: REFUSALS.network },
  { long: 'pid', takesValue: true, reason: REFUSALS.hostNamespaces },
  { long: 'ipc', takesValue: true, reason: REFUSALS.hostNamespaces },
  { long: 'uts', takesValue: true, reason: REFUSALS.hostNamespaces },
  { long: 'userns', takesValue: true, reason: REFUSALS.hostNamespaces },
  { long: 'device', takesValue: true, reason: REFUSALS.devices },
  { long: 'security-opt', takesValue: true, reason: REFUSALS.securityOptions },
  { long: 'mount', takesValue: true, reason: REFUSALS.mount },
  { long: 'volumes-from', takesValue: true, reason: REFUSALS.volumesFrom },
  { long: 'memory', short: 'm', takesValue: true, reason: REFUSALS.memory },
  { long: 'memory-swap', takesValue: true, reason: REFUSALS.memorySwap },
  { long: 'cpus', takesValue: true, reason: REFUSALS.cpus },
  { long: 'cpu-shares', short: 'c', takesValue: true, reason: REFUSALS.cpus },
  { long: 'pids-limit', takesValue: true, reason: REFUSALS.pids },
  { long: 'ulimit', takesValue: true, reason: REFUSALS.ulimits },
  { long: 'sysctl', takesValue: true, reason: REFUSALS.sysctls },
  { long: 'runtime', takesValue: true, reason: REFUSALS.runtime },
  { long: 'cgroup-parent', takesValue: true, reason: REFUSALS.cgroupParent },
  { long: 'oom-kill-disable', takesValue: false, reason: REFUSALS.oomKillDisable },
  { long: 'restart', takesValue: true, reason: REFUSALS.restart },
  { long: 'publish-all', short: 'P', takesValue: false, reason: REFUSALS.publishAll },
  { long: 'add-host', takesValue: true, reason: REFUSALS.addHost },
  { long: 'dns', takesValue: true, reason: REFUSALS.dns },
  { long: 'label', short: 'l', takesValue: true, reason: REFUSALS.labels },
  { long: 'env-file', takesValue: true, reason: REFUSALS.envFile },
  { long: 'log-driver', takesValue: true, reason: REFUSALS.logDriver },
];

export const REFUSED_EXEC_FLAGS: RefusedFlag[] = [
  { long: 'privileged', takesValue: false, reason: REFUSALS.privilegedExec },
];

export const HOST_PATH_REFUSAL = REFUSALS.hostPath;
