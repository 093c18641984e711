import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { BuildQueue } from './build/queue.ts';
import type { ServerConfig } from './config/server.ts';
import type { LessonLibrary } from './lessons/library.ts';
import { lessonPolicy } from './policy/lesson-policy.ts';
import { ScopedEngine } from './scope/scoped-engine.ts';
import type { Session } from './sessions/session.ts';
import { SessionStore } from './sessions/store.ts';
import type { Services } from './terminal/command.ts';

/** Everything the HTTP routes, the terminal and the reaper share for the life of the server. */
export interface SandboxContext {
  config: ServerConfig;
  docker: Docker;
  store: SessionStore;
  services: Services;
  lessons: LessonLibrary;
  log: Logger;
  engineFor(session: Session): ScopedEngine;
}

export function createSandboxContext(options: {
  config: ServerConfig;
  docker: Docker;
  lessons: LessonLibrary;
  log: Logger;
}): SandboxContext {
  const { config, docker } = options;
  const engines = new WeakMap<Session, ScopedEngine>();
  return {
    ...options,
    store: new SessionStore({ stateDir: config.stateDir, policy: config.policy, instance: config.instance }),
    services: {
      docker,
      policy: config.policy,
      buildQueue: new BuildQueue(config.policy.build.globalConcurrency, config.policy.build.perAddress),
      lastBuilds: new WeakMap(),
      policyFor: (session) => {
        const lessonId = session.record.lessonId;
        return lessonPolicy(config.policy, lessonId === undefined ? undefined : options.lessons.get(lessonId)?.frontmatter.sandbox);
      },
    },
    engineFor(session) {
      let engine = engines.get(session);
      if (!engine) {
        engine = new ScopedEngine(docker, session.namespace, config.networkPool);
        engines.set(session, engine);
      }
      return engine;
    },
  };
}
