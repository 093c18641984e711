import type Docker from 'dockerode';
import { checkBuildCgroups } from '../build/cgroup.ts';
import type { ServerConfig } from '../config/server.ts';
import { ensureCatalogue, ensureServerImages } from '../images/ensure.ts';
import { ensurePackageCache } from '../packages/package-cache.ts';
import { packageCacheSettings } from '../packages/settings.ts';
import { ensureRegistry } from '../registry/process.ts';
import { WORKBENCH_IMAGE } from '../workbench/image.ts';
import { ensureEngine } from './provision.ts';
import { checkRuncFixed } from './runc-check.ts';
import { checkEngineEnforcesLimits, engineDefaultsToNoNewPrivileges } from './selftest.ts';
import { readEnvironment } from '../config/environment.ts';

/**
 * Everything the sandbox needs from the machine before it serves anyone: an engine that answers,
 * the base-image catalogue and the workbench image, limits the kernel really enforces, a runc with the fix for
 * CVE-2024-21626, build cgroups it can make, the class registry, and the class package cache.
 * `npm start` and `npm test` both go through here.
 */
export async function prepareEngine(config: ServerConfig, log: (line: string) => void): Promise<Docker> {
  const docker = await ensureEngine({ logDir: config.logDir, log });
  await ensureCatalogue(docker, { log, pull: readEnvironment(process.env).LAYERLAB_PULL ?? true });
  await ensureServerImages(docker, [WORKBENCH_IMAGE], { log });
  await checkEngineEnforcesLimits(docker, config.policy, 'busybox:latest');
  if (!(await engineDefaultsToNoNewPrivileges(docker, 'busybox:latest'))) {
    log('warning: this Docker Engine was not started with --no-new-privileges, so build steps run without it (containers still get it); start dockerd with that flag, or "no-new-privileges": true in daemon.json');
  }
  const runc = await checkRuncFixed(docker, 'busybox:latest');
  log(`runc ${runc} keeps containers out of the host's filesystem (CVE-2024-21626 fixed)`);
  checkBuildCgroups();
  await ensureRegistry({ logDir: config.logDir, log });
  const packages = await packageCacheSettings();
  if (packages) {
    await ensurePackageCache(docker, packages, { logDir: config.logDir, log }).catch((error: unknown) => {
      throw new Error(`${(error as Error).message} (LAYERLAB_PACKAGE_CACHE=off runs the sandbox without it: builds then have no network)`);
    });
  }
  else log('the class package cache is off (LAYERLAB_PACKAGE_CACHE=off): builds have no network');
  return docker;
}
