import type Docker from 'dockerode';
import { statfs } from 'node:fs/promises';
import { formatBytesShort } from '../config/units.ts';

/** The engine's disk is below its watermark; the message is the learner's sentence. */
export class DiskFullError extends Error {}


/**
 * The free space the engine's disk keeps. A full disk breaks everything at once (the engine can't
 * write a layer, the server can't save its state, a learner's half-written image is lost), so
 * below the watermark whatever makes new layers (builds, pulls, commits, imports) is refused
 * with a sentence, and what learners have (files, images, running containers) is left alone.
 * Once space is freed (images removed, sessions ended), the next build goes ahead.
 */
export class DiskWatermark {
  readonly #docker: Docker;
  readonly minFreeBytes: number;
  #root: Promise<string> | undefined;

  constructor(options: { docker: Docker; minFreeBytes: number }) {
    this.#docker = options.docker;
    this.minFreeBytes = options.minFreeBytes;
  }

  /** Bytes an unprivileged writer may still use on the engine's data root. */
  async free(): Promise<number> {
    const stats = await statfs(await this.#dataRoot());
    return stats.bavail * stats.bsize;
  }

  /** Throws a DiskFullError naming `what` (as "new builds") when the disk is below the watermark. */
  async needRoom(what: string): Promise<void> {
    if (this.minFreeBytes <= 0) return;
    const free = await this.free();
    if (free >= this.minFreeBytes) return;
    throw new DiskFullError(
      `the machine's disk is nearly full (${formatBytesShort(free)} free, and the sandbox keeps ${formatBytesShort(this.minFreeBytes)}), so ${what} wait until space is freed; your files, images and containers are kept (docker image prune -a frees your unused images; tell your instructor)`,
    );
  }

  #dataRoot(): Promise<string> {
    // The engine's, not ours: the layers go where dockerd keeps them.
    this.#root ??= this.#docker.info().then(
      (info: { DockerRootDir?: string }) => info.DockerRootDir || '/var/lib/docker',
      () => {
        this.#root = undefined;
        return '/var/lib/docker';
      },
    );
    return this.#root;
  }
}
