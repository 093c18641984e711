import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateChecks } from '../../sandbox-server/checks/evaluate.ts';
import { Check } from '../../sandbox-server/lessons/schema.ts';
import { startTestSandbox, type Learner, type TestSandbox } from '../support/sandbox.ts';

const DOCKERFILE = [
  'FROM busybox',
  'ENV GREETING=hello',
  'WORKDIR /app',
  'RUN echo one > one.txt',
  'RUN echo two > two.txt',
  'EXPOSE 8000',
  'USER nobody',
  'CMD ["cat", "one.txt"]',
  '',
].join('\n');

const SITE = {
  Dockerfile: 'FROM nginx:1.22\nCOPY index.html /usr/share/nginx/html/index.html\n',
  'index.html': '<h1>Layerlab checks</h1>\n',
};

let sandbox: TestSandbox;
let learner: Learner;

/** Evaluates checks written as an author would write them in frontmatter. */
async function verdicts(...checks: object[]) {
  const session = sandbox.server.context.store.get(learner.sessionId)!;
  const parsed = checks.map((check) => Check.parse({ title: 'check', hint: ['first hint', 'second hint'], ...check }));
  return evaluateChecks(parsed, { session, engine: sandbox.server.context.engineFor(session) });
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  learner = await sandbox.newLearner({ Dockerfile: DOCKERFILE });
});
afterAll(async () => {
  await sandbox?.close();
});

