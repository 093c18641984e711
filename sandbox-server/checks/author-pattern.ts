import vm from 'node:vm';

/**
 * A lesson author's regular expression, run over what a learner wrote. The author is trusted, the
 * text is not, and a pattern such as (a+)+$ can take hours on a line built for it. So it runs in a
 * separate V8 context with a time limit, which interrupts even a regex mid-match, and the server
 * goes on serving everyone else.
 */

export class PatternTimeoutError extends Error {}

// Generous, because the limit is wall time: on a loaded machine a plain match was preempted past
// 50 ms and a correct solution failed its check. A pathological pattern still stops here, and V8's
// linear-time fallback (regexp-guard.ts) bounds most of them long before.
const LIMIT_MS = 500;
const sandbox = vm.createContext(Object.create(null) as object);
const match = new vm.Script('(() => { const m = new RegExp(source, "im").exec(text); return m === null ? -1 : m.index; })()');

/** Where the pattern first matches (case-insensitive, ^ and $ at line ends), or -1. */
export function findAuthorPattern(source: string, text: string): number {
  Object.assign(sandbox, { source, text });
  try {
    return match.runInContext(sandbox, { timeout: LIMIT_MS }) as number;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new PatternTimeoutError(`the pattern ${source} took longer than ${LIMIT_MS} ms on this text`);
    }
    throw error;
  } finally {
    Object.assign(sandbox, { source: undefined, text: undefined });
  }
}
