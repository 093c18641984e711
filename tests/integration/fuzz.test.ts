import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTerminal, startTestSandbox, type Learner, type TestSandbox } from '../support/sandbox.ts';

/**
 * Long, adversarial input to every parser a learner can reach (the command line, docker's flags,
 * image names, --format templates, curl, Dockerfiles, .dockerignore, workspace paths, socket
 * frames), while another client keeps asking /api/health. Every command must finish and every
 * health request must be answered: one learner's line must never stall the server for the rest.
 * (Failure here is a stall, seen as a request unanswered for seconds; nothing is timed otherwise.)
 */

let sandbox: TestSandbox;
let learner: Learner;
let polling = true;
let answered = 0;
const unanswered: string[] = [];
let poller: Promise<void>;
let slowest = 0;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  learner = await sandbox.newLearner({ Dockerfile: 'FROM busybox\nCMD ["true"]\n' });
  await learner.ok('docker pull -q busybox');
  poller = (async () => {
    while (polling) {
      const started = performance.now();
      try {
        const response = await fetch(`${sandbox.url}/api/health`, { signal: AbortSignal.timeout(5000) });
        if (!response.ok) unanswered.push(`HTTP ${response.status}`);
        else answered += 1;
      } catch (error) {
        unanswered.push((error as Error).message);
      }
      slowest = Math.max(slowest, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
});

afterAll(async () => {
  polling = false;
  await poller;
  await sandbox?.close();
});

const spaces = (n: number) => ' '.repeat(n);

describe('adversarial input', () => {
  it('on the command line, in flags, names, templates and curl', { timeout: 300_000 }, async () => {
    // State only this shell has: a line that killed it (and had a new one started) would lose it.
    await learner.ok('fuzz_mark=kept; cd /tmp');
    const lines = [
      `docker image inspect --format "{{${spaces(3000)}" busybox`,
      `docker image inspect --format "{{${spaces(15_000)}" busybox`,
      `docker image inspect --format "{{${spaces(60_000)}" busybox`,
      `docker inspect --format "${'{{range .}}'.repeat(300)}{{.}}${'{{end}}'.repeat(300)}" busybox`,
      `docker inspect --format "${'{{range .}}'.repeat(8)}x${'{{end}}'.repeat(8)}" busybox`,
      `docker inspect --format "${'{{'.repeat(5000)}" busybox`,
      `docker inspect --format "${'}}'.repeat(5000)}" busybox`,
      `docker images --format "${'{{.Repository}}'.repeat(1000)}"`,
      `echo '${"a'".repeat(5000)}`,
      `docker run "${'\\"'.repeat(5000)}`,
      `docker run ${'a='.repeat(5000)}`,
      `docker run ${'-'.repeat(15_000)}`,
      `docker run --${'a'.repeat(15_000)} busybox`,
      `docker run -p ${'1:'.repeat(5000)} busybox true`,
      `docker run -p ${'9'.repeat(15_000)} busybox true`,
      `docker run -e ${'A=B,'.repeat(3000)} busybox true`,
      `docker run -v ${'a/'.repeat(5000)}:/x busybox true`,
      `docker pull ${'a'.repeat(15_000)}`,
      `docker pull ${'a.'.repeat(7000)}:x`,
      `docker pull ${'a-'.repeat(7000)}a/b`,
      `docker pull localhost:5000/${'a__'.repeat(4000)}`,
      `docker tag busybox ${'a-'.repeat(7000)}`,
      `docker tag busybox ${'a:'.repeat(7000)}`,
      `docker build -t ${'a.'.repeat(7000)} .`,
      `curl http://localhost:${'9'.repeat(15_000)}`,
      `curl http://${'a'.repeat(15_000)}`,
      `curl ${'http://'.repeat(2000)}`,
      `docker ${'x '.repeat(7000)}`,
      `${'docker '.repeat(2000)}`,
      `docker ps --filter ${'name='.repeat(3000)}`,
      `docker logs --tail ${'9'.repeat(15_000)} x`,
      `ls ${'-a'.repeat(7000)}`,
      `cat ${'../'.repeat(5000)}`,
    ];
    // Each line ends, either run by the shell or refused with a sentence: over 16 KiB, or not a
    // whole command (an open quote, an open $( ). Every line that didn't is listed, with what it
    // gave, so one failure doesn't hide the next.
    // Each line's time is kept too: should the lines together outlast the test, the failure names
    // the slow ones instead of vitest's bare timeout.
    const wrong: string[] = [];
    const took: string[] = [];
    const started = performance.now();
    for (const line of lines) {
      const lineStarted = performance.now();
      let unfinished = false;
      const outcome = await learner.run(line, 30_000).then(
        (result) => `exit ${result.exitCode}`,
        (error: Error) => {
          unfinished = error.message.includes('did not finish within');
          return unfinished ? 'did not finish within 30 s' : error.message.slice(0, 400);
        },
      );
      took.push(`${Math.round(performance.now() - lineStarted)} ms: ${line.slice(0, 40)}`);
      const expected = line.length > 16 * 1024 ? /a command may be at most 16384/ : /^exit \d+$|is not a whole command/;
      if (!expected.test(outcome)) wrong.push(`${line.slice(0, 60)} → ${outcome}`);
      // A line still running holds the shell: the ones after it would only queue behind it.
      if (unfinished) break;
      if (performance.now() - started > 200_000) {
        wrong.push(`the lines so far took over 200 s, each: ${took.join('; ')}`);
        break;
      }
    }
    expect(wrong).toEqual([]);
    // The shell is still there, the same one, with its variables and working directory.
    expect(await learner.run('echo "${fuzz_mark:-lost} $PWD"')).toEqual({ output: 'kept /tmp\n', exitCode: 0 });
    await learner.ok('cd ~/workspace');
    expect(unanswered).toEqual([]);
  });

  // A line whose shell dies must end too, and say so: the workbench starts a new shell, but the
  // session's shell state (variables, working directory) is gone, which "exit 0" would hide.
  // bash 5.2 parses each $( by recursion, and some 2000 nested ones overflow its 8 MiB stack: it
  // dies of SIGSEGV before anything runs (`bash -n` on such a line exits 139).
  for (const [what, line] of [
    ['kills bash as it parses it', `docker run ${'$('.repeat(5000)}`],
    ['ends the shell', 'kill -SEGV $$'],
  ] as const) {
    it(`in a line that ${what}: the line ends and says so, and the next line has a shell`, async () => {
      const crasher = await sandbox.newLearner();
      await crasher.ok('fuzz_mark=kept');
      const outcome = await crasher.run(line, 30_000).then(
        (result) => `exit ${result.exitCode}: ${result.output}`,
        (error: Error) => error.message,
      );
      // Asked on a terminal of its own, so as not to queue behind a line that never ended.
      const other = crasher.another();
      try {
        const state = await other.run('echo "${fuzz_mark:-lost}"', 30_000);
        expect(outcome, line.slice(0, 60)).not.toMatch(/did not finish within/);
        if (state.output === 'kept\n') expect(outcome, line.slice(0, 60)).toMatch(/^exit \d+: |is not a whole command/);
        else expect(outcome, `${line.slice(0, 60)}: the shell was replaced (its variables are gone), and the line said`).toMatch(/the shell ended/);
        expect(await other.run('echo still here', 30_000)).toEqual({ output: 'still here\n', exitCode: 0 });
      } finally {
        other.disconnect();
        crasher.disconnect();
      }
      expect(unanswered).toEqual([]);
    });
  }

  // Each test below has a learner of its own, so a shell the test above left busy can't fail them too.
  it('in Dockerfiles and .dockerignore patterns', { timeout: 300_000 }, async () => {
    const learner = await sandbox.newLearner();
    const dockerfiles = [
      `FROM busybox\nRUN echo ${'$'.repeat(60_000)}\n`,
      `FROM busybox\nENV a=${'${a:-'.repeat(20_000)}x${'}'.repeat(20_000)}\n`,
      `FROM busybox\nENV a=${'${a:-'.repeat(40)}x${'}'.repeat(40)}\n`,
      `FROM busybox\nRUN ${'['.repeat(30_000)}${']'.repeat(30_000)}\n`,
      `FROM busybox\nADD ${'["a",'.repeat(10_000)}"b"] /x\n`,
      `FROM busybox\nENV ${'a="b" '.repeat(10_000)}\n`,
      `FROM busybox\nLABEL ${'"'.repeat(60_000)}\n`,
      `FROM busybox\nWORKDIR ${'/..'.repeat(20_000)}/proc\n`,
      `FROM busybox\n${'RUN true \\\n'.repeat(20_000)}\n`,
      `FROM busybox\n${'# comment\n'.repeat(50_000)}CMD ["true"]\n`,
      `FROM busybox\n${'ENV a=b\n'.repeat(2000)}`,
      `${'# escape=`\n'.repeat(10_000)}FROM busybox\n`,
      `FROM busybox\nCOPY ${'--chown=1 '.repeat(6000)}a /b\n`,
      `FROM busybox\nCOPY --from=${'a'.repeat(60_000)} a /b\n`,
      `FROM ${'a/'.repeat(30_000)}b\n`,
      `FROM busybox\nONBUILD ${'ONBUILD '.repeat(8000)}RUN x\n`,
      `FROM busybox\nHEALTHCHECK ${'--interval=1s '.repeat(4000)}CMD true\n`,
      `FROM busybox\nRUN ${'\t'.repeat(60_000)}x\n`,
      `\uFEFF${'\r\n'.repeat(50_000)}FROM busybox\n`,
      // The outside review's: many ENV keys, then an ARG of thousands of names (each once copied the environment).
      `FROM busybox\nENV ${Array.from({ length: 7000 }, (_, i) => `k${i}=1`).join(' ')}\nENV ${Array.from({ length: 7000 }, (_, i) => `j${i}=1`).join(' ')}\nARG ${'a '.repeat(6000)}\nADD http://refused.example/ /x\n`,
      // A step whose output is one endless line (the build output was once re-read per chunk;
      // tests/unit/build-steps.test.ts pushes 50 MB of it through the reader).
      `FROM busybox\nRUN head -c 10000000 /dev/zero | tr "\\0" b && echo ${Date.now()}\n`,
    ];
    for (const dockerfile of dockerfiles) {
      await learner.setFiles({ Dockerfile: dockerfile });
      const result = await learner.run('docker build -t fuzz .', 120_000);
      expect(result.output, dockerfile.slice(0, 60)).not.toMatch(/internal error|TypeError|RangeError/);
    }
    const files: Record<string, string> = { Dockerfile: 'FROM busybox\nCOPY . /x\n', '.dockerignore': `${'**/'.repeat(2000)}a\n${'*'.repeat(10_000)}b\n${'!'.repeat(5000)}c\n` };
    for (let index = 0; index < 150; index++) files[`${'d/'.repeat(50)}f${index}`] = 'x';
    await learner.setFiles(files);
    await learner.run('docker build -t fuzz .', 120_000);
    expect(unanswered).toEqual([]);
  });

  it('in workspace paths and socket frames', async () => {
    const learner = await sandbox.newLearner();
    await learner.ok('docker pull -q busybox');
    const response = await fetch(`${sandbox.url}/api/workspace`, {
      method: 'PUT',
      headers: { origin: sandbox.url, 'content-type': 'application/json', cookie: learner.cookie },
      body: JSON.stringify({ files: { [`${'a.'.repeat(500_000)}/`]: 'x', [`${'a/'.repeat(100)}`]: 'y' } }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/characters long; a workspace path may have at most 255/);

    const socket = await openTerminal(sandbox.url, learner.cookie, { mode: 'tty' });
    for (const data of ['x'.repeat(60_000), `${'\x1b['.repeat(20_000)}`, `${'\t'.repeat(60_000)}`, '\r']) {
      socket.send(JSON.stringify({ type: 'stdin', data }));
    }
    socket.send(JSON.stringify({ type: 'exec', command: `${'$'.repeat(60_000)}` }));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    socket.close();
    expect(await learner.ok('docker images -q busybox')).toMatch(/^[0-9a-f]{12}\n$/);
    expect(unanswered).toEqual([]);
  });

  it('left the server answering throughout', () => {
    console.log(`/api/health answered ${answered} times during the fuzzing; the slowest took ${Math.round(slowest)} ms`);
    expect(answered).toBeGreaterThan(20);
    expect(unanswered).toEqual([]);
  });
});
