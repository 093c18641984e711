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
  /** When the builder announced it; the next step's start (or the end) gives its duration. */
  startedAt: number;
}

/**
 * The builder's own lines are short; a RUN step's output may be one endless line. Only this much
 * of a line is kept while it waits for its end, so reading the output stays linear in its size.
 */
const MAX_LINE = 4096;

export class BuildStepTracker {
  readonly steps: BuildStep[] = [];
  #partial = '';
  #stage = -1;

  push(text: string): void {
    let start = 0;
    for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', start)) {
      const line = this.#partial + text.slice(start, Math.min(newline, start + MAX_LINE));
      this.#partial = '';
      this.#line(line.endsWith('\r') ? line.slice(0, -1) : line);
      start = newline + 1;
    }
    if (this.#partial.length < MAX_LINE) this.#partial += text.slice(start, start + MAX_LINE - this.#partial.length);
  }

  #line(line: string): void {
    const step = /^Step (\d+)\/\d+ : (.*)$/.exec(line);
    if (step) {
      const instruction = step[2]!;
      if (/^FROM\s/i.test(instruction)) this.#stage += 1;
      this.steps.push({ index: Number(step[1]), instruction, cached: false, stage: Math.max(this.#stage, 0), startedAt: Date.now() });
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
