import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type Learner, type TestSandbox } from '../support/sandbox.ts';
import type { Exploration } from '../../sandbox-server/images/layer-explorer.ts';

/**
 * The layer explorer reads the learner's image archive as the engine exports it: every step of
 * `docker history`, each layer's files added, changed and removed, and dive's measure of waste.
 */

const DOCKERFILE = [
  'FROM busybox',
  'WORKDIR /app',
  'RUN head -c 300000 /dev/zero > big.bin && echo one > note.txt',
  'ENV MODE=demo',
  'RUN echo two > note.txt && rm big.bin',
  'COPY hello.txt /app/',
  'CMD ["cat", "/app/hello.txt"]',
  '',
].join('\n');

let sandbox: TestSandbox;
let learner: Learner;
let other: Learner;

async function explore(who: Learner, image: string): Promise<{ status: number; body: Exploration & { error?: string } }> {
  const response = await fetch(`${sandbox.url}/api/layers?image=${encodeURIComponent(image)}`, { headers: { cookie: who.cookie } });
  return { status: response.status, body: (await response.json()) as Exploration & { error?: string } };
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  learner = await sandbox.newLearner({ Dockerfile: DOCKERFILE, 'hello.txt': 'hello\n' });
  other = await sandbox.newLearner({ Dockerfile: 'FROM busybox\n' });
  await learner.ok('docker build -t layered .');
});

afterAll(async () => {
  await sandbox?.close();
});

describe('the layer explorer', () => {
  it('shows every step of docker history, bottom to top, with its Dockerfile line and layer size', async () => {
    const { status, body } = await explore(learner, 'layered');
    expect(status).toBe(200);
    const history = await learner.run('docker history --no-trunc --format "{{.CreatedBy}}|{{.Size}}" layered | tac');
    const lines = history.output.trim().split('\n');
    expect(body.steps.map((step) => step.createdBy)).toEqual(lines.map((line) => line.slice(0, line.lastIndexOf('|'))));
    const byLine = new Map(body.steps.filter((step) => step.line).map((step) => [step.line, step]));
    expect(byLine.get(3)?.instruction).toMatch(/^RUN head -c 300000/);
    expect(byLine.get(4)).toMatchObject({ instruction: 'ENV MODE=demo' });
    expect(byLine.get(4)?.layer).toBeUndefined();
    expect(byLine.get(7)?.instruction).toBe('CMD ["cat" "/app/hello.txt"]');
    expect(byLine.get(3)?.layer?.size).toBeGreaterThanOrEqual(300_000);
  });

  it('lists the files each layer added, changed and removed', async () => {
    const { body } = await explore(learner, 'layered');
    const step = (line: number) => body.steps.find((candidate) => candidate.line === line)!.layer!;
    expect(step(3).added.map((file) => file.path)).toEqual(expect.arrayContaining(['app/big.bin', 'app/note.txt']));
    expect(step(5).changed.map((file) => file.path)).toContain('app/note.txt');
    expect(step(5).removed).toEqual([{ path: 'app/big.bin', size: 300_000 }]);
    expect(step(6).added.map((file) => file.path)).toContain('app/hello.txt');
  });

  it("measures waste as dive does: the removed file counts, and efficiency falls below 1", async () => {
    const { body } = await explore(learner, 'layered');
    const big = body.inefficiencies.find((entry) => entry.path === 'app/big.bin');
    // Seen at 300000 bytes, then removed (the removal weighs what it removed): 600000 in all.
    expect(big).toEqual({ path: 'app/big.bin', occurrences: 2, wastedBytes: 600_000 });
    expect(body.wastedBytes).toBeGreaterThanOrEqual(600_000);
    expect(body.efficiency).toBeGreaterThan(0);
    expect(body.efficiency).toBeLessThan(1);
    const layers = body.steps.flatMap((step) => (step.layer ? [step.layer.size] : []));
    expect(body.totalSize).toBe(layers.reduce((sum, size) => sum + size, 0));
  });

  it('reports the last build step by step: lines, cache hits on a rebuild, layer sizes, the step a failure stopped at', async () => {
    type Report = { build: { ok: boolean; steps: { line?: number; instruction: string; cached: boolean; durationMs: number; layerBytes?: number; failed?: boolean }[] } | null };
    const last = async (who: Learner) => (await (await fetch(`${sandbox.url}/api/builds/last`, { headers: { cookie: who.cookie } })).json()) as Report;
    expect((await last(other)).build).toBeNull();

    await learner.ok('docker build -t layered .');
    const rebuilt = (await last(learner)).build!;
    expect(rebuilt.ok).toBe(true);
    expect(rebuilt.steps.map((step) => step.line)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // Every step after FROM came from the cache the first build left.
    expect(rebuilt.steps.slice(1).every((step) => step.cached)).toBe(true);
    expect(rebuilt.steps[2]!.layerBytes).toBeGreaterThanOrEqual(300_000);
    expect(rebuilt.steps[3]!.layerBytes).toBe(0);

    await learner.ok(`printf 'FROM busybox\\nRUN echo fine\\nRUN exit 3\\nCMD ["true"]\\n' > Broken.Dockerfile`);
    expect((await learner.run('docker build -f Broken.Dockerfile -t broken .')).exitCode).not.toBe(0);
    const broken = (await last(learner)).build!;
    expect(broken.ok).toBe(false);
    expect(broken.steps.find((step) => step.failed)).toMatchObject({ line: 3, instruction: 'RUN exit 3', cached: false });
    expect(broken.steps.filter((step) => step.failed)).toHaveLength(1);
  });

  it("answers only for the learner's own images, with a sentence", async () => {
    const theirs = await explore(other, 'layered');
    expect(theirs.status).toBe(404);
    expect(theirs.body.error).toBe('you have no image called layered; docker images lists yours');
    const bad = await fetch(`${sandbox.url}/api/layers`, { headers: { cookie: learner.cookie } });
    expect(bad.status).toBe(400);
  });
});
