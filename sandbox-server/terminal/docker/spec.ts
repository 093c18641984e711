import type { CommandContext } from '../command.ts';
import { InvalidReferenceError, parseReference, type ImageReference } from '../../scope/reference.ts';
import type { FlagSpec, ParsedFlags, RefusedFlag } from './flags.ts';

/** One docker subcommand: its flags, its help, and what it does. */
export interface DockerCommand {
  /** "build", "image ls". */
  path: string;
  /** Other spellings: "images" and "image list" for "image ls". */
  aliases?: string[];
  usage: string;
  summary: string;
  flags: FlagSpec[];
  refused?: RefusedFlag[];
  /** false for run/exec: flags after the image belong to the container's command. */
  interspersed?: boolean;
  minArgs?: number;
  maxArgs?: number;
  run(flags: ParsedFlags, context: CommandContext): Promise<number>;
}

/** An error the user caused, printed as one line, with docker's exit status 1 (or 125 for run). */
export class UsageError extends Error {
  readonly status: number;
  constructor(message: string, status = 1) {
    super(message);
    this.status = status;
  }
}

export const HELP_FLAG: FlagSpec = { long: 'help', kind: 'bool', help: 'Print usage' };

/** An image name a learner typed, or docker's "invalid reference format" as a usage error. */
export function parseImageName(text: string): ImageReference {
  try {
    return parseReference(text);
  } catch (error) {
    if (error instanceof InvalidReferenceError) throw new UsageError(`${error.message}: "${text}"`);
    throw error;
  }
}
