import { canonicalLine } from '../dockerfile/canonical.ts';
import { instructionFromNode, type Instruction } from '../dockerfile/instructions.ts';
import { parseDockerfile } from '../dockerfile/parser.ts';
import { DockerfileSyntaxError } from '../dockerfile/source.ts';
import { hasVariables, literalValue, type Word } from '../dockerfile/words.ts';
import { PROC_REFUSAL, underProc } from './proc-paths.ts';
import { REFUSALS } from './refusals.ts';

/**
 * `docker commit --change` and `docker import --change`: each change is one Dockerfile
 * instruction, which the engine would read with its own parser and expand against the
 * container's environment. Here each is read with the port of that parser, held to what a commit
 * may set, and passed on in the canonical spelling, so the engine applies exactly what was
 * checked. Variables are refused: their value would come from the engine, after the check.
 */

export class CommitChangeError extends Error {}

/** What the engine's commit accepts, less ONBUILD (a trigger would run in a later build unreviewed). */
const CHANGEABLE = new Set<Instruction['kind']>(['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'USER', 'VOLUME', 'WORKDIR']);
const MAX_CHANGES = 32;

export function reviewedChanges(changes: readonly string[]): string[] {
  if (changes.length > MAX_CHANGES) throw new CommitChangeError(`at most ${MAX_CHANGES} changes are accepted here`);
  return changes.map((change) => {
    let instruction: Instruction;
    try {
      const parsed = parseDockerfile(change);
      if (parsed.nodes.length !== 1 || parsed.directives.size > 0) throw new CommitChangeError(`--change "${change}": give one instruction per --change`);
      instruction = instructionFromNode(parsed.nodes[0]!, parsed.escapeToken);
    } catch (error) {
      if (error instanceof DockerfileSyntaxError) throw new CommitChangeError(`--change "${change}": ${error.message}`);
      throw error;
    }
    if (!CHANGEABLE.has(instruction.kind)) {
      throw new CommitChangeError(`${instruction.kind} can't be changed by a commit; use one of ${[...CHANGEABLE].join(', ')}`);
    }
    if (wordsOf(instruction).some(hasVariables)) {
      throw new CommitChangeError(`--change "${change}": variables are not expanded in a change here; write the value out`);
    }
    if (instruction.kind === 'WORKDIR' && underProc(literalValue(instruction.value) ?? '/proc')) throw new CommitChangeError(PROC_REFUSAL);
    if (instruction.kind === 'LABEL' && instruction.pairs.some(({ key }) => (literalValue(key) ?? '').startsWith('org.layerlab.'))) {
      throw new CommitChangeError(REFUSALS.labels);
    }
    return canonicalLine(instruction);
  });
}

function wordsOf(instruction: Instruction): Word[] {
  switch (instruction.kind) {
    case 'ENV':
    case 'LABEL':
      return instruction.pairs.flatMap(({ key, value }) => [key, value]);
    case 'WORKDIR':
    case 'USER':
      return [instruction.value];
    case 'VOLUME':
      return instruction.volumes;
    case 'EXPOSE':
      return instruction.ports;
    default:
      return [];
  }
}
