import path from 'node:path/posix';
import { DockerfileParser, type From, type Instruction } from 'dockerfile-ast';
import { isClassRegistry } from '../registry/address.ts';
import { InvalidReferenceError, parseReference, type ImageReference } from '../scope/reference.ts';

/**
 * Reads a learner's Dockerfile before the engine does, refuses what would leave the sandbox, and
 * rewrites each base image into the session's namespace so FROM can only reach the catalogue and
 * the learner's own images.
 */

export interface DockerfileProblem {
  /** 1-based, as the editor and docker's own errors count. */
  line: number;
  message: string;
}

export interface BaseImageLookup {
  /** The learner already has this image (tag in their namespace). */
  isOwn(ref: ImageReference): boolean;
  /** The catalogue offers it; the build will "pull" it into the namespace. */
  isCatalogue(ref: ImageReference): boolean;
  /** Names to list in the refusal, e.g. ["busybox", "node:18-slim", "hello (yours)"]. */
  available(): string[];
}

export interface DockerfileReview {
  problems: DockerfileProblem[];
  notes: string[];
  /** The Dockerfile the engine builds: the learner's text with each base image namespaced. */
  rewritten: string;
  /** Catalogue images the build needs that the namespace does not hold yet. */
  catalogueImages: ImageReference[];
}

const URL_SOURCE = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@)/i;
const BUILDKIT_RUN_FLAGS = new Set(['mount', 'network', 'security']);

export function reviewDockerfile(
  text: string,
  lookup: BaseImageLookup,
  namespaceImage: (ref: ImageReference) => string,
  contextFiles: Record<string, string> = {},
): DockerfileReview {
  const dockerfile = DockerfileParser.parse(text);
  const problems: DockerfileProblem[] = [];
  const notes: string[] = [];
  const catalogueImages: ImageReference[] = [];
  const edits: { start: number; end: number; text: string }[] = [];
  const lineStarts = lineOffsets(text);

  for (const directive of dockerfile.getDirectives()) {
    if (directive.getName().toLowerCase() === 'syntax') {
      notes.push(
        `note: "# syntax=${directive.getValue() ?? ''}" is ignored: this sandbox builds with the classic builder, not BuildKit`,
      );
    }
  }

  const stageNames: string[] = [];
  let stageIndex = -1;
  let workdir = '/';
  const hasArchive = Object.entries(contextFiles).some(([, content]) => looksLikeArchive(content));

  for (const instruction of dockerfile.getInstructions()) {
    const line = instruction.getRange().start.line + 1;
    const keyword = instruction.getKeyword();
    const report = (message: string) => problems.push({ line, message });

    if (keyword === 'FROM') {
      stageIndex += 1;
      workdir = '/';
      const from = instruction as From;
      const problem = reviewFrom(from, stageNames, lookup);
      if (typeof problem === 'string') {
        report(problem);
      } else if (problem) {
        const range = from.getImageRange()!;
        edits.push({
          start: lineStarts[range.start.line]! + range.start.character,
          end: lineStarts[range.end.line]! + range.end.character,
          text: namespaceImage(problem.ref),
        });
        if (problem.fromCatalogue) catalogueImages.push(problem.ref);
      }
      stageNames.push((from.getBuildStage() ?? '').toLowerCase());
      continue;
    }

    workdir = reviewInstruction(instruction, { stageNames, stageIndex, workdir, hasArchive }, report);
    if (keyword === 'ONBUILD') {
      const trigger = (instruction as unknown as { getTriggerInstruction(): Instruction | null }).getTriggerInstruction();
      if (trigger?.getKeyword() === 'FROM' || trigger?.getKeyword() === 'ONBUILD') {
        report(`ONBUILD ${trigger.getKeyword()} isn't allowed`);
      } else if (trigger && flagsOf(trigger).some((flag) => flag.getName().toLowerCase() === 'from')) {
        // The trigger runs in a later build, where --from names whatever image that build can see.
        report(`ONBUILD ${trigger.getKeyword()} --from isn't allowed: the trigger runs in a later build, where --from could name any image`);
      } else if (trigger) {
        // A trigger runs in the child build, from the working directory this stage ends with, which
        // is not known here. Resolving from "/" is the strict choice: any relative path that reaches
        // /proc from a folder outside it reaches /proc from "/" too.
        reviewInstruction(trigger, { stageNames, stageIndex, workdir: '/', hasArchive }, report);
      }
    }
  }

  let rewritten = text;
  for (const edit of edits.sort((a, b) => b.start - a.start)) {
    rewritten = rewritten.slice(0, edit.start) + edit.text + rewritten.slice(edit.end);
  }
  return { problems, notes, rewritten, catalogueImages };
}

interface StageState {
  stageNames: string[];
  stageIndex: number;
  workdir: string;
  hasArchive: boolean;
}

