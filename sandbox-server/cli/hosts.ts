import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { serverConfigFromEnv } from '../config/server.ts';
import { BalancerConfigError, haproxyConfig, isPort, type BalancedHost } from '../hosts/haproxy-config.ts';
import { drainFile, setDraining } from '../hosts/host-load.ts';

/** The agent port when a host line names none: the one docs/deploying.md sets on every host. */
const DEFAULT_AGENT_PORT = 4390;

/** `a=10.0.0.11:4321` or `a=10.0.0.11:4321,agent=4391`. */
function parseHost(text: string): BalancedHost {
  const [nameAndAddress = '', ...options] = text.split(',');
  const equals = nameAndAddress.indexOf('=');
  if (equals <= 0) throw new BalancerConfigError(`--host "${text}": write it as NAME=HOST:PORT, like a=10.0.0.11:4321 (and ,agent=PORT if its agent port is not ${DEFAULT_AGENT_PORT})`);
  let agentPort = DEFAULT_AGENT_PORT;
  for (const option of options) {
    const port = option.startsWith('agent=') ? option.slice('agent='.length) : undefined;
    if (port === undefined) throw new BalancerConfigError(`--host "${text}": "${option}" is not an option; the one option is agent=PORT`);
    if (!isPort(port)) throw new BalancerConfigError(`--host "${text}": agent=${port} is not a port (1–65535)`);
    agentPort = Number(port);
  }
  return { name: nameAndAddress.slice(0, equals), address: nameAndAddress.slice(equals + 1), agentPort };
}

/** `layerlab hosts haproxy --bind :80 --host a=… --host b=…`: prints the HAProxy configuration for these hosts. */
export function printHaproxyConfig(args: string[]): number {
  try {
    const { values } = parseArgs({
      args,
      options: {
        bind: { type: 'string', default: ':80' },
        host: { type: 'string', multiple: true, default: [] },
        'tls-cert': { type: 'string' },
        'preview-domain': { type: 'string' },
      },
    });
    process.stdout.write(
      haproxyConfig({ bind: values.bind, hosts: values.host.map(parseHost), tlsCertificate: values['tls-cert'], previewDomain: values['preview-domain'] }),
    );
    return 0;
  } catch (error) {
    process.stderr.write(`layerlab hosts haproxy: ${(error as Error).message}\n`);
    return 2;
  }
}

/** `layerlab drain [--off]`: this host (its LAYERLAB_INSTANCE) takes no new learners, or takes them again. */
export function drain(args: string[]): number {
  const { values } = parseArgs({ args, options: { off: { type: 'boolean', default: false } } });
  const config = serverConfigFromEnv();
  if (!existsSync(config.stateDir)) {
    console.error(`layerlab drain: no server of LAYERLAB_INSTANCE=${config.instance} has run here (${config.stateDir} is missing); set the instance name the host's server runs with`);
    return 1;
  }
  const wasDraining = existsSync(drainFile(config.stateDir));
  setDraining(config.stateDir, !values.off);
  if (values.off) console.log(wasDraining ? `${config.instance}: takes new learners again` : `${config.instance}: was not draining; it takes new learners`);
  else console.log(`${config.instance}: draining; its learners stay, new ones go to the other hosts (layerlab drain --off to undo)`);
  return 0;
}
