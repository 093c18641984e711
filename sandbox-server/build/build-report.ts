import type Docker from 'dockerode';
import type { BuildResult } from './run-build.ts';

/**
 * What the learner's last build did, step by step, for the editor's gutter: which instructions the
 * cache answered and which ran again, how long each took and what its layer weighs. That is the
 * "order instructions for the cache" lesson made visible.
 */

export interface ReportedStep {
  /** 1-based, as the builder printed it. */
  index: number;
  /** The Dockerfile line the instruction starts on. */
  line?: number;
  instruction: string;
  cached: boolean;
  durationMs: number;
  /** What the step added to the image; absent for FROM and for a step that never finished. */
  layerBytes?: number;
  /** The step the build stopped at. */
  failed?: boolean;
}

export interface BuildReport {
  ok: boolean;
  dockerfilePath: string;
  /** The Dockerfile's text as built: the editor marks only a file that still reads so. */
  dockerfile: string;
  /** Where and why a failed build stopped: a step's error or the review's refusal. */
  failure?: { line: number; message: string };
  finishedAt: number;
  steps: ReportedStep[];
}

/**
 * Layer sizes come from the finished image's own history, never from the step IDs in the output:
 * a RUN step can print a line that looks like one, and so name an image that isn't the learner's.
 * So only the last stage's steps of a build that finished get sizes.
 */
export async function reportBuild(result: BuildResult, dockerfilePath: string, docker: Docker): Promise<BuildReport> {
  const history = result.ok && result.imageId ? await docker.getImage(result.imageId).history().catch(() => []) : [];
  const lastStage = Math.max(-1, ...result.steps.map((step) => step.stage));
  const sized = result.steps.filter((step) => step.stage === lastStage && !/^FROM\s/i.test(step.instruction));
  const layerBytes = new Map<BuildResult['steps'][number], number>();
  // The history is newest first, one entry per instruction but FROM: the stage's steps from its end.
  sized.reverse().forEach((step, back) => {
    const entry = (history as { Size?: number }[])[back];
    if (typeof entry?.Size === 'number') layerBytes.set(step, entry.Size);
  });
  const stopped = result.ok ? undefined : result.steps.findLast((step) => !step.imageId);
  const steps = result.steps.map((step, position): ReportedStep => {
    const next = result.steps[position + 1];
    const reported: ReportedStep = {
      index: step.index,
      instruction: step.instruction,
      cached: step.cached,
      durationMs: Math.max(0, (next?.startedAt ?? result.finishedAt) - step.startedAt),
    };
    const line = result.stepLines[step.index - 1];
    if (line !== undefined) reported.line = line;
    const bytes = layerBytes.get(step);
    if (bytes !== undefined) reported.layerBytes = bytes;
    if (step === stopped) reported.failed = true;
    return reported;
  });
  return {
    ok: result.ok,
    dockerfilePath,
    dockerfile: result.dockerfile,
    ...(result.failure ? { failure: result.failure } : {}),
    finishedAt: result.finishedAt,
    steps,
  };
}
