import { existsSync, readdirSync, readFileSync } from 'node:fs';

/**
 * Whether a machine service's process is alive, read from /proc: the process a pid file names, or
 * every process whose command line matches. Alive means running and still the same program (a pid
 * file can outlive its process, and the kernel reuses its number), and not a zombie (a killed
 * process its parent hasn't reaped yet still takes signal 0).
 */

/** The arguments of a live process, or undefined when there is none by that number, or only its zombie. */
export function liveCommandLine(pid: number): string[] | undefined {
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') return undefined;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((arg) => arg !== '');
  } catch {
    return undefined;
  }
}

/**
 * Set in the environment of a service whose program renames itself (Verdaccio's command line
 * becomes just "verdaccio"), so that it can still be told by its config file.
 */
export const SERVICE_MARK = 'LAYERLAB_SERVICE';

/** A service's process as its pid file knows it. */
export interface ServiceProcess {
  pidFile: string;
  /** The config file it was started from. */
  configFile: string;
  /** What a program that renames itself calls itself once it runs. */
  title?: string;
}

/**
 * Whether the process a pid file names is alive and is the one started from its config file: its
 * command line names it, or its environment's SERVICE_MARK does, or (for a program that renames
 * itself, started before it carried the mark) its command line is just its title.
 */
export function runningFromPidFile({ pidFile, configFile, title }: ServiceProcess): boolean {
  let pid = Number.NaN;
  try {
    if (existsSync(pidFile)) pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
  } catch {
    return false;
  }
  const args = liveCommandLine(pid);
  if (!args) return false;
  if (args.some((arg) => arg.includes(configFile))) return true;
  if (title !== undefined && args.length === 1 && args[0] === title) return true;
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`${SERVICE_MARK}=${configFile}`);
  } catch {
    return false;
  }
}

/** The live processes whose arguments (and number) satisfy `matches`. */
export function processesWhere(matches: (args: string[], pid: number) => boolean): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d{1,10}$/.test(entry)) continue;
    const pid = Number(entry);
    const args = liveCommandLine(pid);
    if (args && matches(args, pid)) found.push(pid);
  }
  return found;
}
