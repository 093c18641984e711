import type { Logger } from 'pino';
import type { CheckResult } from '../checks/result.ts';
import type { LessonLibrary } from '../lessons/library.ts';
import type { RanCommand, Session } from '../sessions/session.ts';
import type { SessionStore } from '../sessions/store.ts';
import { describeClassDatabase, type ClassDatabase } from './class-database.ts';
import { hashSecret, newClassCode, newInstructorSecret, newLearnerId, newLearnerKey, normalizeCode, secretMatches } from './codes.ts';
import { ClassEventHub, type ClassEvent } from './event-hub.ts';
import { CLASS_LIMITS, truncateUtf8 } from './limits.ts';
import { checkNickname } from './nickname.ts';
import { openClassStorage, startEventRelay } from './open-storage.ts';
import type { PostgresEventRelay } from './postgres-events.ts';
import { isoTime, progressOf, type Progress } from './progress.ts';
import { ClassStorageRefusal, type CheckRow, type ClassRow, type ClassStorage, type LearnerRow } from './storage.ts';

/** A class request refused with an HTTP status and the sentence to show. */
export class ClassRefusal extends Error {
  readonly statusCode: number;

  constructor(statusCode: number, message: string) {
    super(message);
    this.statusCode = statusCode;
  }
}

/** One learner as the dashboard shows them: stored progress and live state. */
export interface LearnerView {
  id: string;
  nickname: string;
  joinedAt: string;
  lastSeenAt: string;
  online: boolean;
  lessonId: string | null;
  progress: Progress;
  commandCount: number;
}

export interface LessonOutline {
  id: string;
  title: string;
  checks: { id: string; title: string }[];
}

export interface ClassServiceOptions {
  /**
   * The SQLite file, opened on first use (a command that never touches classes never creates it),
   * or the PostgreSQL database the hosts share, opened by start().
   */
  database: ClassDatabase;
  store: SessionStore;
  lessons: LessonLibrary;
  /** Ends a session as its expiry would. */
  endSession(session: Session): Promise<void>;
  log: Logger;
}

/**
 * Class mode's one owner: classes and learners in the storage, the link from a learner's sessions
 * to their record (each linked session's check runs and commands are written for them), and the
 * live events the dashboard follows.
 */
export class ClassService {
  readonly hub = new ClassEventHub();
  readonly #options: ClassServiceOptions;
  #storage: ClassStorage | undefined;
  #relay: PostgresEventRelay | undefined;
  /** Sessions whose events are already followed. */
  readonly #followed = new WeakSet<Session>();

  constructor(options: ClassServiceOptions) {
    this.#options = options;
    // Sessions a restart brought back keep recording for their learner.
    for (const session of options.store.all()) if (session.record.learner) this.#follow(session);
  }

  get storage(): ClassStorage {
    this.#storage ??= openClassStorage(this.#options.database, this.#options.log);
    return this.#storage;
  }

  /**
   * For a server: a database the hosts share is reached now (so a host that can't fails at
   * start-up, naming the variable) and its events from other hosts start coming in.
   */
  async start(): Promise<void> {
    const { database, log } = this.#options;
    if (database.kind !== 'postgres') return;
    try {
      await this.storage.ready();
      this.#relay = await startEventRelay(database, (classCode, event) => this.#heard(classCode, event), log);
    } catch (error) {
      await this.close();
      throw new Error(`LAYERLAB_CLASS_DB: the PostgreSQL database ${describeClassDatabase(database)} can't be used: ${reasonOf(error)}`);
    }
    this.hub.relayTo(this.#relay);
  }

  async close(): Promise<void> {
    this.hub.relayTo(undefined);
    await this.#relay?.close();
    this.#relay = undefined;
    await this.#storage?.close();
    this.#storage = undefined;
  }

  /**
   * Another host's event: this host's dashboards hear it, and a class closed there ends its
   * sessions here too, once its row says so (a notification is only a hint: anything that can
   * reach the database's channel can send one).
   */
  #heard(classCode: string, event: ClassEvent): void {
    if (event.type !== 'class') {
      this.hub.deliver(classCode, event);
      return;
    }
    void Promise.resolve()
      .then(() => this.storage.classByCode(classCode))
      .then(async (row) => {
        if (row?.closedAt == null) return;
        this.hub.deliver(classCode, { type: 'class', closedAt: row.closedAt });
        await this.#endSessionsOf(classCode);
      })
      .catch((error: Error) => this.#options.log.warn({ err: error }, `class ${classCode} was said to be closed, and its row could not be read`));
  }

  async #endSessionsOf(classCode: string): Promise<void> {
    const { store } = this.#options;
    const linked = store.all().filter((session) => session.record.learner?.classCode === classCode);
    await Promise.all(
      linked.map((session) =>
        this.#options.endSession(session).catch((error: Error) => this.#options.log.warn({ err: error }, `a session of class ${classCode} did not end cleanly`)),
      ),
    );
  }

