/**
 * The workspace, mounted when it comes into view: opens the sandbox session, then brings up the
 * editor (Monaco) and the terminal (xterm) side by side, wires the toolbar, the tabs and the
 * checks panel, and keeps the files in step with the session and the browser.
 */
import { ApiError } from './api.ts';
import { RUNS_A_BUILD, showBuildMarks } from './build-marks.ts';
import { ChecksPanel } from './checks.ts';
import { commandBlock, confirmDialog, paragraph } from './confirm-dialog.ts';
import { CODE_UNREACHABLE, importAgainOnFailure } from './import-again.ts';
import { Panes, registerPane } from './panes.ts';
import { SandboxSession, type SessionInfo } from './session.ts';
import { SessionClock } from './session-clock.ts';
import { noteLessonStarted } from './progress.ts';
import { isLessonActive, loadFiles, markLessonActive, type FileMap } from './storage.ts';
import { WorkspaceSync, type SyncState } from './workspace-sync.ts';
import type { WorkspaceEditor } from './editor.ts';
import type { ConnectionState, LessonTerminal } from './terminal.ts';
import { tabOrder, type LessonData } from '../lib/workspace-files.ts';

export type WorkspaceAction = 'build' | 'run' | 'check' | 'reset' | 'solve' | 'download';

export interface WorkspaceController {
  act(action: WorkspaceAction): Promise<void>;
  /** Types these commands into the terminal one after another ("Run in terminal"). */
  runCommands(commands: string[]): Promise<void>;
  /** Shows what the session publishes on this port in the Preview pane (a lesson's localhost link). */
  preview(port: number, path: string): void;
}

/** After a command ends, wait this long for more before re-running the checks. */
const CHECKS_AFTER_COMMAND_MS = 150;
/** And again after these, when the command started a container that may still be starting up. */
const CHECKS_AFTER_START_MS = [1500, 4000];
const STARTS_CONTAINER = /^docker\s+(?:container\s+)?(?:run|start|restart)\b/;
/** After an edit reached the server (or a Reset or Solve), this long before the checks look again. */
const CHECKS_AFTER_EDIT_MS = 300;
const EXPIRED =
  'Your sandbox ended (it expired, or its server went away); a new one was started with your files. The images and containers from before are gone.';

function sameFiles(a: FileMap, b: FileMap): boolean {
  const names = Object.keys(a);
  return names.length === Object.keys(b).length && names.every((name) => a[name] === b[name]);
}

registerPane('preview', () => import('./panes/preview.ts'));
registerPane('engine', () => import('./panes/engine-panel.ts'));
registerPane('layers', () => import('./panes/layers.ts'));

