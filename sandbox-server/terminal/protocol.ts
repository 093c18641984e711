import { z } from 'zod';

/** The longest command an `exec` may carry (bytes of UTF-8); the shell integration's markers are sized for it. */
export const MAX_COMMAND_BYTES = 16 * 1024;

/** The sentence for an `exec` over MAX_COMMAND_BYTES, or undefined. */
export function commandTooLong(command: string): string | undefined {
  const bytes = Buffer.byteLength(command);
  return bytes > MAX_COMMAND_BYTES ? `the command is ${bytes} bytes long; a command may be at most ${MAX_COMMAND_BYTES}` : undefined;
}

/**
 * The terminal WebSocket protocol (documented in docs/terminal-protocol.md).
 * Binary frames carry terminal output, server to client. Text frames carry these JSON messages.
 */

export const ClientMessage = z.discriminatedUnion('type', [
  /** Keystrokes, as xterm.js reports them. */
  z.object({ type: z.literal('stdin'), data: z.string().max(16 * 1024) }),
  z.object({ type: z.literal('resize'), cols: z.number().int().min(2).max(1000), rows: z.number().int().min(1).max(500) }),
  /**
   * Run one command. In a TTY terminal it is typed at the prompt where the learner sees it
   * (the Build and Run buttons); in a lines terminal it simply runs.
   */
  // As long as a frame allows: a line over MAX_COMMAND_BYTES gets its sentence from the terminal, not a parse error.
  z.object({ type: z.literal('exec'), command: z.string().min(1).max(64 * 1024) }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

export type ServerMessage =
  /**
   * `screen`: the next binary frame redraws the whole screen (a shell that was already running).
   * `cols` and `rows`: the screen's size, which a watcher (who can't resize it) draws at.
   */
  | { type: 'ready'; mode: TerminalMode; lessonId?: string; screen?: boolean; cols?: number; rows?: number }
  /** The shell changed the workspace: every file the editor shows, as the workbench now holds them. */
  | { type: 'files'; files: Record<string, string> }
  | { type: 'command-start'; command: string }
  | { type: 'command-end'; command: string; exitCode: number }
  /** An exec arrived while another command was still running; nothing was typed. */
  | { type: 'busy'; command: string }
  | { type: 'error'; message: string };

/** tty: a terminal emulator with line editing. lines: one command per message, plain output. */
export type TerminalMode = 'tty' | 'lines';