  async createClass(name: string): Promise<{ row: ClassRow; instructorSecret: string }> {
    const instructorSecret = newInstructorSecret();
    // 31^6 codes: a clash is rare, and a few fresh draws end it.
    for (let attempt = 0; attempt < 20; attempt++) {
      const row: ClassRow = { code: newClassCode(), name, secretHash: hashSecret(instructorSecret), createdAt: Date.now(), closedAt: null };
      if (await this.storage.createClass(row)) return { row, instructorSecret };
    }
    throw new Error('no free class code after 20 draws');
  }

  /** The class a code names (in any case), or undefined. */
  async classFor(codeInput: string): Promise<ClassRow | undefined> {
    const code = normalizeCode(codeInput);
    return code === undefined ? undefined : this.storage.classByCode(code);
  }

  /** Whether `secret` is this class's instructor secret (another class's is not). */
  isInstructor(row: ClassRow, secret: string | undefined): boolean {
    return secretMatches(secret, row.secretHash);
  }

  /** The learner a `layerlab_learner` cookie's `<learnerId>.<learnerKey>` names, with their class; undefined when it names none. */
  async learnerFromCookie(value: string | undefined): Promise<{ learner: LearnerRow; class: ClassRow; key: string } | undefined> {
    if (!value || value.length > 200) return undefined;
    const dot = value.indexOf('.');
    if (dot <= 0) return undefined;
    const learner = await this.storage.learnerById(value.slice(0, dot));
    const key = value.slice(dot + 1);
    if (!learner || !secretMatches(key, learner.keyHash)) return undefined;
    const row = await this.storage.classByCode(learner.classCode);
    return row && { learner, class: row, key };
  }

  /**
   * Joins a class, or resumes the learner who has that nickname when the key is theirs (typed on
   * another computer, or the cookie of this browser).
   */
  async join(request: { code: string; nickname: string; learnerKey?: string; current?: { learner: LearnerRow; key: string } }): Promise<{
    class: ClassRow;
    learner: LearnerRow;
    learnerKey: string;
  }> {
    const row = await this.classFor(request.code);
    if (!row) throw new ClassRefusal(404, `there is no class with the code "${request.code.trim().slice(0, 20)}"; check it with your instructor`);
    if (row.closedAt !== null) throw new ClassRefusal(410, `the class "${row.name}" is closed; it takes no more learners`);
    const checked = checkNickname(request.nickname);
    if ('error' in checked) throw new ClassRefusal(400, checked.error);
    const existing = await this.storage.learnerByNickname(row.code, checked.nickname);
    if (existing) {
      const key = [request.learnerKey, request.current?.learner.id === existing.id ? request.current.key : undefined].find(
        (candidate) => candidate !== undefined && secretMatches(candidate, existing.keyHash),
      );
      if (key === undefined) {
        throw new ClassRefusal(409, `someone in this class is already called "${existing.nickname}"; pick another nickname, or give that learner's key to continue as them`);
      }
      await this.storage.touchLearner(existing.id, Date.now());
      return { class: row, learner: existing, learnerKey: key };
    }
    const learnerKey = newLearnerKey();
    const now = Date.now();
    const learner: LearnerRow = { id: newLearnerId(), classCode: row.code, nickname: checked.nickname, keyHash: hashSecret(learnerKey), joinedAt: now, lastSeenAt: now };
    try {
      await this.storage.addLearner(learner, CLASS_LIMITS.learnersPerClass);
    } catch (error) {
      if (error instanceof ClassStorageRefusal) throw new ClassRefusal(409, error.message);
      throw error;
    }
    this.hub.publish(row.code, { type: 'learner', learnerId: learner.id });
    return { class: row, learner, learnerKey };
  }

  /**
   * Links a session to the learner its browser is (or unlinks it, with undefined), so its checks
   * and commands are recorded for them. A closed class links nothing new.
   */
  link(session: Session, learner: LearnerRow | undefined, row: ClassRow | undefined): void {
    const before = session.record.learner;
    if (!learner || !row || row.closedAt !== null) {
      if (before) {
        delete session.record.learner;
        this.hub.publish(before.classCode, { type: 'learner', learnerId: before.learnerId });
      }
      return;
    }
    session.record.learner = { classCode: row.code, learnerId: learner.id };
    this.#follow(session);
    if (before && before.learnerId !== learner.id) this.hub.publish(before.classCode, { type: 'learner', learnerId: before.learnerId });
    // Joined, or on another lesson now: the dashboard's row changes either way.
    this.hub.publish(row.code, { type: 'learner', learnerId: learner.id });
    this.#options.store.changed();
  }

  #follow(session: Session): void {
    if (this.#followed.has(session)) return;
    this.#followed.add(session);
    const changed = () => {
      const learner = session.record.learner;
      if (learner) this.hub.publish(learner.classCode, { type: 'learner', learnerId: learner.learnerId });
    };
    session.on('terminals', changed);
    session.on('ended', changed);
    session.on('command', (ran) => void this.#recordCommand(session, ran));
  }

  async #recordable(session: Session): Promise<{ classCode: string; learnerId: string } | undefined> {
    const learner = session.record.learner;
    if (!learner) return undefined;
    const row = await this.storage.classByCode(learner.classCode);
    return row && row.closedAt === null ? learner : undefined;
  }

