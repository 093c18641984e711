import { execFileSync } from 'node:child_process';

/**
 * An internal network has no route out, but its bridge is an address of the host itself: a
 * container can open connections to every host service listening on all interfaces (a database,
 * an exporter, this server when HOST=0.0.0.0). Docker has no option against that in 20.10, so
 * every session bridge is named with one prefix and a single host rule refuses new connections
 * arriving on any of them. Replies to connections the host opens (curl, the preview) still pass.
 */

/** Linux interface names hold 15 characters: the prefix and 12 of the namespace's 16 hex digits. */
export const SESSION_BRIDGE_PREFIX = 'll';

export function sessionBridgeName(namespace: string): string {
  return `${SESSION_BRIDGE_PREFIX}${namespace.slice(0, 12)}`;
}

const RULE = ['INPUT', '-i', `${SESSION_BRIDGE_PREFIX}+`, '-m', 'conntrack', '--ctstate', 'NEW', '-j', 'REJECT'];

/**
 * Installs the rule once (it survives server restarts, and servers of other instances share it).
 * Returns a sentence when it could not, for the operator's log; the sandbox still runs, with
 * containers able to reach host services.
 */
export function isolateSessionBridgesFromHost(): string | undefined {
  try {
    execFileSync('iptables', ['-C', ...RULE], { stdio: 'ignore' });
    return undefined;
  } catch {
    // not there yet
  }
  try {
    execFileSync('iptables', ['-I', ...RULE], { stdio: ['ignore', 'ignore', 'pipe'] });
    return undefined;
  } catch (error) {
    const detail = (error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message;
    return `containers can reach services on this host, because the iptables rule that stops them could not be added (${detail}); run the server as root on the engine's machine`;
  }
}

/**
 * The builds' network (packages/) may reach exactly one host service: the package cache's proxy.
 * Everything else arriving on its bridge is refused, as on the session bridges.
 */
export function allowOnlyTheProxyFromPackageBridge(bridge: string, port: number): string | undefined {
  const accept = ['INPUT', '-i', bridge, '-p', 'tcp', '--dport', String(port), '-j', 'ACCEPT'];
  const reject = ['INPUT', '-i', bridge, '-m', 'conntrack', '--ctstate', 'NEW', '-j', 'REJECT'];
  const present = (rule: string[]) => {
    try {
      execFileSync('iptables', ['-C', ...rule], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  try {
    if (present(accept) && present(reject)) return undefined;
    // Both go in afresh, in reverse, so the accept rule ends up above the reject rule.
    for (const rule of [accept, reject]) while (present(rule)) execFileSync('iptables', ['-D', ...rule], { stdio: 'ignore' });
    for (const rule of [reject, accept]) execFileSync('iptables', ['-I', ...rule], { stdio: ['ignore', 'ignore', 'pipe'] });
    return undefined;
  } catch (error) {
    const detail = (error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message;
    return `builds can reach services on this host besides the package cache, because the iptables rules that stop them could not be added (${detail})`;
  }
}
