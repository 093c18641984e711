import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { BuildQueue } from './build/queue.ts';
import { ClassService } from './classes/class-service.ts';
import type { ServerConfig } from './config/server.ts';
import type { LessonLibrary } from './lessons/library.ts';
import { lessonPolicy } from './policy/lesson-policy.ts';
import { ScopedEngine } from './scope/scoped-engine.ts';
import type { Session } from './sessions/session.ts';
import { SessionStore } from './sessions/store.ts';
import { endSession } from './sessions/teardown.ts';
import type { Machine } from './services/machine.ts';
import { WarmPool } from './workbench/warm-pool.ts';
import { Workbenches } from './workbench/workbenches.ts';

/** Everything the HTTP routes, the terminal and the reaper share for the life of the server. */
export interface SandboxContext {
  config: ServerConfig;
  docker: Docker;
  store: SessionStore;
  /** Every session's builds wait their turn here. */
  buildQueue: BuildQueue;
  lessons: LessonLibrary;
  log: Logger;
  engineFor(session: Session): ScopedEngine;
  /** Each session's workbench: its shell, its boundary, its workspace. */
  workbenches: Workbenches;
  /** Workbenches started ahead of learners. */
  warmPool: WarmPool;
  /** Class mode: classes, learners, what their sessions record, the dashboard's live events. */
  classes: ClassService;
  /** The machine's shared services and its disk, which commands need besides the engine. */
  machine: Machine;
}

export function createSandboxContext(options: {
  config: ServerConfig;
  docker: Docker;
  lessons: LessonLibrary;
  log: Logger;
  machine: Machine;
}): SandboxContext {
  const { config, docker } = options;
  const engines = new WeakMap<Session, ScopedEngine>();
  const store = new SessionStore({ stateDir: config.stateDir, policy: config.policy, instance: config.instance });
  const buildQueue = new BuildQueue(config.policy.build.globalConcurrency, config.policy.build.perAddress);
  const policyFor = (session: Session) => {
    const lessonId = session.record.lessonId;
    return lessonPolicy(config.policy, lessonId === undefined ? undefined : options.lessons.get(lessonId)?.frontmatter.sandbox);
  };
  const engineFor = (session: Session) => {
    let engine = engines.get(session);
    if (!engine) {
      engine = new ScopedEngine(docker, session.namespace, config.networkPool);
      engines.set(session, engine);
    }
    return engine;
  };
  const workbenches = new Workbenches({ docker, store, buildQueue, machine: options.machine, stateDir: config.stateDir, engineFor, policyFor, log: options.log });
  const classes = new ClassService({
    database: config.classDb,
    store,
    lessons: options.lessons,
    endSession: (session) => endSession(docker, store, session),
    log: options.log,
  });
  return {
    ...options,
    store,
    classes,
    buildQueue,
    engineFor,
    workbenches,
    warmPool: new WarmPool({
      docker,
      size: config.warmWorkbenches,
      instance: config.instance,
      policy: config.policy,
      socketsDir: workbenches.socketsDir,
      networkPool: config.networkPool,
      log: options.log,
    }),
  };
}
