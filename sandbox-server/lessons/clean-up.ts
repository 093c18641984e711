import { mdxToMdast, type MdastNode } from 'satteri';
import { commandsOf } from '../../src/lib/runnable-fences.ts';
import { splitFrontmatter } from './library.ts';

/**
 * A lesson's `## Clean up` section ends it by removing what it made, with one runnable block
 * (```sh run) the learner presses. The in-order proof of the course presses it too, after each
 * solution, as the browser test of the whole course does: the course's session quotas (ten
 * images, five running containers) assume every lesson cleans up after itself.
 */
export const CLEAN_UP_HEADING = 'Clean up';

/** The commands of the first runnable block under the page's `## Clean up`, or none. */
export function cleanUpCommands(text: string, file: string): string[] {
  let tree: MdastNode;
  try {
    tree = mdxToMdast(splitFrontmatter(text, file).body);
  } catch {
    return [];
  }
  const nodes = (tree as { children?: MdastNode[] }).children ?? [];
  let inside = false;
  for (const node of nodes) {
    const { type, depth, lang, meta, value } = node as { type: string; depth?: number; lang?: string; meta?: string; value?: string };
    if (type === 'heading' && (depth ?? 9) <= 2) inside = depth === 2 && headingText(node) === CLEAN_UP_HEADING;
    else if (inside && type === 'code' && lang === 'sh' && (meta ?? '').split(/\s+/).includes('run')) return commandsOf(value ?? '');
  }
  return [];
}

function headingText(node: MdastNode): string {
  const children = (node as { children?: MdastNode[] }).children ?? [];
  return children.map((child) => String((child as { value?: unknown }).value ?? headingText(child))).join('').trim();
}
