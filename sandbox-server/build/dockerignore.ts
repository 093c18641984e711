import { Worker } from 'node:worker_threads';
import { WorkspaceError, type WorkspaceFiles } from '../sessions/workspace.ts';

/**
 * The .dockerignore of a workspace, applied as the docker CLI applies it (@balena/dockerignore,
 * a port of Docker's own matcher). Docker turns each pattern into a regular expression; Go's
 * cannot backtrack, JavaScript's can, and a learner's pattern such as `*a*a*a*a*a*b` against 200
 * long file names would hold the server for minutes. So the matching runs in a worker thread
 * with a time limit, and patterns reach it with every regular-expression character that has no
 * meaning in a glob escaped (Docker passes them through; only a glob's meaning is kept here).
 */

/** The matching is given this long; a .dockerignore that needs more is refused. */
const LIMIT_MS = 2000;
const MAX_PATTERNS = 1000;
const MAX_PATTERN_LENGTH = 1024;

let worker: Worker | undefined;
let nextId = 0;
const waiting = new Map<number, { resolve: (ignored: string[]) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();

function ignoreWorker(): Worker {
  if (worker) return worker;
  const started = new Worker(new URL('./ignore-worker.ts', import.meta.url));
  started.on('message', (message: { id: number; ignored?: string[]; error?: string }) => {
    const pending = waiting.get(message.id);
    if (!pending) return;
    waiting.delete(message.id);
    clearTimeout(pending.timer);
    if (message.error !== undefined) pending.reject(new WorkspaceError(`.dockerignore: ${message.error}`));
    else pending.resolve(message.ignored!);
  });
  const fail = (error: Error) => {
    if (worker === started) worker = undefined;
    for (const [id, pending] of waiting) {
      clearTimeout(pending.timer);
      pending.reject(error);
      waiting.delete(id);
    }
  };
  started.on('error', fail);
  started.on('exit', () => fail(new WorkspaceError('.dockerignore could not be applied; try the build again')));
  // Last: a listener added after unref() refs the thread again, and it would keep a finished
  // `layerlab lessons check` from exiting.
  started.unref();
  worker = started;
  return started;
}

/** The patterns of a .dockerignore file, ready for the matcher: comments and blanks dropped. */
export function ignorePatterns(text: string | undefined): string[] {
  if (text === undefined) return [];
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  if (lines.length > MAX_PATTERNS) throw new WorkspaceError(`.dockerignore has ${lines.length} patterns; at most ${MAX_PATTERNS} are read here`);
  return lines.map((line) => {
    if (line.length > MAX_PATTERN_LENGTH) throw new WorkspaceError(`.dockerignore has a pattern of ${line.length} characters; at most ${MAX_PATTERN_LENGTH} are read here`);
    return globOnly(line);
  });
}

/**
 * Keeps a pattern's glob meaning (* ? [ ] ** ! and \ escapes) and nothing more: characters that
 * the matcher would pass to RegExp as syntax are escaped, a backslash before a letter or digit
 * (a back-reference in JavaScript) becomes that character, and an unclosed [ is literal.
 */
function globOnly(pattern: string): string {
  let out = '';
  for (let index = 0; index < pattern.length; index++) {
    const ch = pattern[index]!;
    if (ch === '\\') {
      const next = pattern[index + 1];
      if (next === undefined) break;
      out += /^[A-Za-z0-9]$/.test(next) ? next : `\\${next}`;
      index++;
    } else if ('()+|{}^'.includes(ch)) {
      out += `\\${ch}`;
    } else if (ch === '[') {
      const close = pattern.indexOf(']', index + 1);
      if (close < 0) {
        out += '\\[';
      } else {
        out += `[${pattern.slice(index + 1, close).replace(/[\\[]/g, (c) => `\\${c}`)}]`;
        index = close;
      }
    } else {
      out += ch;
    }
  }
  return out;
}

/** The workspace paths its .dockerignore leaves out of the build context. */
export function ignoredPaths(files: WorkspaceFiles, candidates: string[]): Promise<string[]> {
  const patterns = ignorePatterns(files.get('.dockerignore'));
  if (patterns.length === 0) return Promise.resolve([]);
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const running = ignoreWorker();
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new WorkspaceError(`.dockerignore took longer than ${LIMIT_MS / 1000} s to apply; simplify its patterns`));
      // The worker is busy with the pattern; a fresh one serves the next build.
      void running.terminate();
    }, LIMIT_MS);
    waiting.set(id, { resolve, reject, timer });
    running.postMessage({ id, patterns, paths: candidates });
  });
}