  async #recordCommand(session: Session, ran: RanCommand): Promise<void> {
    try {
      const learner = await this.#recordable(session);
      if (!learner) return;
      await this.storage.recordCommand(
        { learnerId: learner.learnerId, line: truncateUtf8(ran.line, CLASS_LIMITS.commandLineBytes), exitCode: ran.exitCode, at: ran.at, lessonId: ran.lessonId ?? null },
        CLASS_LIMITS.commandsPerLearner,
      );
      this.hub.publish(learner.classCode, { type: 'learner', learnerId: learner.learnerId });
    } catch (error) {
      this.#options.log.warn({ err: error }, 'a class command could not be recorded');
    }
  }

  /** Records one run of a lesson's checks for the session's learner, if it has one and the class is open. */
  async checksRan(session: Session, lessonId: string, results: CheckResult[]): Promise<void> {
    try {
      const learner = await this.#recordable(session);
      if (!learner) return;
      const outcomes = results.slice(0, CLASS_LIMITS.checksPerRecord).map((result) => ({
        checkId: result.id,
        passed: result.passed,
        ...(result.reason === undefined ? {} : { reason: truncateUtf8(result.reason, CLASS_LIMITS.reasonBytes) }),
      }));
      await this.storage.recordChecks(learner.learnerId, lessonId, outcomes, Date.now());
      this.hub.publish(learner.classCode, { type: 'learner', learnerId: learner.learnerId });
    } catch (error) {
      this.#options.log.warn({ err: error }, 'class check results could not be recorded');
    }
  }

  /** The learner's live sessions, the one to show first (a terminal open, then the most recently used) first. */
  liveSessions(learnerId: string): Session[] {
    const { store } = this.#options;
    return store
      .all()
      .filter((session) => session.record.learner?.learnerId === learnerId && !store.isExpired(session))
      .sort((a, b) => Number(b.openTerminals > 0) - Number(a.openTerminals > 0) || b.record.lastSeenAt - a.record.lastSeenAt);
  }

  /** The session whose terminal a watcher sees: a live one with a terminal open. */
  watchedSession(learnerId: string): Session | undefined {
    const [first] = this.liveSessions(learnerId);
    return first && first.openTerminals > 0 ? first : undefined;
  }

  lessonsOutline(): LessonOutline[] {
    return this.#options.lessons.all().map((lesson) => ({
      id: lesson.id,
      title: lesson.frontmatter.title,
      // The ids the checks panel reports (checks/evaluate.ts): the author's, or the position.
      checks: lesson.frontmatter.checks.map((check, index) => ({ id: check.id ?? String(index + 1), title: check.title })),
    }));
  }

  view(learner: LearnerRow, checks: CheckRow[], commandCount: number): LearnerView {
    const [live] = this.liveSessions(learner.id);
    return {
      id: learner.id,
      nickname: learner.nickname,
      joinedAt: isoTime(learner.joinedAt)!,
      lastSeenAt: isoTime(Math.max(learner.lastSeenAt, live?.record.lastSeenAt ?? 0))!,
      online: live !== undefined && live.openTerminals > 0,
      lessonId: live?.record.lessonId ?? null,
      progress: progressOf(checks),
      commandCount,
    };
  }

  async learnerView(learner: LearnerRow): Promise<LearnerView> {
    const checks = await this.storage.learnerChecks(learner.id);
    return this.view(learner, checks, await this.storage.commandCount(learner.id));
  }

  async roster(row: ClassRow): Promise<LearnerView[]> {
    const learners = await this.storage.learners(row.code);
    const checks = await this.storage.classChecks(row.code);
    const counts = await this.storage.commandCounts(row.code);
    const byLearner = new Map<string, CheckRow[]>();
    for (const check of checks) byLearner.set(check.learnerId, [...(byLearner.get(check.learnerId) ?? []), check]);
    return learners.map((learner) => this.view(learner, byLearner.get(learner.id) ?? [], counts.get(learner.id) ?? 0));
  }

  /** Closes the class: no more joins or recordings, every linked session ends, and every result stays. */
  async closeClass(row: ClassRow): Promise<number> {
    const closedAt = (await this.storage.closeClass(row.code, Date.now()))!;
    await this.#endSessionsOf(row.code);
    this.hub.publish(row.code, { type: 'class', closedAt });
    return closedAt;
  }
}

/** A connection failure's own words: node gives an AggregateError with no message when every address of a name refused. */
function reasonOf(error: unknown): string {
  const first = error instanceof AggregateError ? error.errors[0] : error;
  return (first as Error | undefined)?.message || String((first as { code?: unknown } | undefined)?.code ?? first);
}
