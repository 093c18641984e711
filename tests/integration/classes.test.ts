import { rmSync } from 'node:fs';
import http from 'node:http';
import pg from 'pg';
import type WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClassBrowser, openSocket } from '../support/class-browser.ts';
import { parseCsv } from '../support/csv.ts';
import { freePort } from '../support/ports.ts';
import { startTestPostgres, type TestPostgres } from '../support/postgres.ts';
import { postFrom, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { CLASS_LIMITS } from '../../sandbox-server/classes/limits.ts';
import { EVENT_CHANNEL } from '../../sandbox-server/classes/postgres-events.ts';
import { eventually, plain } from '../support/terminal-text.ts';

/** Retries an assertion until it holds (or the tries run out). */
const until = (assertion: () => unknown) => eventually(async () => (await assertion(), true));

/**
 * Class mode on the real engine: an instructor creates a class, two learners join and work in real
 * sessions, and what they did comes back in the roster, the exports, the live stream and the
 * read-only terminal view, across a second browser and a server restart; every instructor
 * endpoint refuses anyone without the class's own secret. All of it on SQLite and on PostgreSQL
 * (a cluster of the test's own); then two hosts sharing one PostgreSQL.
 */

let postgres: TestPostgres | undefined;
/** One PostgreSQL cluster for the file, started when a suite first needs it. */
async function cluster(): Promise<TestPostgres> {
  postgres ??= await startTestPostgres();
  return postgres;
}
afterAll(async () => {
  await postgres?.stop();
});

const LESSON = '01-your-first-image';
const BEN_DOCKERFILE = 'FROM busybox\nCMD ["echo", "Hello from Ben"]\n';

describe.each(['SQLite', 'PostgreSQL'] as const)('class mode on %s', (backend) => {
  let sandbox: TestSandbox;
  let restarted: TestSandbox | undefined;
  /** LAYERLAB_CLASS_DB for this backend's servers (none: the SQLite file in the state folder). */
  let database: Record<string, string> = {};
  const browsers: ClassBrowser[] = [];
  const sockets: WebSocket[] = [];
  let code: string;
  let secret: string;
  let other: { code: string; secret: string };
  let ana: ClassBrowser;
  let ben: ClassBrowser;
  let anaId: string;
  let anaKey: string;
  let benId: string;
  const results: Record<string, { id: string; title: string; passed: boolean; reason?: string }[]> = {};

  const live = () => restarted ?? sandbox;
  const browser = () => {
    const made = new ClassBrowser(live().url);
    browsers.push(made);
    return made;
  };
  const asInstructor = (path: string, key = secret, init: RequestInit = {}) =>
    fetch(new URL(path, live().url), { ...init, headers: { authorization: `Bearer ${key}`, origin: live().url, ...(init.headers ?? {}) } });

  async function checks(who: ClassBrowser) {
    const answer = await who.json<{ results: { id: string; title: string; passed: boolean; reason?: string }[] }>('POST', '/api/checks');
    return answer.results;
  }

  beforeAll(async () => {
    database = backend === 'PostgreSQL' ? { LAYERLAB_CLASS_DB: await (await cluster()).newDatabase() } : {};
    sandbox = await startTestSandbox(database);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    for (const made of browsers) made.disconnect();
    await restarted?.close();
    if (restarted) rmSync(sandbox.config.stateDir, { recursive: true, force: true });
    else await sandbox?.close();
  });

  it('creates a class with a code, a secret shown once, and its pages', async () => {
    const instructor = browser();
    const created = await instructor.json<{ code: string; name: string; instructorSecret: string; joinPath: string; dashboardPath: string }>('POST', '/api/classes', { name: 'Docker 101' }, 201);
    expect(created.code).toMatch(/^[A-HJKMNP-Z2-9]{6}$/);
    expect(created.instructorSecret.length).toBeGreaterThanOrEqual(43);
    expect(created).toMatchObject({ name: 'Docker 101', joinPath: `/class/join/?code=${created.code}`, dashboardPath: `/class/dashboard/?code=${created.code}` });
    ({ code, instructorSecret: secret } = created);
    const second = await instructor.json<{ code: string; instructorSecret: string }>('POST', '/api/classes', { name: 'Another class' }, 201);
    other = { code: second.code, secret: second.instructorSecret };
    // Bad input is a sentence, and a POST from another site is refused.
    expect((await instructor.request('POST', '/api/classes', { name: '  ' })).status).toBe(400);
    expect((await instructor.request('POST', '/api/classes', { name: 'x', extra: 1 })).status).toBe(400);
    expect((await instructor.request('POST', '/api/classes', { name: 'x' }, { origin: 'http://evil.example' })).status).toBe(403);
  });

  it('lets two learners join with nicknames, refusing a taken one and a bad one', async () => {
    ana = browser();
    ben = browser();
    const joined = await ana.json<{ class: { code: string; name: string }; learner: { id: string; nickname: string }; learnerKey: string }>('POST', '/api/classes/join', {
      code: code.toLowerCase(),
      nickname: '  Ana ',
    });
    expect(joined).toMatchObject({ class: { code, name: 'Docker 101' }, learner: { nickname: 'Ana' } });
    anaId = joined.learner.id;
    anaKey = joined.learnerKey;
    expect(ana.cookies.get('layerlab_learner')).toBe(`${anaId}.${anaKey}`);
    benId = (await ben.json<{ learner: { id: string } }>('POST', '/api/classes/join', { code, nickname: 'Ben' })).learner.id;

    const stranger = browser();
    const taken = await stranger.request('POST', '/api/classes/join', { code, nickname: 'ANA' });
    expect(taken.status).toBe(409);
    expect((await taken.json()).error).toContain('already called "Ana"');
    expect((await stranger.request('POST', '/api/classes/join', { code, nickname: 'ANA', learnerKey: 'not-the-key' })).status).toBe(409);
    expect((await stranger.request('POST', '/api/classes/join', { code, nickname: 'x'.repeat(41) })).status).toBe(400);
    expect((await stranger.request('POST', '/api/classes/join', { code, nickname: 'bell\u0007' })).status).toBe(400);
    expect((await stranger.request('POST', '/api/classes/join', { code: 'ZZZZZZ', nickname: 'Cy' })).status).toBe(404);
    expect((await stranger.request('GET', '/api/classes/me')).status).toBe(404);
  });

  it("records each learner's own check runs and commands from real sessions", async () => {
    await ana.json('POST', '/api/session', { lessonId: LESSON });
    await ben.json('POST', '/api/session', { lessonId: LESSON, files: { Dockerfile: BEN_DOCKERFILE } });
    expect(sandbox.server.context.store.get(ana.sessionId)?.record.learner).toEqual({ classCode: code, learnerId: anaId });

    expect((await ana.run('docker images')).exitCode).toBe(0);
    results.ana = await checks(ana);
    expect((await ben.run('echo built-nothing; false')).exitCode).toBe(1);
    results.ben = await checks(ben);
    // The two did different things: Ana listed images, Ben's Dockerfile has its CMD.
    expect(results.ana.find((check) => check.id === 'listed')?.passed).toBe(true);
    expect(results.ben.find((check) => check.id === 'listed')?.passed).toBe(false);
    expect(results.ben.find((check) => check.id === 'cmd')?.passed).toBe(true);
    expect(results.ana.find((check) => check.id === 'cmd')?.passed).toBe(false);

    const me = await ana.json<{ class: { closed: boolean }; learner: { id: string }; progress: Record<string, Record<string, { passed: boolean; reason: string | null }>> }>('GET', '/api/classes/me');
    expect(me.class.closed).toBe(false);
    expect(me.learner.id).toBe(anaId);
    expect(Object.keys(me.progress)).toEqual([LESSON]);
    for (const result of results.ana) expect(me.progress[LESSON]![result.id]).toMatchObject({ passed: result.passed, reason: result.reason ?? null });
  });

  it('shows the roster with exactly those results, and each learner their own commands', async () => {
    const response = await asInstructor(`/api/classes/${code}`);
    expect(response.status).toBe(200);
    const roster = (await response.json()) as {
      class: { code: string; closedAt: string | null };
      lessons: { id: string; checks: { id: string }[] }[];
      learners: { id: string; nickname: string; online: boolean; lessonId: string | null; commandCount: number; progress: Record<string, Record<string, { passed: boolean; firstPassedAt: string | null; reason: string | null }>> }[];
    };
    expect(roster.class).toMatchObject({ code, closedAt: null });
    expect(roster.lessons.find((lesson) => lesson.id === LESSON)?.checks.map((check) => check.id)).toEqual(['cmd', 'built', 'listed']);
    expect(roster.learners.map((learner) => learner.nickname)).toEqual(['Ana', 'Ben']);
    for (const [learner, id] of [['ana', anaId], ['ben', benId]] as const) {
      const row = roster.learners.find((entry) => entry.id === id)!;
      expect(row).toMatchObject({ online: true, lessonId: LESSON, commandCount: 1 });
      expect(Object.keys(row.progress[LESSON]!).sort()).toEqual(results[learner]!.map((result) => result.id).sort());
      for (const result of results[learner]!) {
        expect(row.progress[LESSON]![result.id]).toMatchObject({ passed: result.passed, reason: result.reason ?? null });
        expect(row.progress[LESSON]![result.id]!.firstPassedAt === null).toBe(!result.passed);
      }
    }
    const commands = async (id: string) => ((await (await asInstructor(`/api/classes/${code}/learners/${id}/commands`)).json()) as { commands: { line: string; exitCode: number; lessonId: string }[] }).commands;
    expect(await commands(anaId)).toMatchObject([{ line: 'docker images', exitCode: 0, lessonId: LESSON }]);
    expect(await commands(benId)).toMatchObject([{ line: 'echo built-nothing; false', exitCode: 1, lessonId: LESSON }]);
  });

  it('exports exactly that as CSV and JSON', async () => {
    const csv = await asInstructor(`/api/classes/${code}/export.csv`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const [header, ...rows] = parseCsv(await csv.text());
    expect(header!.join(',')).toBe('nickname,learner_id,lesson_id,check_id,check_title,passed,first_passed_at,last_checked_at');
    const courseChecks = live().server.context.lessons.all().reduce((sum, lesson) => sum + lesson.frontmatter.checks.length, 0);
    expect(rows.length).toBe(2 * courseChecks);
    for (const [nickname, id, learner] of [['Ana', anaId, 'ana'], ['Ben', benId, 'ben']] as const) {
      const own = rows.filter((row) => row[0] === nickname && row[1] === id);
      expect(own.length).toBe(courseChecks);
      const recorded = own.filter((row) => row[7] !== '');
      expect(recorded.map((row) => [row[2], row[3], row[5]]).sort()).toEqual(results[learner]!.map((result) => [LESSON, result.id, String(result.passed)]).sort());
      for (const row of recorded) expect(Number.isNaN(Date.parse(row[7]!))).toBe(false);
      expect(own.filter((row) => row[7] === '').every((row) => row[5] === 'false' && row[6] === '')).toBe(true);
    }
    const [commandsHeader, ...commandRows] = parseCsv(await (await asInstructor(`/api/classes/${code}/export.csv?table=commands`)).text());
    expect(commandsHeader!.join(',')).toBe('nickname,learner_id,at,lesson_id,exit_code,command');
    expect(commandRows.map((row) => [row[0], row[3], row[4], row[5]])).toEqual([
      ['Ana', LESSON, '0', 'docker images'],
      ['Ben', LESSON, '1', 'echo built-nothing; false'],
    ]);
    expect((await asInstructor(`/api/classes/${code}/export.csv?table=nope`)).status).toBe(400);

    const json = (await (await asInstructor(`/api/classes/${code}/export.json`)).json()) as {
      class: { code: string };
      learners: { id: string; checks: { lessonId: string; checkId: string; passed: boolean; lastCheckedAt: string | null }[]; commands: { line: string }[] }[];
    };
    expect(json.class.code).toBe(code);
    for (const [id, learner] of [[anaId, 'ana'], [benId, 'ben']] as const) {
      const entry = json.learners.find((candidate) => candidate.id === id)!;
      expect(entry.checks.length).toBe(courseChecks);
      expect(entry.checks.filter((check) => check.lastCheckedAt !== null).map((check) => [check.checkId, check.passed]).sort()).toEqual(
        results[learner]!.map((result) => [result.id, result.passed]).sort(),
      );
      expect(entry.checks.filter((check) => check.lastCheckedAt === null).every((check) => !check.passed)).toBe(true);
    }
    expect(json.learners.find((entry) => entry.id === anaId)!.commands.map((command) => command.line)).toEqual(['docker images']);
  });

  it('keeps a long command line cut at 4 KiB', async () => {
    const long = `echo ${'x'.repeat(6000)} > /dev/null`;
    expect((await ben.run(long)).exitCode).toBe(0);
    await until(async () => {
      const commands = ((await (await asInstructor(`/api/classes/${code}/learners/${benId}/commands`)).json()) as { commands: { line: string }[] }).commands;
      expect(commands.at(-1)!.line).toBe(long.slice(0, CLASS_LIMITS.commandLineBytes));
    });
  });

  it('limits join attempts and new classes per address, so keys and secrets cannot be tried in bulk', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt <= CLASS_LIMITS.joinsPerAddressPerMinute; attempt++) {
      statuses.push((await postFrom('127.0.0.7', sandbox.url, '/api/classes/join', { code, nickname: 'Ana', learnerKey: `guess-${attempt}` })).status);
    }
    expect(statuses.slice(0, -1).every((status) => status === 409)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    const signIns: number[] = [];
    for (let attempt = 0; attempt <= CLASS_LIMITS.instructorSignInsPerAddressPerMinute; attempt++) {
      signIns.push((await postFrom('127.0.0.8', sandbox.url, `/api/classes/${code}/instructor`, { secret: `guess-${attempt}` })).status);
    }
    expect(signIns.at(-2)).toBe(401);
    expect(signIns.at(-1)).toBe(429);
    const creates: number[] = [];
    for (let attempt = 0; attempt <= CLASS_LIMITS.classesPerAddressPerHour; attempt++) {
      creates.push((await postFrom('127.0.0.9', sandbox.url, '/api/classes', { name: `Class ${attempt}` })).status);
    }
    expect(creates.at(-2)).toBe(201);
    expect(creates.at(-1)).toBe(429);
    // Guessing keys cookie by cookie on GET /api/classes/me stops too.
    const guessMe = (attempt: number) =>
      new Promise<number>((resolve, reject) => {
        const request = http.get(new URL('/api/classes/me', sandbox.url), { localAddress: '127.0.0.6', headers: { cookie: `layerlab_learner=${anaId}.guess${attempt}` } }, (response) => {
          response.resume();
          resolve(response.statusCode!);
        });
        request.on('error', reject);
      });
    const guesses: number[] = [];
    for (let attempt = 0; attempt <= CLASS_LIMITS.meRequestsPerAddressPerMinute; attempt++) guesses.push(await guessMe(attempt));
    expect(guesses.at(-2)).toBe(404);
    expect(guesses.at(-1)).toBe(429);
  });

  it('resumes a learner in a second browser with their key, and their progress comes along', async () => {
    const laptop = browser();
    const resumed = await laptop.json<{ learner: { id: string }; learnerKey: string }>('POST', '/api/classes/join', { code, nickname: 'ana', learnerKey: anaKey });
    expect(resumed.learner.id).toBe(anaId);
    expect(resumed.learnerKey).toBe(anaKey);
    const me = await laptop.json<{ progress: Record<string, Record<string, { passed: boolean }>> }>('GET', '/api/classes/me');
    expect(me.progress[LESSON]!.listed!.passed).toBe(true);
    // Its session records for Ana too.
    await laptop.json('POST', '/api/session', { lessonId: LESSON });
    expect(live().server.context.store.get(laptop.sessionId)?.record.learner?.learnerId).toBe(anaId);
    laptop.disconnect();
    // Leaving unlinks the session and forgets the class.
    expect((await laptop.request('POST', '/api/classes/leave')).status).toBe(204);
    expect(laptop.cookies.has('layerlab_learner')).toBe(false);
    expect(live().server.context.store.get(laptop.sessionId)?.record.learner).toBeUndefined();
    expect((await laptop.request('GET', '/api/classes/me')).status).toBe(404);
  });

  it("keeps a learner out of the instructor's data and of other learners'", async () => {
    expect((await ana.request('GET', `/api/classes/${code}`)).status).toBe(401);
    expect((await ana.request('GET', `/api/classes/${code}/learners/${benId}/commands`)).status).toBe(401);
    expect((await ana.request('GET', `/api/classes/${code}/export.csv`)).status).toBe(401);
    // The learner cookie is no secret: sent as a bearer it opens nothing either.
    expect((await asInstructor(`/api/classes/${code}`, ana.cookies.get('layerlab_learner')!)).status).toBe(401);
    const me = (await (await ana.request('GET', '/api/classes/me')).json()) as Record<string, unknown>;
    expect(JSON.stringify(me)).not.toContain(benId);
    expect(JSON.stringify(me)).not.toContain('Ben');
    // A forged cookie naming Ben with Ana's key is no one.
    const forger = browser();
    forger.cookies.set('layerlab_learner', `${benId}.${anaKey}`);
    expect((await forger.request('GET', '/api/classes/me')).status).toBe(404);
    // Another class's secret opens that class only, and none of this class's learners.
    expect((await asInstructor(`/api/classes/${other.code}/learners/${anaId}/commands`, other.secret)).status).toBe(404);
  });

  it('refuses every instructor endpoint without the secret, with a wrong one, or with another class\'s', async () => {
    const endpoints: [string, string][] = [
      ['GET', `/api/classes/${code}`],
      ['GET', `/api/classes/${code}/events`],
      ['GET', `/api/classes/${code}/learners/${anaId}/commands`],
      ['GET', `/api/classes/${code}/export.json`],
      ['GET', `/api/classes/${code}/export.csv`],
      ['GET', `/api/classes/${code}/export.csv?table=commands`],
      ['POST', `/api/classes/${code}/close`],
    ];
    const credentials: [string, Record<string, string>][] = [
      ['no secret', {}],
      ['a wrong secret', { authorization: `Bearer ${secret.slice(0, -2)}xx` }],
      ["another class's secret", { authorization: `Bearer ${other.secret}` }],
      ["another class's cookie", { cookie: `layerlab_instructor_${code}=${other.secret}` }],
      ['a malformed header', { authorization: secret }],
    ];
    for (const [label, headers] of credentials) {
      for (const [method, path] of endpoints) {
        const response = await fetch(new URL(path, live().url), { method, headers: { origin: live().url, ...headers } });
        expect({ label, path, method, status: response.status }).toEqual({ label, path, method, status: 401 });
        expect(((await response.json()) as { error: string }).error).toBe("this needs the class's instructor secret");
      }
      await expect(
        openSocket(`${live().url}/api/classes/${code}/learners/${anaId}/terminal`, { origin: live().url, ...headers }),
        `the watch socket with ${label}`,
      ).rejects.toThrow('HTTP 401');
      const signIn = await fetch(new URL(`/api/classes/${code}/instructor`, live().url), {
        method: 'POST',
        headers: { origin: live().url, 'content-type': 'application/json' },
        body: JSON.stringify({ secret: headers.authorization?.slice(7) ?? 'nothing' }),
      });
      expect(signIn.status).toBe(401);
    }
    // The class is still open: none of those closes went through.
    expect(((await (await asInstructor(`/api/classes/${code}`)).json()) as { class: { closedAt: null } }).class.closedAt).toBeNull();
  });

  it('signs the dashboard in with a cookie scoped to the class', async () => {
    const dashboard = browser();
    expect((await dashboard.request('POST', `/api/classes/${code}/instructor`, { secret })).status).toBe(204);
    expect(dashboard.cookies.get(`layerlab_instructor_${code}`)).toBe(secret);
    expect((await dashboard.request('GET', `/api/classes/${code}`)).status).toBe(200);
    // That cookie names this class: it is no use on another.
    const elsewhere = await fetch(new URL(`/api/classes/${other.code}`, live().url), { headers: { cookie: `layerlab_instructor_${other.code}=${secret}` } });
    expect(elsewhere.status).toBe(401);
  });

  it('streams a learner event when checks are recorded', async () => {
    const controller = new AbortController();
    const response = await asInstructor(`/api/classes/${code}/events`, secret, { signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    let text = '';
    const received = (async () => {
      const decoder = new TextDecoder();
      while (!text.includes('event: learner')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value);
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await checks(ben);
    await Promise.race([received, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    controller.abort();
    const event = text.split('\n\n').find((block) => block.startsWith('event: learner'));
    expect(event, text).toBeDefined();
    const learner = JSON.parse(event!.split('\ndata: ')[1]!) as { id: string; nickname: string; progress: Record<string, unknown> };
    expect(learner).toMatchObject({ id: benId, nickname: 'Ben' });
    expect(Object.keys(learner.progress)).toEqual([LESSON]);
  });

  it("shows a learner's terminal read-only: their output reaches the watcher, and nothing the watcher sends reaches the shell", async () => {
    const terminal = await ana.tty(100, 30);
    sockets.push(terminal.socket);
    await terminal.waitFor('$ ');
    const frames: string[] = [];
    const messages: { type: string }[] = [];
    const watcher = await openSocket(`${sandbox.url}/api/classes/${code}/learners/${anaId}/terminal`, { origin: sandbox.url, authorization: `Bearer ${secret}` }, (socket) =>
      socket.on('message', (data, isBinary) => (isBinary ? frames.push(data.toString()) : messages.push(JSON.parse(data.toString())))),
    );
    sockets.push(watcher);
    // At the learner's size, which the watcher draws at and can't change.
    await until(() => expect(messages[0]).toMatchObject({ type: 'ready', mode: 'tty', screen: true, cols: 100, rows: 30 }));

    terminal.type('echo watched-$((6*7))\r');
    await terminal.waitForCommandEnd('echo watched-$((6*7))');
    await until(() => expect(plain(frames.join(''))).toContain('watched-42'));

    // Keystrokes, a button's command and a resize from the watcher: all ignored.
    watcher.send(JSON.stringify({ type: 'stdin', data: 'touch /tmp/from-watcher\r' }));
    watcher.send(JSON.stringify({ type: 'exec', command: 'touch /tmp/from-watcher-exec' }));
    watcher.send(JSON.stringify({ type: 'resize', cols: 40, rows: 10 }));
    watcher.send(Buffer.from('touch /tmp/from-watcher-binary\r'));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    terminal.type('ls /tmp/from-watcher* 2>&1 | wc -l; stty size\r');
    await terminal.waitForCommandEnd('ls /tmp/from-watcher* 2>&1 | wc -l; stty size');
    const after = plain(terminal.screen);
    expect(after).toMatch(/\n1\n30 100\n/);
    expect(after).not.toContain('touch /tmp/from-watcher');
    expect(messages.filter((message) => message.type === 'error')).toEqual([]);

    // Ben has no terminal open: the watcher is told so.
    ben.disconnect();
    await until(() => expect(live().server.context.store.get(ben.sessionId)?.openTerminals).toBe(0));
    const refused: { type: string; message?: string }[] = [];
    const benWatcher = await openSocket(`${sandbox.url}/api/classes/${code}/learners/${benId}/terminal`, { origin: sandbox.url, authorization: `Bearer ${secret}` }, (socket) =>
      socket.on('message', (data) => refused.push(JSON.parse(data.toString()))),
    );
    sockets.push(benWatcher);
    await until(() => expect(refused).toEqual([{ type: 'error', message: 'Ben has no terminal open now' }]));
    const roster = (await (await asInstructor(`/api/classes/${code}`)).json()) as { learners: { id: string; online: boolean }[] };
    expect(roster.learners.find((learner) => learner.id === benId)?.online).toBe(false);
    expect(roster.learners.find((learner) => learner.id === anaId)?.online).toBe(true);
    terminal.close();
    watcher.close();
  });

  it('keeps class data across a server restart', async () => {
    for (const made of browsers) made.disconnect();
    await sandbox.stop();
    restarted = await startTestSandbox({ ...database, LAYERLAB_INSTANCE: sandbox.config.instance, LAYERLAB_STATE_DIR: sandbox.config.stateDir });
    for (const made of [ana, ben]) made.url = restarted.url;
    const roster = (await (await asInstructor(`/api/classes/${code}`)).json()) as { learners: { id: string; progress: Record<string, Record<string, { passed: boolean }>> }[] };
    expect(roster.learners.map((learner) => learner.id)).toEqual([anaId, benId]);
    expect(roster.learners[0]!.progress[LESSON]!.listed!.passed).toBe(true);
    const me = (await (await ana.request('GET', '/api/classes/me')).json()) as { learner: { id: string } };
    expect(me.learner.id).toBe(anaId);
    // The restored session still records for Ana.
    expect((await ana.run('docker image ls')).exitCode).toBe(0);
    await until(async () => {
      const commands = ((await (await asInstructor(`/api/classes/${code}/learners/${anaId}/commands`)).json()) as { commands: { line: string }[] }).commands;
      expect(commands.map((command) => command.line)).toContain('docker image ls');
    });
  });

  it('closes the class: its sessions end, joins and recordings are refused, and every result stays', async () => {
    const store = live().server.context.store;
    const anaSession = store.get(ana.sessionId)!;
    expect(anaSession).toBeDefined();
    // The dashboard's stream hears the close.
    const controller = new AbortController();
    const stream = await asInstructor(`/api/classes/${code}/events`, secret, { signal: controller.signal });
    const reader = stream.body!.getReader();
    let streamed = '';
    const heard = (async () => {
      while (!streamed.includes('event: class')) {
        const { value, done } = await reader.read();
        if (done) break;
        streamed += new TextDecoder().decode(value);
      }
    })();
    const closed = await asInstructor(`/api/classes/${code}/close`, secret, { method: 'POST' });
    expect(closed.status).toBe(200);
    const { closedAt } = (await closed.json()) as { closedAt: string };
    await Promise.race([heard, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    controller.abort();
    expect(streamed).toContain(`event: class\ndata: ${JSON.stringify({ closedAt })}\n\n`);
    expect(Number.isNaN(Date.parse(closedAt))).toBe(false);
    expect(store.get(ana.sessionId)).toBeUndefined();
    expect(store.get(ben.sessionId)).toBeUndefined();
    expect(store.all().some((session) => session.record.learner?.classCode === code)).toBe(false);

    const late = browser();
    const refused = await late.request('POST', '/api/classes/join', { code, nickname: 'Late' });
    expect(refused.status).toBe(410);
    // A new session of a learner in a closed class is not linked, so it records nothing.
    await ana.json('POST', '/api/session', { lessonId: LESSON });
    expect(store.get(ana.sessionId)?.record.learner).toBeUndefined();
    await ana.run('echo after-close');
    await checks(ana);

    const me = (await (await ana.request('GET', '/api/classes/me')).json()) as { class: { closed: boolean } };
    expect(me.class.closed).toBe(true);
    const json = (await (await asInstructor(`/api/classes/${code}/export.json`)).json()) as { class: { closedAt: string }; learners: { id: string; checks: { checkId: string; passed: boolean }[]; commands: { line: string }[] }[] };
    expect(json.class.closedAt).toBe(closedAt);
    const anaExport = json.learners.find((learner) => learner.id === anaId)!;
    expect(anaExport.checks.find((check) => check.checkId === 'listed')?.passed).toBe(true);
    expect(anaExport.commands.map((command) => command.line)).not.toContain('echo after-close');
    expect(anaExport.commands.map((command) => command.line)).toContain('docker images');
  });
});

/** Reads an event stream until `until` holds for what came, or ten seconds pass; then stops reading. */
async function streamUntil(response: Response, controller: AbortController, until: (text: string) => boolean): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const reading = (async () => {
    while (!until(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
  })().catch(() => {});
  await Promise.race([reading, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  controller.abort();
  return text;
}

describe('class mode on two hosts sharing one PostgreSQL', () => {
  let hostA: TestSandbox;
  let hostB: TestSandbox;
  let databaseUrl: string;
  const browsers: ClassBrowser[] = [];

  beforeAll(async () => {
    databaseUrl = await (await cluster()).newDatabase();
    const database = { LAYERLAB_CLASS_DB: databaseUrl };
    // Two servers, two instance names (startTestSandbox gives each its own), one class database.
    [hostA, hostB] = await Promise.all([startTestSandbox(database), startTestSandbox(database)]);
  });
  afterAll(async () => {
    for (const made of browsers) made.disconnect();
    await Promise.all([hostA?.close(), hostB?.close()]);
  });

  const browserOn = (host: TestSandbox) => {
    const made = new ClassBrowser(host.url);
    browsers.push(made);
    return made;
  };
  const instructorOn = (host: TestSandbox, path: string, secret: string, init: RequestInit = {}) =>
    fetch(new URL(path, host.url), { ...init, headers: { authorization: `Bearer ${secret}`, origin: host.url } });

  it("shows a dashboard on one host the checks a learner passed on the other, live, and the class's progress is the same from either", async () => {
    expect(hostA.config.instance).not.toBe(hostB.config.instance);
    const created = await browserOn(hostA).json<{ code: string; instructorSecret: string }>('POST', '/api/classes', { name: 'Two hosts' }, 201);
    const { code, instructorSecret: secret } = created;

    // The dashboard is open on host A before the learner does anything.
    const controller = new AbortController();
    const stream = await instructorOn(hostA, `/api/classes/${code}/events`, secret, { signal: controller.signal });
    expect(stream.status).toBe(200);

    // Ben joins and works on host B only.
    const ben = browserOn(hostB);
    const benId = (await ben.json<{ learner: { id: string } }>('POST', '/api/classes/join', { code, nickname: 'Ben' })).learner.id;
    await ben.json('POST', '/api/session', { lessonId: LESSON, files: { Dockerfile: BEN_DOCKERFILE } });
    expect(hostB.server.context.store.get(ben.sessionId)?.record.learner).toEqual({ classCode: code, learnerId: benId });
    expect(hostA.server.context.store.all()).toEqual([]);
    const passedCheck = (text: string) =>
      text
        .split('\n\n')
        .filter((block) => block.startsWith('event: learner'))
        .some((block) => {
          const row = JSON.parse(block.split('\ndata: ')[1]!) as { id: string; progress: Record<string, Record<string, { passed: boolean }>> };
          return row.id === benId && row.progress[LESSON]?.cmd?.passed === true;
        });
    const heard = streamUntil(stream, controller, passedCheck);
    const results = (await ben.json<{ results: { id: string; passed: boolean }[] }>('POST', '/api/checks')).results;
    expect(results.find((check) => check.id === 'cmd')?.passed).toBe(true);
    const text = await heard;
    expect(passedCheck(text), text).toBe(true);

    // Either host's roster and export say the same about Ben's progress.
    const progressOn = async (host: TestSandbox) => {
      const roster = (await (await instructorOn(host, `/api/classes/${code}`, secret)).json()) as { learners: { id: string; nickname: string; progress: unknown }[] };
      return roster.learners.map(({ id, nickname, progress }) => ({ id, nickname, progress }));
    };
    const onA = await progressOn(hostA);
    expect(onA).toEqual(await progressOn(hostB));
    expect(onA).toMatchObject([{ id: benId, nickname: 'Ben', progress: { [LESSON]: { cmd: { passed: true } } } }]);
    const exportOn = async (host: TestSandbox) => (await instructorOn(host, `/api/classes/${code}/export.csv`, secret)).text();
    expect(await exportOn(hostA)).toBe(await exportOn(hostB));

    // A nickname taken on one host is taken on the other.
    expect((await browserOn(hostA).request('POST', '/api/classes/join', { code, nickname: 'ben' })).status).toBe(409);
  });

  it('refuses to start on a class database that does not answer, in one line naming the variable', async () => {
    const port = await freePort();
    const started = startTestSandbox({ LAYERLAB_CLASS_DB: `postgres://layerlab:s3cret@127.0.0.1:${port}/layerlab` });
    const error = (await started.then(
      () => undefined,
      (failure: unknown) => failure,
    )) as Error | undefined;
    expect(error?.message).toBe(`LAYERLAB_CLASS_DB: the PostgreSQL database postgres://127.0.0.1:${port}/layerlab can't be used: connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  it("closes the class on one host: the other host's dashboard hears it, and the learner's session there ends", async () => {
    const created = await browserOn(hostA).json<{ code: string; instructorSecret: string }>('POST', '/api/classes', { name: 'Closing' }, 201);
    const { code, instructorSecret: secret } = created;
    const cy = browserOn(hostB);
    await cy.json('POST', '/api/classes/join', { code, nickname: 'Cy' });
    await cy.json('POST', '/api/session', { lessonId: LESSON });
    expect(hostB.server.context.store.get(cy.sessionId)).toBeDefined();

    const controller = new AbortController();
    const stream = await instructorOn(hostB, `/api/classes/${code}/events`, secret, { signal: controller.signal });
    const heard = streamUntil(stream, controller, (text) => text.includes('event: class'));
    const closed = await instructorOn(hostA, `/api/classes/${code}/close`, secret, { method: 'POST' });
    expect(closed.status).toBe(200);
    const { closedAt } = (await closed.json()) as { closedAt: string };
    expect(await heard).toContain(`event: class\ndata: ${JSON.stringify({ closedAt })}\n\n`);
    await until(() => expect(hostB.server.context.store.get(cy.sessionId)).toBeUndefined());
    expect((await browserOn(hostB).request('POST', '/api/classes/join', { code, nickname: 'Late' })).status).toBe(410);
  });

  it('ends no session on a notification that a class still open has closed: its row decides', async () => {
    const join = async (className: string, nickname: string) => {
      const { code } = await browserOn(hostA).json<{ code: string }>('POST', '/api/classes', { name: className }, 201);
      const learner = browserOn(hostB);
      await learner.json('POST', '/api/classes/join', { code, nickname });
      await learner.json('POST', '/api/session', { lessonId: LESSON });
      return { code, learner };
    };
    const open = await join('Still open', 'Dee');
    const other = await join('Really closing', 'Eve');
    // Anything that can reach the database's channel can say so; nothing closed the class.
    const forger = new pg.Client({ connectionString: databaseUrl });
    await forger.connect();
    await forger.query('SELECT pg_notify($1, $2)', [EVENT_CHANNEL, JSON.stringify({ h: 'forged', c: open.code, closed: Date.now() })]);
    await forger.end();
    // A real close, whose notification host B hears after the forged one: by the time its session
    // has ended, the forged one has been weighed too.
    const classes = hostA.server.context.classes;
    await classes.closeClass((await classes.storage.classByCode(other.code))!);
    await until(() => expect(hostB.server.context.store.get(other.learner.sessionId)).toBeUndefined());
    expect(hostB.server.context.store.get(open.learner.sessionId)).toBeDefined();
  });
});