describe('checks on the real engine', () => {
  it('fail with a reason and the hints before anything is built', async () => {
    const [image, config] = await verdicts({ kind: 'image', image: 'hello' }, { kind: 'image-config', image: 'hello', expose: [8000] });
    expect(image).toMatchObject({ passed: false, reason: 'No image is tagged hello:latest yet.', hints: ['first hint', 'second hint'] });
    expect(config).toMatchObject({ passed: false, reason: 'No image is tagged hello:latest yet.' });
  });

  it('read images: presence, layers, base and configuration', async () => {
    await learner.ok('docker build -t hello .');
    const results = await verdicts(
      { kind: 'image', image: 'hello' },
      { kind: 'image', image: 'hello', present: false },
      { kind: 'layers', image: 'hello', max: 3 },
      { kind: 'layers', image: 'hello', max: 1 },
      { kind: 'image-config', image: 'hello', base: 'busybox', env: { GREETING: 'hello' }, expose: [8000], cmd: ['cat', 'one.txt'], user: 'non-root', workdir: '/app' },
      { kind: 'image-config', image: 'hello', base: 'node:18-slim' },
      { kind: 'image-config', image: 'hello', env: { GREETING: 'bye' } },
      { kind: 'image-config', image: 'hello', expose: [3000] },
      { kind: 'image-config', image: 'hello', cmd: ['node', 'app.js'] },
      { kind: 'image-config', image: 'hello', user: 'root' },
      // busybox:latest and busybox:1.35 are one image: either name is the base.
      { kind: 'image-config', image: 'hello', base: 'busybox:1.35' },
    );
    expect(results.map((result) => result.reason)).toEqual([
      undefined,
      expect.stringMatching(/^hello:latest is still there/),
      undefined,
      // WORKDIR and the two RUNs each add a layer on top of busybox.
      'hello:latest adds 3 layers on top of busybox:latest; at most 1 are wanted.',
      undefined,
      'hello:latest is built FROM busybox:latest, not node:18-slim.',
      'hello:latest sets GREETING=hello, not GREETING=bye.',
      "hello:latest doesn't EXPOSE 3000 (it exposes 8000/tcp).",
      'hello:latest has CMD ["cat","one.txt"], not ["node","app.js"].',
      'hello:latest runs as nobody, not root.',
      undefined,
    ]);
    expect(results[0]!.hints).toEqual([]);
  });

  it('read the Dockerfile and the commands the learner ran', async () => {
    const results = await verdicts(
      { kind: 'dockerfile', instruction: 'RUN', count: 2 },
      { kind: 'dockerfile', instruction: 'COPY' },
      { kind: 'dockerfile', contains: '^USER\\s+nobody' },
      { kind: 'dockerfile', avoids: '^ADD\\s' },
      { kind: 'dockerfile', avoids: '^RUN echo two' },
      { kind: 'command', pattern: '^docker build\\b.*-t hello' },
      { kind: 'command', pattern: '^docker images' },
    );
    expect(results.map((result) => result.reason)).toEqual([
      undefined,
      'Dockerfile has no COPY instruction.',
      undefined,
      undefined,
      'Dockerfile still has "RUN echo two > two.txt".',
      undefined,
      "You haven't run a command like that yet.",
    ]);
    await learner.run('docker images');
    expect((await verdicts({ kind: 'command', pattern: '^docker images' }))[0]!.passed).toBe(true);
    await learner.run('docker rmi no-such-image');
    expect((await verdicts({ kind: 'command', pattern: '^docker rmi' }))[0]!.reason).toBe(
      'You ran docker rmi no-such-image, but it failed (exit status 1).',
    );
  });

  it('count only the commands run in the lesson the learner is on', async () => {
    // One session follows the learner through the course; a command from lesson A doesn't tick lesson B.
    const session = sandbox.server.context.store.get(learner.sessionId)!;
    const before = session.record.lessonId;
    const check = { kind: 'command', pattern: '^docker volume ls' };
    try {
      session.record.lessonId = 'lesson-a';
      await learner.run('docker volume ls');
      expect((await verdicts(check))[0]!.passed).toBe(true);
      session.record.lessonId = 'lesson-b';
      expect((await verdicts(check))[0]!.reason).toBe("You haven't run a command like that yet.");
      session.record.lessonId = 'lesson-a';
      expect((await verdicts(check))[0]!.passed).toBe(true);
    } finally {
      session.record.lessonId = before;
    }
  });

  it('read containers, published ports and HTTP answers', async () => {
    const before = await verdicts({ kind: 'container', image: 'web' }, { kind: 'publishes', port: 8080 }, { kind: 'http', port: 8080 });
    expect(before.map((result) => result.reason)).toEqual([
      'No container from web is running.',
      'No running container publishes port 8080; run one with -p 8080:PORT.',
      "No running container publishes port 8080, so localhost:8080/ can't answer.",
    ]);
    await learner.setFiles(SITE);
    await learner.ok('docker build -t web .');
    await learner.ok('docker run -d --name site -p 8080:80 web');
    const results = await verdicts(
      { kind: 'container', image: 'web' },
      { kind: 'container', name: 'site' },
      { kind: 'publishes', port: 8080 },
      { kind: 'http', port: 8080, contains: 'Layerlab checks' },
      { kind: 'http', port: 8080, path: '/missing.html' },
      { kind: 'http', port: 8080, contains: 'Welcome to nginx' },
      { kind: 'container', name: 'site', state: 'none' },
    );
    expect(results.map((result) => result.reason)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      'localhost:8080/missing.html answered 404, not 200.',
      'localhost:8080/ answered, but its page doesn\'t contain "Welcome to nginx".',
      'A container named site still exists (site); remove it with docker rm.',
    ]);
    await learner.ok('docker stop site');
    const stopped = await verdicts({ kind: 'container', name: 'site' }, { kind: 'container', name: 'site', state: 'exited' });
    expect(stopped[0]!.reason).toMatch(/^The container named site exists but isn't running \(Exited/);
    expect(stopped[1]!.passed).toBe(true);
  });

  it('say a run was refused because an older container holds the name, and how to clear it', async () => {
    // `site` is stopped but still there (the test above): running it again under that name collides.
    const refused = await learner.run('docker run -d --name site -p 8080:80 web');
    expect(refused.exitCode).not.toBe(0);
    expect(refused.output).toContain('is already in use');
    const sentence = 'A container named site already exists, so docker run --name site was refused; remove it with docker rm -f site, then run again.';
    const results = await verdicts(
      { kind: 'container', name: 'site', reason: "The site container isn't running." },
      { kind: 'http', port: 8080 },
      { kind: 'publishes', port: 8080 },
      { kind: 'container', name: 'site', state: 'any' },
    );
    expect(results.map((result) => result.reason)).toEqual([sentence, sentence, sentence, undefined]);

    await learner.ok('docker rm -f site');
    expect((await verdicts({ kind: 'container', name: 'site' }))[0]!.reason).toBe('No container named site is running.');
    await learner.ok('docker run -d --name site -p 8080:80 web');
    expect((await verdicts({ kind: 'container', name: 'site' }, { kind: 'http', port: 8080 })).map((result) => result.passed)).toEqual([true, true]);
  });
});