/** Checks one instruction and returns the working directory after it. */
function reviewInstruction(instruction: Instruction, state: StageState, report: (message: string) => void): string {
  const keyword = instruction.getKeyword();
  const flags = flagsOf(instruction);

  if (keyword === 'ADD' || keyword === 'COPY') {
    const sources = sourceArguments(instruction).map(unquote);
    if (keyword === 'ADD') {
      const url = sources.find((source) => URL_SOURCE.test(source));
      // The engine expands variables (from ENV, ARG or the base image) before it decides what is a URL.
      const variable = sources.find((source) => source.includes('$'));
      if (variable) {
        report(
          `ADD ${variable}: variables aren't allowed in ADD sources here (one could hold a URL the engine would fetch outside the sandbox); write the path out`,
        );
      } else if (url) {
        report(
          `ADD can't download ${url} here (the engine would fetch it outside the sandbox); put the file in your workspace and COPY it`,
        );
      } else if (state.hasArchive) {
        report(`ADD would unpack the archive in your workspace, which isn't allowed here; use COPY`);
      }
    }
    const fromFlag = flags.find((flag) => flag.getName().toLowerCase() === 'from');
    if (fromFlag) {
      const value = (fromFlag.getValue() ?? '').toLowerCase();
      const earlierStage = /^\d+$/.test(value)
        ? Number(value) < state.stageIndex
        : state.stageNames.slice(0, state.stageIndex).includes(value) && value !== '';
      if (!earlierStage) {
        report(
          `COPY --from=${fromFlag.getValue() ?? ''}: --from must name an earlier build stage here (like "builder" in "FROM node:18-slim AS builder", or its number)`,
        );
      }
    }
  }

  if (keyword === 'RUN') {
    const buildkitFlag = flags.find((flag) => BUILDKIT_RUN_FLAGS.has(flag.getName().toLowerCase()));
    if (buildkitFlag) {
      report(`RUN --${buildkitFlag.getName()} needs BuildKit, and this sandbox uses the classic builder; remove the flag`);
    }
  }

  if (keyword === 'WORKDIR') {
    const written = unquote(instruction.getArguments().map((argument) => argument.getValue()).join(' '));
    const expanded = unquote(instruction.getExpandedArguments().map((argument) => argument.getValue()).join(' '));
    const underProc = (dir: string) => {
      const target = path.resolve(state.workdir, dir || '/');
      return target === '/proc' || target.startsWith('/proc/');
    };
    const procRefusal = (dir: string) => `WORKDIR ${dir} isn't allowed: /proc belongs to the kernel; pick a folder such as /app`;
    // The engine expands ${a:+b} forms and the base image's ENV, which the parser here gets wrong
    // or can't see: a path with a variable in it can't be checked, so it must be written out.
    if (written.includes('$')) {
      report(
        !expanded.includes('$') && underProc(expanded)
          ? procRefusal(expanded)
          : `WORKDIR ${written}: variables aren't allowed in WORKDIR here; write the path out, like WORKDIR /app`,
      );
      return state.workdir;
    }
    if (underProc(written)) report(procRefusal(written));
    return path.resolve(state.workdir, written || '/');
  }
  return state.workdir;
}

type Flag = { getName(): string; getValue(): string | null };

function flagsOf(instruction: Instruction): Flag[] {
  return (instruction as unknown as { getFlags?(): Flag[] }).getFlags?.() ?? [];
}

/**
 * A word as the engine's shell lexer reads it: quotes anywhere in it only group, so they go
 * ("http"://x is http://x). The parser has already applied the escape character.
 */
function unquote(word: string): string {
  return word.replace(/["']/g, '');
}

/** The source arguments of ADD or COPY, in either shell or JSON form. */
function sourceArguments(instruction: Instruction): string[] {
  const json = (instruction as unknown as { getJSONStrings?(): { getJSONValue(): string }[] }).getJSONStrings?.() ?? [];
  const values = json.length > 0
    ? json.map((argument) => argument.getJSONValue())
    : instruction.getArguments().map((argument) => argument.getValue());
  return values.slice(0, -1);
}

type FromResult = string | { ref: ImageReference; fromCatalogue: boolean } | undefined;

function reviewFrom(from: From, earlierStages: string[], lookup: BaseImageLookup): FromResult {
  const image = from.getImage();
  if (!image) return 'FROM needs a base image, like FROM busybox';
  if (from.getPlatformFlag()) return `FROM --platform isn't supported here; every image is linux/amd64`;
  if (image.includes('$')) return `FROM ${image}: variables aren't allowed in FROM here; write the image name out`;
  if (image.toLowerCase() === 'scratch') return undefined;
  if (earlierStages.includes(image.toLowerCase())) return undefined;

  let ref: ImageReference;
  try {
    ref = parseReference(image);
  } catch (error) {
    if (error instanceof InvalidReferenceError) return `FROM ${image}: ${error.message}`;
    throw error;
  }
  if (ref.digest) return `FROM ${image}: pinning by digest isn't available here; use a tag, like node:18-slim`;
  if (lookup.isOwn(ref)) return { ref, fromCatalogue: false };
  if (ref.domain) {
    return isClassRegistry(ref)
      ? `FROM ${image}: pull it from the class registry first (docker pull ${image}), or build FROM a name you have`
      : `FROM ${image}: this sandbox can't reach the registry ${ref.domain}; ${availability(lookup)}`;
  }
  if (lookup.isCatalogue(ref)) return { ref, fromCatalogue: true };
  return `FROM ${image}: this image isn't available here; ${availability(lookup)}`;
}

function availability(lookup: BaseImageLookup): string {
  return `you can build FROM ${lookup.available().join(', ')}, or an earlier stage`;
}

function lineOffsets(text: string): number[] {
  const offsets = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') offsets.push(i + 1);
  return offsets;
}

/** Plain tar (the only archive that survives as workspace text) and bzip2, which dockerd would unpack. */
function looksLikeArchive(content: string): boolean {
  return content.slice(257, 262) === 'ustar' || /^BZh[1-9]1AY&SY/.test(content);
}
