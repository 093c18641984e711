import { DiskFullError } from '../services/disk-space.ts';
import type { Machine } from '../services/machine.ts';
import { ServiceUnavailableError, type MachineService } from '../services/machine-services.ts';
import { BoundaryError } from './api.ts';

/**
 * What a command needs of the machine, asked before the engine is: room on the disk for new
 * layers (or a 507 with the learner's sentence), and the shared service it uses started again if
 * it died (or a 503). The CLI prints either message as the engine's own error.
 */

export async function needDiskRoom(machine: Machine, what: string): Promise<void> {
  const refusal = await diskRefusal(machine, what);
  if (refusal) throw new BoundaryError(507, refusal);
}

/** The disk's sentence when it is below the watermark, for a command already answering as a stream. */
export async function diskRefusal(machine: Machine, what: string): Promise<string | undefined> {
  try {
    await machine.disk.needRoom(what);
    return undefined;
  } catch (error) {
    if (error instanceof DiskFullError) return error.message;
    throw error;
  }
}

export async function needService(machine: Machine, service: MachineService): Promise<void> {
  try {
    await machine.services.need(service);
  } catch (error) {
    if (error instanceof ServiceUnavailableError) throw new BoundaryError(503, error.message);
    throw error;
  }
}
