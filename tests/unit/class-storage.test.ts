import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashSecret, newClassCode, normalizeCode, secretMatches } from '../../sandbox-server/classes/codes.ts';
import { truncateUtf8 } from '../../sandbox-server/classes/limits.ts';
import { MIGRATIONS, POSTGRES_MIGRATIONS } from '../../sandbox-server/classes/migrations.ts';
import { checkNickname, nicknameKey } from '../../sandbox-server/classes/nickname.ts';
import { PostgresClassStorage } from '../../sandbox-server/classes/postgres-storage.ts';
import { SqliteClassStorage } from '../../sandbox-server/classes/sqlite-storage.ts';
import { ClassStorageRefusal, type ClassStorage, type LearnerRow } from '../../sandbox-server/classes/storage.ts';
import { startTestPostgres, type TestPostgres } from '../support/postgres.ts';

const opened: ClassStorage[] = [];
let dir: string;
let postgres: TestPostgres;

beforeAll(async () => {
  postgres = await startTestPostgres();
}, 120_000);
afterAll(async () => {
  await postgres?.stop();
});
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'layerlab-classes-'));
});
afterEach(async () => {
  for (const storage of opened.splice(0)) await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A backend's fresh, empty database, and a way to open storages on it (two opens are two hosts, or two servers on one file). */
interface Backend {
  name: string;
  fresh(): Promise<{ open(): ClassStorage; version(storage: ClassStorage): Promise<number> }>;
}

const BACKENDS: Backend[] = [
  {
    name: 'SQLite',
    async fresh() {
      const file = path.join(dir, 'nested', 'classes.sqlite');
      return { open: () => remember(new SqliteClassStorage(file)), version: async (storage) => (storage as SqliteClassStorage).version };
    },
  },
  {
    name: 'PostgreSQL',
    async fresh() {
      const url = await postgres.newDatabase();
      return { open: () => remember(new PostgresClassStorage(url)), version: (storage) => (storage as PostgresClassStorage).version() };
    },
  },
];

function remember<T extends ClassStorage>(storage: T): T {
  opened.push(storage);
  return storage;
}

function learner(id: string, nickname: string, classCode = 'ABCDEF'): LearnerRow {
  return { id, classCode, nickname, keyHash: hashSecret(`key-${id}`), joinedAt: 1000, lastSeenAt: 1000 };
}

const aClass = (code = 'ABCDEF') => ({ code, name: 'c', secretHash: hashSecret('s'), createdAt: 1, closedAt: null });

describe.each(BACKENDS)('the $name class storage', (backend) => {
  let open: () => ClassStorage;
  let version: (storage: ClassStorage) => Promise<number>;
  beforeEach(async () => {
    ({ open, version } = await backend.fresh());
  });

  it('migrates an empty database to the newest schema, and a second open migrates nothing and sees the same data', async () => {
    const first = open();
    expect(await version(first)).toBe(MIGRATIONS.length);
    expect(await first.createClass({ code: 'ABCDEF', name: 'Docker 101', secretHash: hashSecret('s'), createdAt: 5, closedAt: null })).toBe(true);
    const second = open();
    expect(await version(second)).toBe(MIGRATIONS.length);
    expect(await second.classByCode('ABCDEF')).toMatchObject({ name: 'Docker 101', createdAt: 5, closedAt: null });
    // A taken code is refused, not overwritten.
    expect(await second.createClass({ code: 'ABCDEF', name: 'Other', secretHash: hashSecret('t'), createdAt: 6, closedAt: null })).toBe(false);
    expect((await first.classByCode('ABCDEF'))?.name).toBe('Docker 101');
    expect(await first.classByCode('ZZZZZZ')).toBeUndefined();
  });

  it('refuses a nickname the class has in any case or compatibility form, and a learner past the class bound', async () => {
    const storage = open();
    await storage.createClass(aClass());
    await storage.createClass(aClass('GHJKMN'));
    await storage.addLearner(learner('a', 'Ana'), 2);
    const taken = await storage.addLearner(learner('b', 'ＡＮＡ'), 2).catch((error: unknown) => error);
    expect(taken).toBeInstanceOf(ClassStorageRefusal);
    expect(taken).toMatchObject({ kind: 'nickname-taken', message: 'someone in this class is already called "ＡＮＡ"; pick another nickname' });
    await storage.addLearner(learner('b', 'Ben'), 2);
    const full = await storage.addLearner(learner('c', 'Cy'), 2).catch((error: unknown) => error);
    expect(full).toMatchObject({ kind: 'full', message: 'this class is full: it has its 2 learners' });
    // Another class has its own nicknames and its own count.
    await storage.addLearner(learner('d', 'Ana', 'GHJKMN'), 2);
    expect((await storage.learners('ABCDEF')).map((row) => row.nickname)).toEqual(['Ana', 'Ben']);
    expect((await storage.learnerByNickname('ABCDEF', 'ana'))?.id).toBe('a');
    expect((await storage.learnerByNickname('GHJKMN', 'Ａna'))?.id).toBe('d');
    expect(await storage.learnerByNickname('ABCDEF', 'Cy')).toBeUndefined();
    expect(await storage.learnerById('a')).toEqual(learner('a', 'Ana'));
    expect(await storage.learnerById('nobody')).toBeUndefined();
  });

  it('lists learners by join time, and moves last-seen only forward', async () => {
    const storage = open();
    await storage.createClass(aClass());
    await storage.addLearner({ ...learner('z', 'Zed'), joinedAt: 500 }, 10);
    await storage.addLearner({ ...learner('b', 'Bo'), joinedAt: 900 }, 10);
    await storage.addLearner({ ...learner('a', 'Al'), joinedAt: 900 }, 10);
    expect((await storage.learners('ABCDEF')).map((row) => row.id)).toEqual(['z', 'a', 'b']);
    await storage.touchLearner('a', 5000);
    await storage.touchLearner('a', 4000);
    expect((await storage.learnerById('a'))?.lastSeenAt).toBe(5000);
  });

  it('keeps the first pass time and the latest verdict of each check', async () => {
    const storage = open();
    await storage.createClass(aClass());
    await storage.addLearner(learner('a', 'Ana'), 10);
    await storage.recordChecks('a', 'l1', [{ checkId: 'x', passed: false, reason: 'no image' }], 1100);
    await storage.recordChecks('a', 'l1', [{ checkId: 'x', passed: true, reason: 'ignored' }], 1200);
    await storage.recordChecks('a', 'l1', [{ checkId: 'x', passed: false, reason: 'gone' }], 1300);
    expect(await storage.learnerChecks('a')).toEqual([{ learnerId: 'a', lessonId: 'l1', checkId: 'x', passed: false, firstPassedAt: 1200, lastCheckedAt: 1300, reason: 'gone' }]);
    expect((await storage.learnerById('a'))?.lastSeenAt).toBe(1300);
  });

  it('reads a check named twice in one run as two runs, one after the other', async () => {
    const storage = open();
    await storage.createClass(aClass());
    await storage.addLearner(learner('a', 'Ana'), 10);
    await storage.recordChecks('a', 'l1', [{ checkId: 'x', passed: true }, { checkId: 'x', passed: false, reason: 'then not' }, { checkId: 'y', passed: false }], 100);
    expect(await storage.learnerChecks('a')).toEqual([
      { learnerId: 'a', lessonId: 'l1', checkId: 'x', passed: false, firstPassedAt: 100, lastCheckedAt: 100, reason: 'then not' },
      { learnerId: 'a', lessonId: 'l1', checkId: 'y', passed: false, firstPassedAt: null, lastCheckedAt: 100, reason: null },
    ]);
  });

  it("gives the class's checks of its own learners only", async () => {
    const storage = open();
    await storage.createClass(aClass());
    await storage.createClass(aClass('GHJKMN'));
    await storage.addLearner(learner('a', 'Ana'), 10);
    await storage.addLearner(learner('b', 'Ben'), 10);
    await storage.addLearner(learner('c', 'Cy', 'GHJKMN'), 10);
    for (const id of ['a', 'b', 'c']) await storage.recordChecks(id, 'l1', [{ checkId: 'x', passed: true }], 100);
    await storage.recordChecks('a', 'l2', [{ checkId: 'y', passed: false, reason: 'r' }], 100);
    const rows = await storage.classChecks('ABCDEF');
    expect(rows.map((row) => [row.learnerId, row.lessonId, row.checkId]).sort()).toEqual([['a', 'l1', 'x'], ['a', 'l2', 'y'], ['b', 'l1', 'x']]);
  });

  it('keeps only the newest commands of a learner', async () => {
    const storage = open();
    await storage.createClass(aClass());
    await storage.addLearner(learner('a', 'Ana'), 10);
    await storage.addLearner(learner('b', 'Ben'), 10);
    for (let index = 0; index < 8; index++) await storage.recordCommand({ learnerId: 'a', line: `echo ${index}`, exitCode: 0, at: index, lessonId: null }, 5);
    await storage.recordCommand({ learnerId: 'b', line: 'ls', exitCode: 2, at: 9, lessonId: 'l1' }, 5);
    expect((await storage.commands('a')).map((row) => row.line)).toEqual(['echo 3', 'echo 4', 'echo 5', 'echo 6', 'echo 7']);
    expect(await storage.commands('b')).toEqual([{ learnerId: 'b', line: 'ls', exitCode: 2, at: 9, lessonId: 'l1' }]);
    expect(await storage.commandCounts('ABCDEF')).toEqual(new Map([['a', 5], ['b', 1]]));
    expect(await storage.commandCount('a')).toBe(5);
    expect(await storage.commandCount('nobody')).toBe(0);
  });

  it('reads back text with NUL in it the same from either database, and a lookup with one finds no one', async () => {
    const storage = open();
    await storage.createClass({ ...aClass(), name: 'nul\0class' });
    await storage.addLearner(learner('a', 'Ana'), 10);
    await storage.recordCommand({ learnerId: 'a', line: 'printf "a\0b"', exitCode: 0, at: 1, lessonId: 'l\0' }, 5);
    await storage.recordChecks('a', 'l1', [{ checkId: 'x\0', passed: false, reason: 'saw \0' }], 2);
    expect((await storage.classByCode('ABCDEF'))?.name).toBe('nul\uFFFDclass');
    expect(await storage.commands('a')).toMatchObject([{ line: 'printf "a\uFFFDb"', lessonId: 'l\uFFFD' }]);
    expect(await storage.learnerChecks('a')).toMatchObject([{ checkId: 'x\uFFFD', reason: 'saw \uFFFD' }]);
    expect(await storage.learnerById('a\0')).toBeUndefined();
    expect(await storage.learnerByNickname('ABCDEF', 'Ana\0')).toBeUndefined();
  });

  it('closes a class once, keeping the first close time', async () => {
    const storage = open();
    await storage.createClass(aClass());
    expect(await storage.closeClass('ABCDEF', 50)).toBe(50);
    expect(await storage.closeClass('ABCDEF', 60)).toBe(50);
    expect(await storage.closeClass('ZZZZZZ', 60)).toBeUndefined();
  });

  it('closes twice without complaint', async () => {
    const storage = open();
    await storage.ready();
    await storage.close();
    await storage.close();
  });
});

describe('the PostgreSQL class storage, shared by several hosts', () => {
  it('never lets two hosts filling a class at once take more seats than it has', async () => {
    const url = await postgres.newDatabase();
    const [hostA, hostB] = [remember(new PostgresClassStorage(url)), remember(new PostgresClassStorage(url))];
    await hostA.createClass(aClass());
    await hostB.ready();
    const joins = Array.from({ length: 24 }, (_, index) => (index % 2 === 0 ? hostA : hostB).addLearner(learner(`l${index}`, `Learner ${index}`), 5));
    const outcomes = await Promise.allSettled(joins);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled').length).toBe(5);
    for (const outcome of outcomes) if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ kind: 'full' });
    expect((await hostB.learners('ABCDEF')).length).toBe(5);
  });

  it('never lets two hosts give one nickname twice', async () => {
    const url = await postgres.newDatabase();
    const [hostA, hostB] = [remember(new PostgresClassStorage(url)), remember(new PostgresClassStorage(url))];
    await hostA.createClass(aClass());
    await hostB.ready();
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? hostA : hostB).addLearner(learner(`l${index}`, index % 2 ? 'ana' : 'ANA'), 50)));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled').length).toBe(1);
    for (const outcome of outcomes) if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ kind: 'nickname-taken' });
  });

  it('runs each migration once when several hosts start on an empty database at the same moment', async () => {
    const url = await postgres.newDatabase();
    const hosts = Array.from({ length: 4 }, () => remember(new PostgresClassStorage(url)));
    await Promise.all(hosts.map((host) => host.ready()));
    const client = new pg.Client(url);
    await client.connect();
    try {
      const { rows } = await client.query('SELECT version FROM layerlab_schema ORDER BY version');
      expect(rows.map((row) => row.version)).toEqual(POSTGRES_MIGRATIONS.map((_, index) => index + 1));
    } finally {
      await client.end();
    }
    expect(POSTGRES_MIGRATIONS.length).toBe(MIGRATIONS.length);
  });

  it('refuses a database a newer server migrated, with a sentence', async () => {
    const url = await postgres.newDatabase();
    await remember(new PostgresClassStorage(url)).ready();
    const client = new pg.Client(url);
    await client.connect();
    await client.query('INSERT INTO layerlab_schema (version, applied_at) VALUES ($1, 0)', [POSTGRES_MIGRATIONS.length + 1]);
    await client.end();
    const newer = remember(new PostgresClassStorage(url));
    await expect(newer.ready()).rejects.toThrow(`the class database is at schema version ${POSTGRES_MIGRATIONS.length + 1}, newer than this server's ${POSTGRES_MIGRATIONS.length}; upgrade Layerlab`);
    await expect(newer.classByCode('ABCDEF')).rejects.toThrow('newer than');
  });
});

