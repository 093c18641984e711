/**
 * What class mode keeps, behind a small async interface: SQLite (sqlite-storage.ts) is the
 * default for one host, PostgreSQL (postgres-storage.ts) the database several hosts share;
 * open-storage.ts picks one.
 */

export interface ClassRow {
  code: string;
  name: string;
  secretHash: string;
  createdAt: number;
  closedAt: number | null;
}

export interface LearnerRow {
  id: string;
  classCode: string;
  nickname: string;
  keyHash: string;
  joinedAt: number;
  lastSeenAt: number;
}

export interface CheckRow {
  learnerId: string;
  lessonId: string;
  checkId: string;
  passed: boolean;
  firstPassedAt: number | null;
  lastCheckedAt: number;
  reason: string | null;
}

export interface CommandRow {
  learnerId: string;
  line: string;
  exitCode: number;
  at: number;
  lessonId: string | null;
}

export interface CheckOutcome {
  checkId: string;
  passed: boolean;
  reason?: string;
}

/**
 * Text as both storages keep it: NUL, which PostgreSQL's text can't hold, becomes U+FFFD in SQLite
 * too, so a command line or a check's reason reads back the same from either.
 */
export function storableText(text: string): string {
  return text.includes('\0') ? text.replaceAll('\0', '\uFFFD') : text;
}

/** A request the bounds refuse (a full class, a taken nickname); its message is the sentence to show. */
export class ClassStorageRefusal extends Error {
  readonly kind: 'full' | 'nickname-taken';

  constructor(kind: 'full' | 'nickname-taken', message: string) {
    super(message);
    this.kind = kind;
  }
}

export interface ClassStorage {
  /** Resolves once the schema is the newest; rejects with why the database can't be used. */
  ready(): Promise<void>;

  /** Adds a class; false when the code is taken (the caller draws another). */
  createClass(row: ClassRow): Promise<boolean>;
  classByCode(code: string): Promise<ClassRow | undefined>;
  /** Marks the class closed (once; a second close keeps the first time) and returns when it closed. */
  closeClass(code: string, at: number): Promise<number | undefined>;

  /** Adds a learner, refusing a nickname the class has (in any case) and a class that is full. */
  addLearner(row: LearnerRow, maxLearners: number): Promise<void>;
  learnerById(id: string): Promise<LearnerRow | undefined>;
  learnerByNickname(classCode: string, nickname: string): Promise<LearnerRow | undefined>;
  learners(classCode: string): Promise<LearnerRow[]>;
  touchLearner(id: string, at: number): Promise<void>;

  /** One run of a lesson's checks: each check's latest verdict, and when it first passed. */
  recordChecks(learnerId: string, lessonId: string, outcomes: CheckOutcome[], at: number): Promise<void>;
  /** Every check row of the class's learners. */
  classChecks(classCode: string): Promise<CheckRow[]>;
  learnerChecks(learnerId: string): Promise<CheckRow[]>;

  /** Keeps one command, and only the newest `keep` of the learner's. */
  recordCommand(row: CommandRow, keep: number): Promise<void>;
  /** The learner's commands, oldest first. */
  commands(learnerId: string): Promise<CommandRow[]>;
  commandCounts(classCode: string): Promise<Map<string, number>>;
  /** How many commands one learner has kept, without reading them. */
  commandCount(learnerId: string): Promise<number>;

  close(): Promise<void>;
}
