/**
 * The editor's colours, kept apart from Monaco so a unit test can prove each passes WCAG AA
 * (4.5:1) against the background: Monaco's own comment and line-number greys don't.
 */
export const EDITOR_BACKGROUND = '#0d1117';

export const EDITOR_COLORS = {
  'editor.background': EDITOR_BACKGROUND,
  'editor.foreground': '#e6edf3',
  'editor.lineHighlightBackground': '#161b22',
  'editorLineNumber.foreground': '#8b949e',
  'editorLineNumber.activeForeground': '#c9d1d9',
  // Monaco dims the number of the empty line after a file's last newline; it must still be read.
  'editorLineNumber.dimmedForeground': '#8b949e',
  'editorGutter.background': EDITOR_BACKGROUND,
} as const;

/** Token colours (without "#", as Monaco wants them) for what lessons' files hold. */
export const TOKEN_RULES = [
  { token: 'comment', foreground: '8b949e' },
  { token: 'keyword', foreground: '79c0ff' },
  { token: 'string', foreground: 'a5d6ff' },
  { token: 'variable', foreground: 'ffa657' },
  { token: 'number', foreground: 'd2a8ff' },
  { token: 'type', foreground: '7ee787' },
  { token: 'delimiter', foreground: 'c9d1d9' },
] as const;

/** WCAG 2 contrast ratio of two "#rrggbb" colours. */
export function contrastRatio(foreground: string, background: string): number {
  const [a, b] = [luminance(foreground), luminance(background)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

function luminance(hex: string): number {
  const channels = [1, 3, 5].map((start) => parseInt(hex.slice(start, start + 2), 16) / 255);
  const [r, g, b] = channels.map((value) => (value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}
