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
 * Plain HTTP to its gateway (where build steps' /etc/hosts sends the cache's names) is turned to
 * the proxy's port, and everything else arriving on the bridge is refused, as on session bridges.
 */
export function allowOnlyTheProxyFromPackageBridge(bridge: string, gateway: string, port: number): string | undefined {
  const redirect = { table: 'nat', rule: ['PREROUTING', '-i', bridge, '-p', 'tcp', '-d', gateway, '--dport', '80', '-j', 'DNAT', '--to-destination', `${gateway}:${port}`] };
  const accept = { table: 'filter', rule: ['INPUT', '-i', bridge, '-p', 'tcp', '--dport', String(port), '-j', 'ACCEPT'] };
  const reject = { table: 'filter', rule: ['INPUT', '-i', bridge, '-m', 'conntrack', '--ctstate', 'NEW', '-j', 'REJECT'] };
  type Rule = typeof accept;
  const iptables = (action: string, { table, rule }: Rule) => execFileSync('iptables', ['-t', table, action, ...rule], { stdio: ['ignore', 'ignore', 'pipe'] });
  const present = (rule: Rule) => {
    try {
      iptables('-C', rule);
      return true;
    } catch {
      return false;
    }
  };
  try {
    if (!present(redirect)) iptables('-I', redirect);
    if (present(accept) && present(reject)) return undefined;
    // Both go in afresh, in reverse, so the accept rule ends up above the reject rule.
    for (const rule of [accept, reject]) while (present(rule)) iptables('-D', rule);
    for (const rule of [reject, accept]) iptables('-I', rule);
    return undefined;
  } catch (error) {
    const detail = (error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message;
    return `builds can't reach the package cache, or can reach other services on this host, because its iptables rules could not be added (${detail})`;
  }
}
