import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ClassBrowser } from '../support/class-browser.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { PROMPT_END } from '../support/terminal-text.ts';
import { until } from '../support/until.ts';

/**
 * The server's own faults on the real engine: its process killed outright, and a browser's socket
 * dropped in the middle of a build. Nothing saved is lost, and nobody has to step in.
 */

const LESSON = '01-your-first-image';

describe('the server killed with SIGKILL', () => {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'layerlab-killed-'));
  const env = {
    LAYERLAB_INSTANCE: `killed-${process.pid}`,
    LAYERLAB_STATE_DIR: stateDir,
    LAYERLAB_SITE_DIR: path.join(stateDir, 'no-site'),
  };
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.kill();
    // A server of the same instance in this process ends the sessions and leaves nothing on the engine.
    const tidy: TestSandbox = await startTestSandbox(env);
    await tidy.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('comes back with its sessions, their workspaces and objects, and the class data', async () => {
    server = await startServerProcess(env);
    const instructor = new ClassBrowser(server.url);
    const { code, instructorSecret } = await instructor.json<{ code: string; instructorSecret: string }>('POST', '/api/classes', { name: 'Killed mid-class' }, 201);
    const ana = new ClassBrowser(server.url);
    const { learner } = await ana.json<{ learner: { id: string } }>('POST', '/api/classes/join', { code, nickname: 'Ana' });
    await ana.json('POST', '/api/session', { lessonId: LESSON, files: { Dockerfile: 'FROM busybox\nCMD ["echo", "Hello from Ana"]\n' } });
    const work = await ana.run('docker build -t mine . && docker run -d --name keeper busybox sleep 600 && echo saved > notes.txt');
    expect(work.exitCode, work.output).toBe(0);
    const { results } = await ana.json<{ results: { id: string; passed: boolean }[] }>('POST', '/api/checks');
    expect(results.some((check) => check.passed)).toBe(true);
    // Saved: the session is in the state file (a change is written within half a second).
    const stateFile = path.join(stateDir, 'sessions.json');
    await until(() => existsSync(stateFile) && readFileSync(stateFile, 'utf8').includes(ana.sessionId!), 'the session to be saved');
    ana.disconnect();

    await server.kill();
    server = await startServerProcess(env);
    ana.url = server.url;

    // The learner's same session: its files, its image, its running container.
    const back = await ana.run('cat notes.txt; docker images --format "{{.Repository}}"; docker ps --format "{{.Names}}"');
    expect(back.output.split('\n')).toEqual(expect.arrayContaining(['saved', 'mine', 'keeper']));
    // The class: the learner, the checks they passed, the commands they typed.
    const bearer = { authorization: `Bearer ${instructorSecret}`, origin: server.url };
    const roster = (await (await fetch(`${server.url}/api/classes/${code}`, { headers: bearer })).json()) as { learners: { id: string; progress: Record<string, Record<string, { passed: boolean }>> }[] };
    expect(roster.learners.map((row) => row.id)).toEqual([learner.id]);
    const progress = roster.learners[0]!.progress[LESSON]!;
    for (const check of results) expect(progress[check.id]?.passed, check.id).toBe(check.passed);
    const commands = ((await (await fetch(`${server.url}/api/classes/${code}/learners/${learner.id}/commands`, { headers: bearer })).json()) as { commands: { line: string }[] }).commands;
    expect(commands.map((command) => command.line)).toContain('docker build -t mine . && docker run -d --name keeper busybox sleep 600 && echo saved > notes.txt');
    // And it goes on recording.
    expect((await ana.run('docker image ls')).exitCode).toBe(0);
    ana.disconnect();
  });
});

describe('a browser socket dropped mid-build', () => {
  let sandbox: TestSandbox;
  afterAll(async () => {
    await sandbox?.close();
  });

  it('leaves the build running, and the reconnected terminal shows it finish', async () => {
    sandbox = await startTestSandbox();
    const learner = await sandbox.newLearner({ Dockerfile: 'FROM busybox\nRUN sleep 4 && echo slow step done\nCMD ["echo", "built with nobody watching"]\n' });
    const first = await learner.tty();
    await first.waitFor(PROMPT_END);
    first.type('docker build -t unattended .\r');
    await first.waitFor('RUN sleep 4', { timeoutMs: 60_000 });
    // Cut, not closed: as a laptop's Wi-Fi goes.
    first.socket.terminate();

    const second = await learner.tty();
    try {
      const shown = await second.waitFor(/Successfully tagged unattended:latest[\s\S]*\$ (?:\x1b\[\d+G)?$/, { timeoutMs: 90_000 });
      expect(shown).toContain('slow step done');
    } finally {
      second.close();
    }
    // The first line after the browser's command is this line's own (it once ended empty, with the build's word).
    expect(await learner.run('docker run --rm unattended')).toEqual({ output: 'built with nobody watching\n', exitCode: 0 });
  });
});
