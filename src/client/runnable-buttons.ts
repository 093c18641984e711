/**
 * "Run in terminal" buttons (from ```sh run fences and <Run>): one listener for the page
 * that hands the block's commands to the workspace, and brings the terminal into view on a narrow
 * screen where it sits below the lesson.
 */
import { RUN_EVENT, type RunEventDetail } from './workspace-element.ts';

document.addEventListener('click', (event) => {
  const button = (event.target as Element).closest<HTMLButtonElement>('button.run-in-terminal');
  if (!button) return;
  let commands: string[];
  try {
    commands = JSON.parse(button.dataset.commands ?? '[]') as string[];
  } catch {
    return;
  }
  if (commands.length === 0) return;
  document.dispatchEvent(new CustomEvent<RunEventDetail>(RUN_EVENT, { detail: { commands } }));
  const terminal = document.querySelector('lesson-workspace [aria-label="Terminal"]');
  const box = terminal?.getBoundingClientRect();
  if (terminal && box && (box.top > window.innerHeight || box.bottom < 0)) {
    terminal.scrollIntoView({ behavior: 'smooth', block: 'center' });
  }
});
