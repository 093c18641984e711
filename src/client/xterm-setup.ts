/**
 * The pieces every terminal on the site shares: xterm.js with the workspace's look, fitted to its
 * host as the host resizes, and the WebSocket address of a terminal endpoint. The learner's
 * terminal (terminal.ts) and the instructor's read-only view (class/watch-terminal.ts) use them.
 */
import { Terminal, type ITerminalOptions } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';

const THEME = {
  background: '#0d1117',
  foreground: '#e6edf3',
  cursor: '#58a6ff',
  selectionBackground: '#264f78',
  black: '#484f58',
  red: '#ff7b72',
  green: '#3fb950',
  yellow: '#d29922',
  blue: '#58a6ff',
  magenta: '#bc8cff',
  cyan: '#39c5cf',
  white: '#b1bac4',
  brightBlack: '#6e7681',
  brightRed: '#ffa198',
  brightGreen: '#56d364',
  brightYellow: '#e3b341',
  brightBlue: '#79c0ff',
  brightMagenta: '#d2a8ff',
  brightCyan: '#56d4dd',
  brightWhite: '#f0f6fc',
};

/** Grey text on the screen, for what the page (not the shell) says. */
export const dim = (text: string) => `\x1b[2m${text}\x1b[0m`;

export interface SiteTerminal {
  term: Terminal;
  /** Fits the terminal to its host now (a hidden host keeps the last good size). */
  fitNow(): void;
  /** Keeps the size it has from now on, when the host resizes too (a watcher mirrors another's size). */
  stopFitting(): void;
}

/** Opens an xterm in host (replacing what it held), with the site's theme, refitted whenever host resizes. */
export function openSiteTerminal(host: HTMLElement, options: ITerminalOptions & { label: string }): SiteTerminal {
  const { label, ...rest } = options;
  const term = new Terminal({
    cursorBlink: true,
    fontFamily: "ui-monospace, 'SFMono-Regular', 'JetBrains Mono', 'DejaVu Sans Mono', Menlo, Consolas, monospace",
    fontSize: 13.5,
    lineHeight: 1.2,
    scrollback: 5000,
    allowProposedApi: false,
    theme: THEME,
    ...rest,
  });
  const fit = new FitAddon();
  term.loadAddon(fit);
  host.replaceChildren();
  term.open(host);
  term.textarea?.setAttribute('aria-label', label);
  const fitNow = () => {
    const size = fit.proposeDimensions();
    if (size && size.cols >= 2 && size.rows >= 1) fit.fit();
  };
  fitNow();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const observer = new ResizeObserver(() => {
    clearTimeout(timer);
    timer = setTimeout(fitNow, 50);
  });
  observer.observe(host);
  const stopFitting = () => {
    observer.disconnect();
    clearTimeout(timer);
  };
  return { term, fitNow, stopFitting };
}

/** ws(s):// for a same-origin path, with a query. */
export function socketUrl(path: string, query: Record<string, string> = {}): URL {
  const url = new URL(path, location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = new URLSearchParams(query).toString();
  return url;
}
