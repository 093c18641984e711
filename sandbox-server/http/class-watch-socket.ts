import type { FastifyInstance } from 'fastify';
import type { ServerMessage } from '../terminal/protocol.ts';
import { WorkbenchTerminal, type WatchedTerminal } from '../terminal/workbench-terminal.ts';
import type { SandboxContext } from '../context.ts';
import { instructorClassOf, instructorOnly } from './class-routes.ts';

/**
 * WebSocket /api/classes/:code/learners/:learnerId/terminal: the instructor's read-only view of a
 * learner's live terminal, the same frames as /api/terminal in tty mode (docs/terminal-protocol.md).
 * Nothing the watcher sends is read, and watching never resizes the learner's screen.
 */
export function registerClassWatchSocket(app: FastifyInstance, context: SandboxContext): void {
  const { classes } = context;
  app.get<{ Params: { code: string; learnerId: string } }>(
    '/api/classes/:code/learners/:learnerId/terminal',
    // The guard and the secret are checked before the upgrade, so a refused handshake never becomes a socket.
    { websocket: true, preValidation: instructorOnly(context), config: { guard: { origin: true }, rateLimit: { max: 120, timeWindow: '1 minute' } } },
    (socket, request) => {
      const row = instructorClassOf(request);
      const control = (message: ServerMessage) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
      };
      const refuse = (message: string) => {
        control({ type: 'error', message });
        socket.close(1000, 'nothing to watch');
      };
      let watched: Promise<WatchedTerminal | undefined> = Promise.resolve(undefined);
      let offEnded = () => {};
      socket.on('close', () => {
        offEnded();
        void watched.then((terminal) => terminal?.close());
      });
      socket.on('error', () => socket.terminate());
      // Read, never acted on: a watcher's keystrokes and resizes go nowhere.
      socket.on('message', () => undefined);

      void (async () => {
        const learner = await classes.storage.learnerById(request.params.learnerId);
        if (!learner || learner.classCode !== row.code) return refuse(`class ${row.code} has no such learner`);
        const session = classes.watchedSession(learner.id);
        const workbench = session && context.workbenches.opened(session);
        if (!session || !workbench) return refuse(`${learner.nickname} has no terminal open now`);
        const onEnded = () => socket.close(4001, 'the session ended');
        session.on('ended', onEnded);
        offEnded = () => session.off('ended', onEnded);
        watched = workbench
          .then((bench) =>
            WorkbenchTerminal.watch({
              session,
              workbench: bench,
              send: (data) => {
                if (socket.readyState === socket.OPEN) socket.send(data, { binary: true });
              },
              control,
            }),
          )
          .catch(() => {
            refuse(`${learner.nickname}'s terminal could not be watched`);
            return undefined;
          });
        if (socket.readyState !== socket.OPEN) void watched.then((terminal) => terminal?.close());
      })().catch((error: Error) => {
        context.log.warn({ err: error }, 'a class watch socket failed');
        refuse('the terminal could not be watched');
      });
    },
  );
}
