/**
 * A Shiki transformer for MDX code fences: ```sh run (the word `run` after the language) turns a
 * block into a runnable one, wrapped with a "Run in terminal" button that carries its commands.
 * The button is in the HTML from the build; one small script (src/client/runnable-buttons.ts) makes it work.
 */

interface HastElement {
  type: 'element';
  tagName: string;
  properties: Record<string, unknown>;
  children: unknown[];
}
interface HastRoot {
  type: 'root';
  children: unknown[];
}
interface TransformerContext {
  source: string;
  options: { meta?: { __raw?: string } };
}

/** The commands a runnable block holds: its lines, less blanks and comments, `\` continuations joined. */
export function commandsOf(source: string): string[] {
  return source
    .replace(/\s*\\\r?\n\s*/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.replace(/^\$\s+/, '').trim())
    .filter((line) => line && !line.startsWith('#'));
}

export function runnableFences() {
  return {
    name: 'layerlab:runnable-fences',
    root(this: TransformerContext, root: HastRoot): HastRoot | void {
      const meta = this.options.meta?.__raw ?? '';
      if (!/(^|\s)run(\s|$)/.test(meta)) return;
      const commands = commandsOf(this.source);
      if (commands.length === 0) return;
      const wrapper: HastElement = {
        type: 'element',
        tagName: 'div',
        properties: { className: ['runnable'] },
        children: [
          ...root.children,
          {
            type: 'element',
            tagName: 'button',
            properties: { type: 'button', className: ['run-in-terminal'], dataCommands: JSON.stringify(commands) },
            children: [{ type: 'text', value: 'Run in terminal' }],
          },
        ],
      };
      root.children = [wrapper];
      return root;
    },
  };
}
