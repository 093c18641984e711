import type { ScopedEngine } from '../scope/scoped-engine.ts';
import type { Session } from '../sessions/session.ts';

/** What the checks panel shows for one check. */
export interface CheckResult {
  id: string;
  title: string;
  passed: boolean;
  /** Why it failed, in one sentence. */
  reason?: string;
  /** Revealed one at a time by the panel. */
  hints: string[];
}

/** What a check may look at: the learner's own engine objects, files and commands. */
export interface CheckContext {
  session: Session;
  engine: ScopedEngine;
}

/**
 * A check's verdict before the panel's fields are added: undefined means it passed. A sentence is
 * replaced by the author's `reason` when there is one; a `specific` sentence says something only the
 * check knows (what the learner actually ran) and is kept.
 */
export type Verdict = string | { specific: string } | undefined;