export async function mountWorkspace(root: HTMLElement): Promise<WorkspaceController> {
  const lesson = JSON.parse(root.querySelector('script[data-lesson]')!.textContent!) as LessonData;
  const ui = {
    status: root.querySelector<HTMLElement>('[data-status]')!,
    tabs: root.querySelector<HTMLElement>('[data-tabs]')!,
    editor: root.querySelector<HTMLElement>('[data-editor]')!,
    terminal: root.querySelector<HTMLElement>('[data-terminal]')!,
    connection: root.querySelector<HTMLElement>('.connection')!,
    connectionLabel: root.querySelector<HTMLElement>('[data-connection-label]')!,
    dialog: root.querySelector<HTMLDialogElement>('dialog[data-confirm]')!,
    clock: root.querySelector<HTMLElement>('[data-session-clock]')!,
  };

  /** A sticky message (the sandbox was started again) outlives the routine clearing of the line. */
  const say = (text: string, tone: 'info' | 'warn' | 'error' = 'info', sticky = false) => {
    ui.status.textContent = text;
    ui.status.dataset.tone = tone;
    if (sticky) ui.status.dataset.sticky = '';
    else delete ui.status.dataset.sticky;
  };
  const clearRoutine = () => {
    if (!('sticky' in ui.status.dataset)) say('');
  };

  // The browser's copy wins: it has every edit, even ones the server never received.
  const kept = loadFiles(lesson.lessonId);
  void noteLessonStarted(lesson.lessonId, lesson.checks.length);
  let files: FileMap = kept ?? { ...lesson.files };

  // Before the learner has done anything here, a check that doesn't pass is "to do", not a mistake.
  const checksRoot = document.querySelector<HTMLElement>('[data-checks]');
  const active = isLessonActive(lesson.lessonId) || (kept !== undefined && !sameFiles(kept, lesson.files));
  const checks = checksRoot ? new ChecksPanel(checksRoot, lesson, active) : undefined;
  if (active) markLessonActive(lesson.lessonId);
  let acted = active;
  const activity = () => {
    if (acted) return;
    acted = true;
    markLessonActive(lesson.lessonId);
    checks?.activate();
  };
  let editChecksTimer: ReturnType<typeof setTimeout> | undefined;
  const checksSoon = () => {
    clearTimeout(editChecksTimer);
    editChecksTimer = setTimeout(() => void checks?.run(), CHECKS_AFTER_EDIT_MS);
  };

  const clock = new SessionClock(ui.clock, (warning) => say(warning, 'warn'));
  // Keys typed in the editor or the terminal reach the server, which counts them as use.
  root.addEventListener('keydown', () => clock.touch(), { capture: true });

  let sync: WorkspaceSync | undefined;
  const session = new SandboxSession(lesson.lessonId, () => (sync ? sync.files : kept), {
    onInfo: (info) => clock.update(info),
    onReopened: () => {
      say(EXPIRED, 'warn', true);
      void checks?.run();
    },
  });

  // Start the heavy imports while the session opens.
  const editorModule = importAgainOnFailure(() => import('./editor.ts'));
  const terminalModule = importAgainOnFailure(() => import('./terminal.ts'));
  const arrived = <T>(module: Promise<T>): Promise<T> =>
    module.catch((error: unknown) => {
      say(CODE_UNREACHABLE, 'error', true);
      throw error;
    });

  say('Connecting to your sandbox…');
  let opened: SessionInfo | undefined;
  try {
    opened = await session.open(kept);
    if (!kept) files = opened.files;
    // Kept files mean this browser worked here before, in a session the server no longer has.
    else if (opened.created) say(EXPIRED, 'warn', true);
  } catch (error) {
    if (kept && error instanceof ApiError && error.status === 400) {
      // The saved files break a limit the server has now (fewer or smaller files): start over
      // from the lesson's files rather than leave the learner without a sandbox.
      opened = await session.open(undefined).catch(() => undefined);
      if (opened) {
        files = opened.files;
        say(`Your saved files were refused (${error.message}); the lesson's files are loaded instead.`, 'warn');
      }
    }
    if (!opened) say(`Can't reach the sandbox (${(error as Error).message}); your edits are kept in this browser.`, 'warn');
  }

  sync = new WorkspaceSync({
    lessonId: lesson.lessonId,
    session,
    files,
    onState: (state: SyncState, message?: string) => {
      if (state === 'offline') say('Saved in this browser; the sandbox is unreachable for now.', 'warn');
      else if (state === 'refused') say(message ?? 'The sandbox refused these files.', 'error');
      else if (state === 'saved') {
        if (ui.status.dataset.tone !== 'info') clearRoutine();
        // The checks read the server's files: look again once the edit is there.
        checksSoon();
      }
    },
  });
  const workspace = sync;

  // Tabs, one per file.
  let paths = tabOrder(Object.keys(files));
  let editor: WorkspaceEditor | undefined;
  const selectTab = (path: string, focus = false) => {
    for (const tab of ui.tabs.querySelectorAll<HTMLButtonElement>('[role="tab"]')) {
      const selected = tab.dataset.file === path;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      if (selected && focus) tab.focus();
    }
    editor?.show(path);
  };
  const renderTabs = (active: string) => {
    ui.tabs.replaceChildren(
      ...paths.map((path) => {
        const tab = document.createElement('button');
        tab.type = 'button';
        tab.className = 'tab';
        tab.setAttribute('role', 'tab');
        tab.dataset.file = path;
        tab.textContent = path;
        return tab;
      }),
    );
    // Astro scopes component styles with an attribute; new tabs need it too.
    const scope = [...root.attributes].find((attribute) => attribute.name.startsWith('data-astro-cid-'));
    if (scope) for (const tab of ui.tabs.children) tab.setAttribute(scope.name, '');
    selectTab(active);
  };
  ui.tabs.addEventListener('click', (event) => {
    const tab = (event.target as Element).closest<HTMLButtonElement>('[role="tab"]');
    if (tab?.dataset.file) selectTab(tab.dataset.file);
  });
  ui.tabs.addEventListener('keydown', (event) => {
    const index = paths.indexOf(editor?.activePath ?? '');
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step || index < 0) return;
    event.preventDefault();
    selectTab(paths[(index + step + paths.length) % paths.length]!, true);
  });
  renderTabs(paths[0]!);

  const { createEditor } = await arrived(editorModule);
  editor = createEditor(ui.editor, {
    files,
    active: paths[0]!,
    onChange: (path, content) => {
      activity();
      workspace.edit(path, content);
    },
  });

  // The terminal, and the checks that follow each command.
  const { LessonTerminal, CommandNotStarted } = await arrived(terminalModule);
  let checksTimers: ReturnType<typeof setTimeout>[] = [];
  const commandEndListeners = new Set<(command: string, exitCode: number) => void>();
  const terminal: LessonTerminal = new LessonTerminal(ui.terminal, {
    ensureSession: async () => {
      const outcome = await session.ensure();
      // A new session runs the checks from onReopened; a moved one needs them too.
      if (outcome === 'moved') void checks?.run();
      return outcome;
    },
    beforeCommand: () => workspace.flush(),
    onConnection: (state: ConnectionState) => {
      ui.connection.dataset.connection = state;
      ui.connectionLabel.textContent = { connecting: 'connecting…', open: 'connected', closed: 'reconnecting…' }[state];
      if (state === 'open' && ui.status.dataset.tone === 'warn') clearRoutine();
    },
    onCommandStart: (command) => {
      activity();
      clock.touch();
      root.dataset.running = '';
      say(`Running ${command}`);
    },
    onCommandEnd: (command, exitCode) => {
      for (const listener of commandEndListeners) listener(command, exitCode);
      if (RUNS_A_BUILD.test(command)) void showBuildMarks(editor!).catch(() => undefined);
      delete root.dataset.running;
      clock.touch();
      say('');
      for (const timer of checksTimers) clearTimeout(timer);
      // A server in a fresh container takes a moment to listen: look again shortly after a start.
      const delays = STARTS_CONTAINER.test(command) ? [CHECKS_AFTER_COMMAND_MS, ...CHECKS_AFTER_START_MS] : [CHECKS_AFTER_COMMAND_MS];
      checksTimers = delays.map((delay) => setTimeout(() => void checks?.run(), delay));
    },
    onBusy: () =>
      say('A command is still running: wait for it to finish, or press Ctrl-C in the terminal to stop it.', 'warn'),
    onFiles: (changed) => showFiles(workspace.adopt(changed)),
  });
  if (opened) {
    // "Connecting…" is done; a warning about how the session opened stays.
    if (ui.status.dataset.tone === 'info') clearRoutine();
    void checks?.run();
  }

  /** The editor's tabs and models become these files (a Reset, a Solve, or what the shell did). */
  function showFiles(next: FileMap): void {
    files = next;
    paths = tabOrder(Object.keys(next));
    if (paths.length === 0) return;
    const active = editor!.activePath in next ? editor!.activePath : paths[0]!;
    editor!.setFiles(next);
    renderTabs(active);
  }

  const runCommands = async (commands: string[]) => {
    panes.show('terminal');
    for (const command of commands) {
      try {
        await terminal.exec(command);
      } catch (error) {
        if (error instanceof CommandNotStarted) return;
        throw error;
      }
    }
  };

  const panes = new Panes(root, {
    lesson,
    runCommands,
    onCommandEnd: (listener) => {
      commandEndListeners.add(listener);
      return () => commandEndListeners.delete(listener);
    },
  });

  const replaceFiles = async (next: FileMap, done: string) => {
    showFiles(next);
    await workspace.replace(next);
    say(done);
    // So the panel never shows a verdict about files that are no longer there.
    checksSoon();
  };

  const act = async (action: WorkspaceAction) => {
    switch (action) {
      case 'build':
        return runCommands([lesson.buildCommand]);
      case 'run':
        return runCommands([lesson.runCommand]);
      case 'check':
        return checks?.run();
      case 'download': {
        const { downloadFiles } = await import('./download.ts');
        return downloadFiles(lesson.lessonId, workspace.files);
      }
      case 'reset': {
        const confirmed = await confirmDialog(ui.dialog, {
          title: 'Start this lesson over?',
          body: [
            paragraph('Your files go back to how the lesson started, and your changes to them are lost.'),
            paragraph('Images and containers you made stay; remove them in the terminal if you like.'),
          ],
          confirmLabel: 'Reset files',
        });
        if (confirmed) await replaceFiles({ ...lesson.files }, 'Starter files restored. Ctrl-Z in the editor undoes it.');
        return;
      }
      case 'solve': {
        const body: HTMLElement[] = [paragraph('The editor gets the finished files of this lesson, in place of yours.')];
        if (lesson.solutionCommands.length > 0) {
          body.push(paragraph('Then these commands finish the job:'), commandBlock(lesson.solutionCommands));
        }
        const confirmed = await confirmDialog(ui.dialog, {
          title: 'Show the solution?',
          body,
          confirmLabel: 'Show the solution',
        });
        if (confirmed) {
          activity();
          await replaceFiles({ ...lesson.files, ...lesson.solution }, 'Solution in place: build and run it to see the checks pass.');
        }
        return;
      }
    }
  };

  const preview = (port: number, path: string) => {
    const host = root.querySelector<HTMLElement>('[data-pane="preview"]');
    host?.setAttribute('data-preview-port', String(port));
    host?.setAttribute('data-preview-path', path);
    panes.show('preview');
  };

  return { act, runCommands, preview };
}