describe('the SQLite warning', () => {
  it("is kept out of the server's output, and other warnings are not", () => {
    const script = [
      "const { SqliteClassStorage } = await import('./sandbox-server/classes/sqlite-storage.ts');",
      `await new SqliteClassStorage(${JSON.stringify(path.join(dir, 'w.sqlite'))}).close();`,
      "process.emitWarning('a warning of its own', 'ExperimentalWarning');",
    ].join('\n');
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('SQLite');
    expect(run.stderr).toContain('a warning of its own');
  });
});

describe('class codes, secrets and nicknames', () => {
  it('reads a code in any case and refuses what no code can be', () => {
    const code = newClassCode();
    expect(normalizeCode(` ${code.toLowerCase()} `)).toBe(code);
    expect(normalizeCode('ABCDE0')).toBeUndefined();
    expect(normalizeCode('ABCDEFG')).toBeUndefined();
  });

  it('matches a secret only against its own hash', () => {
    expect(secretMatches('open sesame', hashSecret('open sesame'))).toBe(true);
    expect(secretMatches('open sesamE', hashSecret('open sesame'))).toBe(false);
    expect(secretMatches(undefined, hashSecret('open sesame'))).toBe(false);
    expect(secretMatches('', hashSecret(''))).toBe(false);
  });

  it('trims nicknames and refuses empty, long and control-character ones with a sentence', () => {
    expect(checkNickname('  Ana  ')).toEqual({ nickname: 'Ana' });
    expect(checkNickname('   ')).toEqual({ error: expect.stringContaining('empty') });
    expect(checkNickname('x'.repeat(41))).toEqual({ error: expect.stringContaining('at most 40') });
    expect(checkNickname('An\u0007a')).toEqual({ error: expect.stringContaining('control character') });
    // Names that would look like another learner's, or like nobody's.
    for (const lookalike of ['Ana\u200b', '\u202eanA', '\u2066Ana\u2069', '\ud800', 'A\ue000']) {
      expect(checkNickname(lookalike), JSON.stringify(lookalike)).toEqual({ error: expect.stringContaining('invisible or control character') });
    }
    expect(checkNickname('\u3164')).toEqual({ error: expect.stringContaining('shows nothing') });
    expect(nicknameKey('Ａｎａ')).toBe(nicknameKey('ana'));
    expect(checkNickname('é'.repeat(40))).toEqual({ nickname: 'é'.repeat(40) });
  });

  it('cuts a long line at a byte bound without splitting a character', () => {
    expect(Buffer.byteLength(truncateUtf8('é'.repeat(3000), 4096))).toBeLessThanOrEqual(4096);
    expect(truncateUtf8('é'.repeat(3000), 4096)).toBe('é'.repeat(2048));
    expect(truncateUtf8('aé', 2)).toBe('a');
  });
});
