import type Docker from 'dockerode';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config/server.ts';
import { packageCacheSettings } from '../packages/settings.ts';
import { DiskWatermark } from './disk-space.ts';
import { MachineServices } from './machine-services.ts';

/** What a session's commands need of the machine besides the engine: its shared services, and room on its disk. */
export interface Machine {
  services: MachineServices;
  disk: DiskWatermark;
}

export async function machineFor(config: ServerConfig, docker: Docker, log: Logger): Promise<Machine> {
  return {
    services: new MachineServices({ docker, logDir: config.logDir, packages: await packageCacheSettings(), log }),
    disk: new DiskWatermark({ docker, minFreeBytes: config.diskMinFreeBytes }),
  };
}
