import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type Learner, type TestSandbox } from '../support/sandbox.ts';

let sandbox: TestSandbox;
let learner: Learner;

async function review(text: unknown, cookie = learner.cookie): Promise<{ status: number; body: { problems?: { line: number; message: string; kind: string }[]; error?: string } }> {
  const response = await fetch(`${sandbox.url}/api/dockerfile/review`, {
    method: 'POST',
    headers: { origin: sandbox.url, 'content-type': 'application/json', cookie },
    body: JSON.stringify({ text }),
  });
  return { status: response.status, body: await response.json() };
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  learner = await sandbox.newLearner({ Dockerfile: 'FROM busybox\nCMD ["echo", "hi"]\n' });
});
afterAll(async () => {
  await sandbox?.close();
});

describe('POST /api/dockerfile/review on the real engine', () => {
  it('finds nothing in a Dockerfile the build accepts', async () => {
    expect(await review('FROM busybox\nCMD ["echo", "hi"]\n')).toEqual({ status: 200, body: { problems: [] } });
  });

  it('refuses what the build refuses, with the same sentence on the same line', async () => {
    const text = 'FROM busybox\nRUN true\nADD https://example.com/a.tgz /a\n';
    const { body } = await review(text);
    expect(body.problems).toHaveLength(1);
    expect(body.problems![0]).toMatchObject({ line: 3, kind: 'policy' });
    expect(body.problems![0]!.message).toMatch(/^ADD can't download https:\/\/example\.com\/a\.tgz here/);

    await learner.setFiles({ Dockerfile: text });
    const built = await learner.run('docker build -t refused .');
    expect(built.output).toContain(`Dockerfile:3: ${body.problems![0]!.message}`);
  });

  it('lists the available images for a FROM outside the catalogue, and only the refusal', async () => {
    const { body } = await review('FROM nosuchimage:1.0\nRUN true\n');
    expect(body.problems).toHaveLength(1);
    expect(body.problems![0]).toMatchObject({ line: 1, kind: 'policy' });
    expect(body.problems![0]!.message).toMatch(/^FROM nosuchimage:1\.0: this image isn't available here; you can build FROM .*busybox/);
  });

  it("accepts the learner's own image as a base once it exists", async () => {
    expect((await review('FROM mine\n')).body.problems).toHaveLength(1);
    await learner.setFiles({ Dockerfile: 'FROM busybox\nCMD ["echo", "hi"]\n' });
    await learner.ok('docker build -t mine .');
    expect((await review('FROM mine\n')).body.problems).toEqual([]);
  });

  it("keeps the last build's failing line: the step that failed, or the refusal", async () => {
    const lastBuild = async () => ((await (await fetch(`${sandbox.url}/api/builds/last`, { headers: { cookie: learner.cookie } })).json()) as { build: { ok: boolean; failure?: { line: number; message: string } } | null }).build;
    const failing = 'FROM busybox\n\n# a comment\nRUN true\nRUN \\\n  false\nCMD ["echo", "hi"]\n';
    await learner.setFiles({ Dockerfile: failing });
    await learner.run('docker build -t failing .');
    const build = await lastBuild();
    expect(build).toMatchObject({ ok: false, failure: { line: 5 } });
    expect(build!.failure!.message).toMatch(/returned a non-zero code: 1/);

    await learner.setFiles({ Dockerfile: 'FROM busybox\nRUN true\nFROM nosuchimage:1.0\n' });
    await learner.run('docker build -t refused .');
    expect(await lastBuild()).toMatchObject({ ok: false, failure: { line: 3 } });

    await learner.setFiles({ Dockerfile: 'FROM busybox\nCMD ["echo", "hi"]\n' });
    await learner.ok('docker build -t fine .');
    expect(await lastBuild()).toMatchObject({ ok: true });
  });

  it('answers bad input with one sentence', async () => {
    const big = await review('#'.repeat(70_000));
    expect(big.status).toBe(400);
    expect(big.body.error).toMatch(/a Dockerfile to review may hold 65536 characters/);
    expect((await review(42)).status).toBe(400);
    expect((await review('FROM busybox\n', 'layerlab_session=nope')).status).toBe(401);
  });
});
