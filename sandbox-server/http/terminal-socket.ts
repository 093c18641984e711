import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { SandboxContext } from '../context.ts';
import { ClientMessage, type ServerMessage, type TerminalMode } from '../terminal/protocol.ts';
import { LinesTerminal } from '../terminal/lines-terminal.ts';
import { WorkbenchTerminal } from '../terminal/workbench-terminal.ts';
import { sessionOf } from './guards.ts';

/** What a socket drives: the workbench's shell as a screen (tty), or one command line at a time (lines). */
type Terminal = Pick<WorkbenchTerminal, 'input' | 'resize' | 'exec' | 'close'>;

/** Terminals one session may hold open at once (a tab, a second tab, a reconnect in flight). */
const SOCKETS_PER_SESSION = 3;
/** Client messages per second before the socket is closed; typing and pasting stay far below. */
const MESSAGES_PER_SECOND = 400;
/**
 * While its workbench starts, a session is marked used this often (a third of the idle TTL when
 * that is shorter), so the idle TTL can't end it first.
 */
const STARTING_TOUCH_MS = 5000;

interface TerminalQuery {
  mode?: string;
  cols?: string;
  rows?: string;
}

export function registerTerminalSocket(app: FastifyInstance, context: SandboxContext): void {
  const socketsBySession = new Map<string, Set<WebSocket>>();

  app.get<{ Querystring: TerminalQuery }>(
    '/api/terminal',
    // The guard runs before the upgrade, so a refused handshake never becomes a socket.
    { websocket: true, config: { guard: { origin: true, session: true } } },
    (socket, request) => {
      const session = sessionOf(request);
      const mode: TerminalMode = request.query.mode === 'lines' ? 'lines' : 'tty';
      const open = socketsBySession.get(session.id) ?? new Set();
      socketsBySession.set(session.id, open);
      open.add(socket);
      if (open.size > SOCKETS_PER_SESSION) {
        const oldest = open.values().next().value!;
        oldest.close(4000, 'another terminal of this session took its place');
      }

      const transport = {
        send: (data: Uint8Array) => {
          if (socket.readyState === socket.OPEN) socket.send(data, { binary: true });
        },
        control: (message: ServerMessage) => {
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
        },
      };
      const cols = clamp(Number(request.query.cols), 2, 1000, 80);
      const rows = clamp(Number(request.query.rows), 1, 500, 24);
      context.store.terminalOpened(session);
      session.terminalSocketOpened();
      // The wait for a workbench to start and draw its first prompt (long on a loaded host) is not
      // the learner being idle. (An engine gone away ends the wait; then the idle TTL runs again.)
      const touchEvery = Math.min(STARTING_TOUCH_MS, context.config.policy.sessions.idleTtlMs / 3);
      const starting = setInterval(() => context.store.touch(session), touchEvery);
      const started = () => {
        clearInterval(starting);
        context.store.touch(session);
      };
      const opening = context.workbenches.for(session).then((workbench): Terminal | Promise<Terminal> => {
        void workbench.atPrompt().then(started, started);
        return mode === 'tty'
          ? WorkbenchTerminal.open({ session, workbench, cols, rows, ...transport })
          : new LinesTerminal({ session, workbench, ...transport });
      });
      opening.catch((error: Error) => {
        started();
        context.log.warn(`terminal of ${session.namespace.id}: ${error.message}`);
        transport.control({ type: 'error', message: 'the workbench could not be started; reload the page to try again' });
        socket.close(1011, 'no workbench');
      });
      let terminal: Promise<Terminal | undefined> = opening.catch(() => undefined);


      let windowStart = Date.now();
      let messages = 0;
      socket.on('message', (raw, isBinary) => {
        const now = Date.now();
        if (now - windowStart > 1000) {
          windowStart = now;
          messages = 0;
        }
        if (++messages > MESSAGES_PER_SECOND) {
          socket.close(1008, 'too many messages');
          return;
        }
        if (isBinary) return;
        let message: ClientMessage;
        try {
          message = ClientMessage.parse(JSON.parse(raw.toString()));
        } catch {
          socket.send(JSON.stringify({ type: 'error', message: 'unreadable message; see docs/terminal-protocol.md' }));
          return;
        }
        context.store.touch(session);
        // In order, once the terminal is open (a workbench may still be starting).
        terminal = terminal.then((open) => {
          if (!open) return open;
          if (message.type === 'stdin') open.input(message.data);
          else if (message.type === 'resize') open.resize(message.cols, message.rows);
          else open.exec(message.command);
          return open;
        });
      });

      const onSessionEnded = () => socket.close(4001, 'the session ended');
      session.on('ended', onSessionEnded);
      socket.on('close', () => {
        clearInterval(starting);
        session.off('ended', onSessionEnded);
        session.terminalSocketClosed();
        open.delete(socket);
        if (open.size === 0) socketsBySession.delete(session.id);
        void terminal.then((open) => open?.close());
      });
      socket.on('error', () => socket.terminate());
    },
  );
}

function clamp(value: number, min: number, max: number, fallback: number): number {
  return Number.isFinite(value) ? Math.min(max, Math.max(min, Math.floor(value))) : fallback;
}
