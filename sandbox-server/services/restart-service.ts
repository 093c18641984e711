/**
 * Starts one of the machine's services again, in a process of its own: what it takes (chown of a
 * cache, iptables, nginx's start, waiting for the old process to go) is synchronous work that would
 * otherwise hold the server's event loop, and with it every learner's terminal, while it runs.
 * MachineServices runs it under flock(1), so that of the servers on one machine that saw the
 * service die, one starts it and the others find it answering.
 *
 *   node restart-service.ts registry <logDir>
 *   node restart-service.ts packages <logDir> <PackageCacheSettings as JSON>
 *
 * Lines on stdout are for the server's log; a failure is one sentence on stderr and exit code 1.
 */
import { connectEngine } from '../engine/connect.ts';
import { ensurePackageCache } from '../packages/package-cache.ts';
import type { PackageCacheSettings } from '../packages/settings.ts';
import { ensureRegistry } from '../registry/process.ts';

const [service, logDir, settings] = process.argv.slice(2);
const log = (line: string) => process.stdout.write(`${line}\n`);
try {
  if (!logDir) throw new Error('usage: restart-service.ts registry|packages <logDir> [settings]');
  if (service === 'registry') await ensureRegistry({ logDir, log, collectGarbage: false });
  else if (service === 'packages' && settings) await ensurePackageCache(connectEngine(), JSON.parse(settings) as PackageCacheSettings, { logDir, log });
  else throw new Error(`no such machine service: ${service}`);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
