/**
 * Follows the classic builder's text stream ("Step 2/4 : COPY . .", " ---> Using cache",
 * " ---> 3f2a…") and records what each instruction did: the layer explorer and the checks read it.
 */

export interface BuildStep {
  /** 1-based step number as the builder printed it. */
  index: number;
  instruction: string;
  cached: boolean;
  /** The image after this step (short ID), once the builder printed it. */
  imageId?: string;
  stage: number;
}

export class BuildStepTracker {
  readonly steps: BuildStep[] = [];
  #partial = '';
  #stage = -1;

  push(text: string): void {
    const lines = (this.#partial + text).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) this.#line(line.replace(/\r$/, ''));
  }

  #line(line: string): void {
    const step = /^Step (\d+)\/\d+ : (.*)$/.exec(line);
    if (step) {
      const instruction = step[2]!;
      if (/^FROM\s/i.test(instruction)) this.#stage += 1;
      this.steps.push({ index: Number(step[1]), instruction, cached: false, stage: Math.max(this.#stage, 0) });
      return;
    }
    const current = this.steps.at(-1);
    if (!current) return;
    if (line === ' ---> Using cache') current.cached = true;
    const result = /^ ---> ([0-9a-f]{12})$/.exec(line);
    if (result) current.imageId = result[1];
  }

  /** The image each stage ended with, in stage order. */
  stageResults(): string[] {
    const results: string[] = [];
    for (const step of this.steps) if (step.imageId) results[step.stage] = step.imageId;
    return results.filter(Boolean);
  }
}
