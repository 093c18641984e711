import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Debian packages the machine itself needs (docker.io for the engine, debootstrap and
 * busybox-static for the stand-in base images). On Debian or Ubuntu as root they are installed
 * with apt; anywhere else the error says what to install.
 */

export class HostPackageError extends Error {}

export interface HostNeed {
  /** A command on PATH or an absolute file that proves the package is there. */
  provides: string;
  package: string;
}

export function canInstallPackages(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  try {
    // ID=debian, or ID_LIKE="ubuntu debian" on a derivative.
    return readFileSync('/etc/os-release', 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('ID=') || line.startsWith('ID_LIKE='))
      .flatMap((line) => line.slice(line.indexOf('=') + 1).replaceAll('"', '').split(' '))
      .some((name) => name === 'debian' || name === 'ubuntu');
  } catch {
    return false;
  }
}

export function isPresent(need: HostNeed): boolean {
  if (need.provides.startsWith('/')) return existsSync(need.provides);
  return spawnSync('sh', ['-c', `command -v ${need.provides}`], { stdio: 'ignore' }).status === 0;
}

export function ensureHostPackages(needs: HostNeed[], logDir: string, log: (line: string) => void): void {
  const missing = needs.filter((need) => !isPresent(need));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((need) => need.package))];
  if (!canInstallPackages()) {
    throw new HostPackageError(`This machine lacks ${packages.join(', ')}; install ${packages.length > 1 ? 'them' : 'it'} (apt-get install ${packages.join(' ')}) and run this again.`);
  }
  log(`installing ${packages.join(', ')} with apt-get…`);
  mkdirSync(logDir, { recursive: true });
  const aptLog = path.join(logDir, 'apt.log');
  const result = spawnSync(
    'sh',
    ['-c', `(apt-get update -q && apt-get install -y -q --no-install-recommends ${packages.join(' ')}) >> ${JSON.stringify(aptLog)} 2>&1`],
    { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } },
  );
  const stillMissing = missing.filter((need) => !isPresent(need));
  if (result.status !== 0 || stillMissing.length > 0) {
    throw new HostPackageError(`Installing ${packages.join(', ')} failed; see ${aptLog}.`);
  }
}
