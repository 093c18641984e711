import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import WebSocket from 'ws';
import type { ServerMessage } from '../terminal/protocol.ts';

export interface ShellOptions {
  server: string;
  lessonId?: string;
  filesDir?: string;
}

export class ShellConnectError extends Error {}

/** A folder's regular files as workspace files; symlinks, .git and node_modules are left out. */
export function readWorkspaceFolder(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (folder: string) => {
    for (const name of readdirSync(folder).sort()) {
      if (name === '.git' || name === 'node_modules') continue;
      const full = path.join(folder, name);
      const stat = lstatSync(full);
      if (stat.isDirectory()) walk(full);
      else if (stat.isFile()) files[path.relative(dir, full).split(path.sep).join('/')] = readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return files;
}

/** Opens a session (loading the lesson and files) and returns its cookie. */
async function openSession(base: URL, options: ShellOptions): Promise<string> {
  const files = options.filesDir ? readWorkspaceFolder(options.filesDir) : undefined;
  const post = async (body: object, cookie?: string) => {
    let response: Response;
    try {
      response = await fetch(new URL('/api/session', base), {
        method: 'POST',
        headers: { origin: base.origin, 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
        body: JSON.stringify(body),
      });
    } catch (error) {
      throw new ShellConnectError(`could not reach the sandbox at ${base.origin}: ${(error as Error).cause ?? (error as Error).message}`);
    }
    if (!response.ok) {
      const detail = ((await response.json().catch(() => ({}))) as { error?: string }).error ?? response.statusText;
      throw new ShellConnectError(`the sandbox at ${base.origin} refused the session: ${detail}`);
    }
    const setCookie = response.headers.getSetCookie().find((line) => line.startsWith('layerlab_session='));
    return cookie ?? setCookie?.split(';')[0] ?? '';
  };
  // The lesson's starter files first, then the folder's files over them.
  const cookie = await post({ lessonId: options.lessonId });
  if (files) {
    const response = await fetch(new URL('/api/workspace', base), {
      method: 'PATCH',
      headers: { origin: base.origin, 'content-type': 'application/json', cookie },
      body: JSON.stringify({ changes: files }),
    });
    if (!response.ok) {
      const detail = ((await response.json().catch(() => ({}))) as { error?: string }).error ?? response.statusText;
      throw new ShellConnectError(`the sandbox refused the files in ${options.filesDir}: ${detail}`);
    }
  }
  return cookie;
}

function connect(base: URL, cookie: string, query: Record<string, string>): Promise<WebSocket> {
  const url = new URL('/api/terminal', base);
  url.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers: { cookie, origin: base.origin } });
    socket.once('open', () => resolve(socket));
    socket.once('error', (error) => reject(new ShellConnectError(`could not open the terminal at ${url.href}: ${error.message}`)));
    socket.once('unexpected-response', (_request, response) =>
      reject(new ShellConnectError(`the sandbox refused the terminal (HTTP ${response.statusCode})`)),
    );
  });
}

/**
 * `layerlab shell`: interactive in a TTY; otherwise one command per input line, printing what the
 * browser terminal would show, and exiting after the last line.
 */
export async function runShell(options: ShellOptions): Promise<number> {
  const base = new URL(options.server);
  const cookie = await openSession(base, options);
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  if (interactive) return interactiveShell(base, cookie);
  return lineShell(base, cookie);
}

async function interactiveShell(base: URL, cookie: string): Promise<number> {
  // A pseudo-terminal nobody sized (script, some CI runners) reports 0 by 0.
  const size = () => ({ cols: process.stdout.columns || 80, rows: process.stdout.rows || 24 });
  const socket = await connect(base, cookie, { mode: 'tty', cols: String(size().cols), rows: String(size().rows) });
  process.stdin.setRawMode(true);
  process.stdin.resume();
  process.stdin.setEncoding('utf8');
  const send = (message: object) => socket.send(JSON.stringify(message));
  process.stdin.on('data', (data: string) => send({ type: 'stdin', data }));
  const onResize = () => send({ type: 'resize', ...size() });
  process.stdout.on('resize', onResize);
  socket.on('message', (data, isBinary) => {
    if (isBinary) {
      process.stdout.write(data as Buffer);
      return;
    }
    const message = JSON.parse(data.toString()) as ServerMessage;
    // The workbench's bash says it is about to run `exit`; the session keeps its workbench (and
    // starts a new shell in it for the next terminal), but this one is done.
    if (message.type === 'command-start' && LEAVES_THE_SHELL.test(message.command)) setTimeout(() => socket.close(1000), 200);
  });
  return new Promise((resolve) => {
    socket.on('close', () => {
      process.stdin.setRawMode(false);
      process.stdin.pause();
      process.stdout.off('resize', onResize);
      process.stdout.write('\n');
      resolve(0);
    });
  });
}

/** `exit`, `exit 3`, `logout`: what leaves an interactive shell. */
const LEAVES_THE_SHELL = /^(?:exit|logout)(?: +\d{1,3})? *$/;

async function lineShell(base: URL, cookie: string): Promise<number> {
  const socket = await connect(base, cookie, { mode: 'lines' });
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  let pending = 0;
  let inputDone = false;
  const finishIfDone = () => {
    if (inputDone && pending === 0) socket.close(1000);
  };
  socket.on('message', (data, isBinary) => {
    if (isBinary) {
      process.stdout.write(data as Buffer);
      return;
    }
    const message = JSON.parse(data.toString()) as ServerMessage;
    if (message.type === 'command-end') {
      pending -= 1;
      finishIfDone();
    } else if (message.type === 'error') {
      process.stderr.write(`layerlab shell: ${message.message}\n`);
    }
  });
  lines.on('line', (line) => {
    if (!line.trim()) return;
    pending += 1;
    socket.send(JSON.stringify({ type: 'exec', command: line }));
  });
  lines.on('close', () => {
    inputDone = true;
    finishIfDone();
  });
  return new Promise((resolve) => {
    socket.on('close', (code) => resolve(code === 1000 || code === 1005 ? 0 : 1));
  });
}
